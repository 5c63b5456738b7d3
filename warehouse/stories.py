"""Story clusters from a persistent SimHash index kept in the warehouse, resolved set-based.

Texts whose 64-bit SimHashes differ in at most MAX_DISTANCE bits share at least one of four
16-bit bands (pigeonhole), so candidates come from equality joins on (band, value), never from
comparing every pair; the index lives in `story_simhash_band` and grows with each run. Linked
articles of one load form components by label propagation in SQL (each round one statement;
rounds are bounded by the longest chain of near-duplicates, not by the number of articles).
"""

from __future__ import annotations

import duckdb

from warehouse.db import run, scalar

MAX_DISTANCE = 3
BANDS = 4


def resolve_stories(con: duckdb.DuckDBPyConnection) -> int:
    """`story_of(article_key, story_key, is_first_in_story)` for the load's `touched`
    articles (read from `inc_article`), and `story_members`: every current article of the
    stories they join or leave. Writes nothing to the marts; returns how many touched
    articles' components joined a story (a stored one, or one of two or more new articles).

    An article joins the story of its component's earliest stored match; a new story is keyed
    by its first article, so the same inputs always give the same story keys.
    """
    run(
        con,
        """
        create or replace temp table story_in as
        select i.article_key, ('0x' || i.simhash)::ubigint as simhash, i.published_at
        from inc_article i join touched t using (article_key)
        where i.simhash is not null
        """,
    )
    run(
        con,
        f"""
        create or replace temp table story_in_bands as
        select article_key, simhash, published_at, b::tinyint as band,
               ((simhash >> (16 * b)) & 65535)::usmallint as band_value
        from story_in, range({BANDS}) r(b)
        """,
    )
    # copies with one SimHash (a wire story on a hundred sites) are one node: pairs are found
    # between distinct SimHashes, so a big cluster of copies costs a row, not its square
    run(
        con,
        f"""
        create or replace temp table story_hash_bands as
        select simhash, min(article_key) as first_key, b::tinyint as band,
               ((simhash >> (16 * b)) & 65535)::usmallint as band_value
        from story_in, range({BANDS}) r(b)
        group by simhash, b
        """,
    )
    run(
        con,
        f"""
        create or replace temp table story_links as
        with edges as (
            select distinct a.simhash as k, b.simhash as o
            from story_hash_bands a join story_hash_bands b using (band, band_value)
            where a.simhash < b.simhash
              and bit_count(xor(a.simhash, b.simhash)) <= {MAX_DISTANCE}
        )
        select k, o from edges union all select o, k from edges
        """,
    )
    run(
        con,
        "create or replace temp table story_hash_labels as "
        "select distinct simhash, first_key as label from story_hash_bands",
    )
    while True:  # label propagation: each component ends labelled by its smallest key
        run(
            con,
            """
            create or replace temp table story_labels_next as
            select l.simhash, least(l.label, coalesce(min(n.label), l.label)) as label
            from story_hash_labels l
            left join story_links e on e.k = l.simhash
            left join story_hash_labels n on n.simhash = e.o
            group by l.simhash, l.label
            """,
        )
        moved = scalar(
            con,
            "select count(*) from story_labels_next n join story_hash_labels l using (simhash) "
            "where n.label <> l.label",
        )
        run(con, "drop table story_hash_labels")
        run(con, "alter table story_labels_next rename to story_hash_labels")
        if not moved:
            break
    run(
        con,
        "create or replace temp table story_labels as select i.article_key, l.label "
        "from story_in i join story_hash_labels l using (simhash)",
    )
    run(
        con,
        f"""
        create or replace temp table story_assigned as
        with stored as (
            select distinct l.label, s.story_key, s.published_at
            from story_hash_bands i
            join story_hash_labels l using (simhash)
            join story_simhash_band s on s.band = i.band and s.band_value = i.band_value
            where s.article_key not in (select article_key from touched)
              and bit_count(xor(i.simhash, s.simhash)) <= {MAX_DISTANCE}
        ),
        picked as (
            select label, story_key from stored
            qualify row_number() over (
                partition by label order by published_at is null, published_at, story_key) = 1
        ),
        firsts as (
            select l.label, l.article_key as first_key
            from story_labels l join story_in s using (article_key)
            qualify row_number() over (
                partition by l.label
                order by s.published_at is null, s.published_at, l.article_key) = 1
        ),
        sizes as (select label, count(*) as size from story_labels group by label)
        select l.article_key, l.label,
               coalesce(p.story_key, md5('story' || chr(31) || f.first_key)) as story_key,
               p.story_key is not null or z.size > 1 as joined
        from story_labels l
        join firsts f using (label)
        join sizes z using (label)
        left join picked p using (label)
        """,
    )
    run(
        con,
        """
        create or replace temp table story_members as
        select article_key, story_key, published_at from fact_article
        where is_current
          and story_key in (
              select story_key from story_assigned
              union select old_story_key from touched where old_story_key is not null)
          and article_key not in (select article_key from touched)
        union all
        select a.article_key, a.story_key, s.published_at
        from story_assigned a join story_in s using (article_key)
        """,
    )
    run(
        con,
        """
        create or replace temp table story_firsts as
        select story_key, article_key as first_key from story_members
        qualify row_number() over (partition by story_key order by published_at, article_key) = 1
        """,
    )
    run(
        con,
        """
        create or replace temp table story_of as
        select a.article_key, a.story_key, a.article_key = f.first_key as is_first_in_story
        from story_assigned a join story_firsts f using (story_key)
        """,
    )
    return int(scalar(con, "select count(distinct label) from story_assigned where joined") or 0)


def write_stories(con: duckdb.DuckDBPyConnection) -> None:
    """The index rows of the touched articles, and the first-in-story flag of the stored
    members whose story gained an earlier article or lost its first one."""
    run(
        con,
        "delete from story_simhash_band where article_key in (select article_key from touched)",
    )
    run(
        con,
        """
        insert into story_simhash_band
        select b.band, b.band_value, b.article_key, b.simhash, a.story_key, b.published_at
        from story_in_bands b join story_assigned a using (article_key)
        """,
    )
    run(
        con,
        """
        update fact_article f set is_first_in_story = (f.article_key = m.first_key)
        from story_firsts m
        where f.story_key = m.story_key and f.is_current
          and f.article_key not in (select article_key from touched)
          and f.is_first_in_story is distinct from (f.article_key = m.first_key)
        """,
    )
