"""Load a run's staged packages into the star schema: read, resolve, then write, in one
transaction.

The packages are read set-based (`read_parquet` over their files) into temporary tables;
sources, article versions (SCD type 2), tombstones and story clusters are resolved there;
only then are rows written, each once. Dimensions and bridges are keyed, so loading the
same packages twice changes nothing; fact_fetch, raw.fetch and ops rows are per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from transforms.model import source_version_key
from transforms.tables import DEPENDENTS, STAGED
from warehouse.db import drop_temp_tables, query_frame, run, scalar, temp_tables
from warehouse.faults import checkpoint
from warehouse.keys import key_of
from warehouse.packages import Package, files
from warehouse.stories import resolve_stories, write_stories
from warehouse.sync import change_stamp, record_changes


@dataclass(frozen=True, slots=True)
class LoadCounts:
    articles_new: int
    articles_changed: int
    authors_new: int
    fetch_rows: int
    sources_versioned: int = 0
    in_stories: int = 0
    quarantined: int = 0
    merged: int = 0
    withdrawn: int = 0


def load_packages(
    con: duckdb.DuckDBPyConnection,
    packages: list[Package],
    sources: pl.DataFrame,
    run_id: str,
    now: datetime,
    versioning: bool = True,
) -> LoadCounts:
    """All of the packages' rows, or none of them: one transaction.

    `sources` are dim_source candidates (`build_dim_source`). versioning=False (reprocess)
    rewrites the current version in place: a better extractor is not an edit by the publisher.
    """
    before = temp_tables(con)
    run(con, "begin transaction")
    try:
        stamp = change_stamp(con)
        before_versions = int(scalar(con, "select count(*) from dim_source"))
        _version_sources(con, sources)
        counts = LoadCounts(0, 0, 0, 0)
        if packages:
            _stage(con, packages, run_id)
            counts = _load(con, versioning, run_id, stamp, now)
        else:
            run(con, "create or replace temp table dirty_articles (article_key varchar)")
        if packages:
            _credit_earlier_runs(con, run_id)
        if packages:  # once loaded, never again (see `loaded_packages`)
            con.executemany(
                "insert or ignore into ops.staged_package values (?, ?, ?, ?)",
                [[p.manifest.run_id, p.manifest.batch, run_id, now] for p in packages],
            )
        versioned = int(scalar(con, "select count(*) from dim_source")) - before_versions
        counts = LoadCounts(**{**_as_dict(counts), "sources_versioned": versioned})
        # what changed goes on record in the same transaction: deliveries never miss a row
        record_changes(con, run_id, stamp, "dirty_articles")
        checkpoint("load")  # crash drill: everything written, nothing committed
        run(con, "commit")
    except BaseException:
        run(con, "rollback")
        raise
    finally:
        drop_temp_tables(con, before)
    return counts


def _credit_earlier_runs(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """A killed run's packages, loaded now, are its work: its ops.etl_run row counts the
    fetches they hold, so each run's counts agree with the rows that carry its id."""
    run(
        con,
        """
        update ops.etl_run r set
            fetch_attempts = coalesce(r.fetch_attempts, 0) + f.attempts,
            article_fetches = coalesce(r.article_fetches, 0) + f.articles
        from (
            select run_id, count(*) as attempts,
                   count(distinct url) filter (where purpose = 'article') as articles
            from stg_fact_fetch where run_id <> ? group by run_id
        ) f
        where r.run_id = f.run_id
        """,
        [run_id],
    )


def loaded_packages(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(run_id, batch) of every package loaded so far."""
    return {
        (r, b) for r, b in con.execute("select run_id, batch from ops.staged_package").fetchall()
    }


def add_counts(a: LoadCounts, b: LoadCounts) -> LoadCounts:
    return LoadCounts(
        **{name: getattr(a, name) + getattr(b, name) for name in LoadCounts.__slots__}
    )


def _as_dict(counts: LoadCounts) -> dict[str, int]:
    return {name: getattr(counts, name) for name in LoadCounts.__slots__}


def _stage(con: duckdb.DuckDBPyConnection, packages: list[Package], run_id: str) -> None:
    """stg_<table>: every package's rows of each table, with the package's load order (seq);
    rows carry the loading run's id and the source version in force."""
    order = pl.DataFrame(
        {"dir": [str(p.folder) for p in packages], "seq": list(range(len(packages)))},
        schema={"dir": pl.String, "seq": pl.Int32},
    )
    con.register("package_order", order.to_arrow())
    try:
        run(con, "create or replace temp table pkg_order as select * from package_order")
    finally:
        con.unregister("package_order")
    for table in STAGED:
        paths = files(packages, table)
        run(
            con,
            f"""
            create or replace temp table stg_{table} as
            select s.* exclude (filename), o.seq
            from read_parquet(?, filename = true) s
            join pkg_order o on o.dir = parse_dirpath(s.filename)
            """,
            [paths],
        )
        columns = {
            c
            for (c,) in con.execute(f"select name from pragma_table_info('stg_{table}')").fetchall()
        }
        if "run_id" in columns:  # the run that did the work keeps it (a resumed run's rows
            # are the killed run's); ops.staged_package names the run that loaded them
            run(con, f"update stg_{table} set run_id = ? where run_id is null", [run_id])
        if "source_key" in columns:  # built with the source id; the version in force now
            run(
                con,
                f"update stg_{table} s set source_key = m.source_key "
                "from source_map m where s.source_key = m.source_id",
            )


def _load(
    con: duckdb.DuckDBPyConnection, versioning: bool, run_id: str, stamp: datetime, now: datetime
) -> LoadCounts:
    # one row per article: the last package wins, and what hangs off it comes from the same one
    run(
        con,
        """
        create or replace temp table inc_article as
        select * from stg_fact_article
        qualify row_number() over (partition by article_key order by seq desc) = 1
        """,
    )
    _drop_retired_pages(con)
    retired = _retire_articles(con, run_id, stamp)
    _insert_dim_date(con, run_id)
    authors_new = _insert_new(con, "dim_author", "stg_dim_author")
    _insert_new(con, "dim_tag", "stg_dim_tag")
    _merge_entities(con)
    new, changed = _resolve_articles(con, versioning)
    in_stories = resolve_stories(con)  # over `touched`, before any article row is written
    _write_articles(con, versioning, run_id)
    write_stories(con)
    _write_dependents(con, versioning)
    run(
        con,
        """
        create or replace temp table dirty_articles as
        select article_key from inc_article
        union select article_key from retired
        union select article_key from story_members
        """,
    )
    fetch_rows = _insert_new(con, "fact_fetch", "stg_fact_fetch")
    _insert_new(con, "raw.fetch", "stg_raw_fetch")
    run(
        con,
        """
        insert into ops.quarantine (run_id, url, stage, expectation, reason, record, created_at)
        select ?, url, stage, expectation, reason, record, ? from stg_quarantine order by seq
        """,
        [run_id, now],
    )
    return LoadCounts(
        articles_new=new,
        articles_changed=changed,
        authors_new=authors_new,
        fetch_rows=fetch_rows,
        in_stories=in_stories,
        # held by the row gate (extraction failures are recorded beside them, not counted)
        quarantined=int(
            scalar(con, "select count(*) from stg_quarantine where stage = 'validate'")
        ),
        merged=retired.get("merged", 0),
        withdrawn=retired.get("withdrawn", 0),
    )


def _insert_new(con: duckdb.DuckDBPyConnection, table: str, staged: str) -> int:
    """Insert staged rows whose key is not there yet (the first package's copy of a key): an
    anti-join, so it holds for tables whose key no index enforces (warehouse/keys.py)."""
    keys = key_of(table)
    match = " and ".join(f"t.{k} = s.{k}" for k in keys)
    before = int(scalar(con, f"select count(*) from {table}"))
    run(
        con,
        f"""
        insert into {table} by name
        select s.* exclude (seq) from {staged} s
        where not exists (select 1 from {table} t where {match})
        qualify row_number() over (partition by {", ".join(f"s.{k}" for k in keys)}
                                   order by s.seq) = 1
        """,
    )
    return int(scalar(con, f"select count(*) from {table}")) - before


def _version_sources(con: duckdb.DuckDBPyConnection, sources: pl.DataFrame) -> None:
    """source_map(source_id, source_key): the version in force of each source, opening new
    versions where the settings changed. Set-based, a few statements whatever the number of
    sources: one statement per source took 10,000 sources past 15 minutes."""
    run(con, "create or replace temp table source_map (source_id varchar, source_key varchar)")
    con.register("source_ids", sources.select("source_id").to_arrow())
    try:
        current = query_frame(
            con,
            "select d.source_id, d.source_key as current_key, d.version as current_version, "
            "d.settings_hash as current_hash from dim_source d "
            "join source_ids s using (source_id) where d.is_current",
        )
    finally:
        con.unregister("source_ids")
    merged = sources.join(current, on="source_id", how="left")
    keep = merged.get_column("current_key").is_not_null() & (
        merged.get_column("settings_hash").is_null()
        | (merged.get_column("settings_hash") == merged.get_column("current_hash"))
    )
    fresh = merged.filter(~keep).with_columns(
        version=(pl.col("current_version").fill_null(0) + 1).cast(pl.Int32),
        settings_hash=pl.col("settings_hash").fill_null(""),
    )
    fresh = fresh.with_columns(
        source_key=pl.Series(
            [
                source_version_key(sid, version)
                for sid, version in fresh.select("source_id", "version").iter_rows()
            ],
            dtype=pl.String,
        )
    )
    mapping = pl.concat(
        [
            merged.filter(keep).select("source_id", source_key=pl.col("current_key")),
            fresh.select("source_id", "source_key"),
        ]
    )
    retired = fresh.filter(pl.col("current_key").is_not_null()).select("current_key", "valid_from")
    con.register("retired_sources", retired.to_arrow())
    con.register("new_sources", fresh.select(sources.columns).to_arrow())
    con.register("mapped_sources", mapping.to_arrow())
    try:
        run(
            con,
            "update dim_source d set is_current = false, valid_to = r.valid_from "
            "from retired_sources r where d.source_key = r.current_key",
        )
        run(con, "insert or ignore into dim_source by name select * from new_sources")
        run(con, "insert into source_map select source_id, source_key from mapped_sources")
    finally:
        for name in ("retired_sources", "new_sources", "mapped_sources"):
            con.unregister(name)
    # sources a run names but does not configure (ingest): their current version, if any
    run(
        con,
        """
        insert into source_map
        select source_id, source_key from dim_source
        where is_current and source_id not in (select source_id from source_map)
        """,
    )


def _drop_retired_pages(con: duckdb.DuckDBPyConnection) -> None:
    """Pages fetched before their article was merged or withdrawn (a reprocess reads old raw
    pages too) must not bring it back; a page fetched after it does."""
    run(
        con,
        """
        delete from inc_article i using (
            select article_key, max(tombstoned_at) as retired_at from ops.tombstone group by 1
        ) t
        where i.article_key = t.article_key and i.fetched_at <= t.retired_at
        """,
    )


def _retire_articles(
    con: duckdb.DuckDBPyConnection, run_id: str, stamp: datetime
) -> dict[str, int]:
    """Take out of the marts the articles this run shows are gone, with a tombstone each:
    merged (a newer page at the same URL is keyed as another article, e.g. it now declares a
    canonical URL) or withdrawn (refetching its URL answered 404 or 410). Their raw pages and
    fetch history stay. Fills `retired`; returns how many per reason."""
    run(
        con,
        """
        create or replace temp table retired as
        select distinct on (f.article_key) f.article_key, f.url, f.title, 'merged' as reason,
               i.article_key as merged_into, 'same URL ' || i.url as detail
        from fact_article f
        join inc_article i on i.url = f.url and i.article_key <> f.article_key
        where f.is_current and i.fetched_at > f.fetched_at
        union all
        select f.article_key, f.url, f.title, 'withdrawn', null, 'HTTP ' || max(g.status)
        from fact_article f
        join stg_fact_fetch g on g.url = f.url and g.purpose = 'article' and g.status in (404, 410)
        where f.is_current and g.fetched_at > f.fetched_at
          and f.url not in (select url from inc_article)
        group by all
        """,
    )
    for table in ("fact_article", "fact_article_edit", "story_simhash_band", *DEPENDENTS):
        run(con, f"delete from {table} where article_key in (select article_key from retired)")
    run(
        con,
        "insert into ops.tombstone by name select *, ? as run_id, ? as tombstoned_at from retired",
        [run_id, stamp],
    )
    return dict(con.execute("select reason, count(*) from retired group by 1").fetchall())


def _insert_dim_date(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Every day from the earliest to the latest publication day staged: no gaps for BI."""
    run(
        con,
        """
        insert or ignore into dim_date by name
        select (year(d) * 10000 + month(d) * 100 + day(d))::integer as date_key,
               d::date as date, year(d)::smallint as year, quarter(d)::tinyint as quarter,
               month(d)::tinyint as month, strftime(d, '%B') as month_name,
               weekofyear(d)::tinyint as week, isodow(d)::tinyint as day_of_week,
               dayname(d) as day_name, isodow(d) >= 6 as is_weekend, ? as run_id
        from (
            select unnest(generate_series(min(day), max(day), interval 1 day)) as d
            from (
                select strptime(published_date_key::varchar, '%Y%m%d') as day
                from stg_fact_article where published_date_key is not null
            )
        )
        where d is not null
        """,
        [run_id],
    )


def _merge_entities(con: duckdb.DuckDBPyConnection) -> None:
    """New entities go in; known ones gain the surface forms this run saw for them.

    The (entity, alias) pairs are made distinct first, a grouping DuckDB can spill, and only
    then gathered into a list per entity. A list of every package's alias list, flattened
    afterwards, grew with the packages that name an entity and cannot spill: a night of
    50,400 pages ran out of 256 MB there (bench/README.md, 2026-12-04)."""
    run(
        con,
        """
        create or replace temp table inc_entity as
        with pairs as (
            select entity_key, alias
            from (select entity_key, unnest(aliases) as alias from stg_dim_entity)
            where alias is not null
            group by entity_key, alias
        ), merged as (
            select entity_key, list_sort(list(alias)) as aliases from pairs group by entity_key
        )
        select s.* replace (coalesce(m.aliases, []::varchar[]) as aliases)
        from stg_dim_entity s left join merged m on m.entity_key = s.entity_key
        """,
    )
    _insert_new(con, "dim_entity", "inc_entity")
    run(
        con,
        """
        update dim_entity d
        set aliases = list_sort(list_distinct(list_concat(d.aliases, i.aliases)))
        from inc_entity i
        where d.entity_key = i.entity_key and not list_has_all(d.aliases, i.aliases)
        """,
    )


def _resolve_articles(con: duckdb.DuckDBPyConnection, versioning: bool) -> tuple[int, int]:
    """`touched`: the incoming articles that are new or whose content changed, with the
    version they get and what the current version was. Nothing is written yet."""
    run(
        con,
        """
        create or replace temp table touched as
        select i.article_key, f.article_key is null as is_new,
               coalesce(f.version, 0) as old_version, f.story_key as old_story_key
        from inc_article i
        left join fact_article f on f.article_key = i.article_key and f.is_current
        where f.article_key is null or f.content_hash <> i.content_hash
        """,
    )
    new = int(scalar(con, "select count(*) from touched where is_new"))
    return new, int(scalar(con, "select count(*) from touched")) - new


# an update or correction paragraph, as editors flag them
NOTICE_PATTERN = (
    r"^\s*(update[sd]?|correction|clarification|editor'?s note|this (article|story) "
    r"(was|has been) (updated|amended|corrected))\b"
)
# one row per changed article: what changed, in terms an editor would use; characters added
# and removed count the lines one version has and the other lacks
EDITS_SQL = """
    insert into fact_article_edit by name
    with pairs as (
        select i.article_key, f.version as from_version, i.fetched_at as edited_at,
               f.title as old_title, i.title as new_title,
               f.published_at as old_published_at, i.published_at as new_published_at,
               coalesce(f.text, '') as old_text, coalesce(i.text, '') as new_text,
               string_split(coalesce(f.text, ''), chr(10)) as old_lines,
               string_split(coalesce(i.text, ''), chr(10)) as new_lines
        from inc_article i
        join touched t on t.article_key = i.article_key and not t.is_new
        join fact_article f on f.article_key = i.article_key and f.is_current
    )
    select article_key, from_version, from_version + 1 as to_version, edited_at,
           coalesce(old_title, '') <> coalesce(new_title, '') as headline_changed,
           old_text <> new_text as body_changed,
           old_published_at is distinct from new_published_at as date_changed,
           old_title, new_title,
           coalesce(list_sum(list_transform(
               list_filter(new_lines, lambda l: not list_contains(old_lines, l)),
               lambda l: length(l))), 0) as chars_added,
           coalesce(list_sum(list_transform(
               list_filter(old_lines, lambda l: not list_contains(new_lines, l)),
               lambda l: length(l))), 0) as chars_removed,
           trim(list_filter(new_lines, lambda l: regexp_matches(l, $1, 'i')
               and not list_contains(list_transform(old_lines, lambda x: trim(x)), trim(l)))[1])
               as correction_notice,
           $2 as run_id
    from pairs
"""


def _write_articles(con: duckdb.DuckDBPyConnection, versioning: bool, run_id: str) -> None:
    """Write each resolved article row once. Versioning: a changed article's current row is
    closed and its edit described; reprocess: every incoming article replaces its current
    version where it stands (same version, same story unless its text moved it)."""
    if versioning:
        run(con, EDITS_SQL, [NOTICE_PATTERN, run_id])
        run(
            con,
            """
            update fact_article f set is_current = false, valid_to = i.fetched_at
            from inc_article i join touched t using (article_key)
            where f.article_key = i.article_key and f.is_current and not t.is_new
            """,
        )
        run(
            con,
            """
            insert into fact_article by name
            select i.* exclude (seq) replace (
                       t.old_version + 1 as version, i.fetched_at as valid_from,
                       null::timestamptz as valid_to, true as is_current,
                       s.story_key as story_key, s.is_first_in_story as is_first_in_story)
            from inc_article i
            join touched t using (article_key)
            left join story_of s using (article_key)
            """,
        )
        return
    run(
        con,
        """
        create or replace temp table replacing as
        select i.* exclude (seq) replace (
                   coalesce(f.version, 1) as version,
                   coalesce(f.valid_from, i.fetched_at) as valid_from,
                   null::timestamptz as valid_to, true as is_current,
                   coalesce(s.story_key, f.story_key) as story_key,
                   coalesce(s.is_first_in_story, f.is_first_in_story) as is_first_in_story,
                   -- what robots.txt said is known at fetch time only: re-extraction from the
                   -- archive keeps the fetch's answer
                   coalesce(i.robots_decision, f.robots_decision) as robots_decision)
        from inc_article i
        left join fact_article f on f.article_key = i.article_key and f.is_current
        left join story_of s on s.article_key = i.article_key
        """,
    )
    run(
        con,
        "delete from fact_article f using replacing r "
        "where f.article_key = r.article_key and f.is_current",
    )
    run(con, "insert into fact_article by name select * from replacing")


def _write_dependents(con: duckdb.DuckDBPyConnection, versioning: bool) -> None:
    """What hangs off an article is replaced with the article: from the same package as the
    article row. Reprocessing re-derives it for every article read, changed or not, so a
    better recogniser reaches articles whose text is the same."""
    scope = "touched" if versioning else "inc_article"
    for dependent in DEPENDENTS:
        key = ", ".join(f"d.{k}" for k in key_of(dependent))
        run(
            con,
            f"delete from {dependent} where article_key in (select article_key from {scope})",
        )
        run(
            con,
            f"""
            insert into {dependent} by name
            select d.* exclude (seq) from stg_{dependent} d
            join inc_article i on i.article_key = d.article_key and i.seq = d.seq
            where d.article_key in (select article_key from {scope})
            qualify row_number() over (partition by {key}) = 1
            """,
        )


def package_dirs(packages: list[Package]) -> list[Path]:
    return [p.folder for p in packages]
