"""Story clusters from a persistent SimHash index kept in the warehouse.

Texts whose 64-bit SimHashes differ in at most MAX_DISTANCE bits share at least one of four
16-bit bands (pigeonhole), so candidates come from equality joins on (band, value), never from
comparing every pair; the index lives in `story_simhash_band` and grows with each run.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.keys import stable_key
from warehouse.db import query_frame, run

MAX_DISTANCE = 3
BANDS = 4


def _bands(frame: pl.DataFrame) -> pl.DataFrame:
    """article_key, simhash (u64), published_at -> one row per band."""
    return pl.concat(
        [
            frame.with_columns(
                band=pl.lit(b, pl.Int8),
                band_value=((pl.col("simhash") // (1 << (16 * b))) % (1 << 16)).cast(pl.UInt16),
            )
            for b in range(BANDS)
        ]
    )


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def assign_stories(con: duckdb.DuckDBPyConnection, keys: list[str]) -> int:
    """Give the current versions of `keys` a story_key; returns how many joined a story.

    Runs inside the caller's transaction. An article joins the story of its nearest earlier
    match (stored or in this batch); a new story is keyed by its first article, so the same
    inputs always give the same story keys.
    """
    if not keys:
        return 0
    articles = query_frame(
        con,
        """
        select article_key, simhash, published_at from fact_article
        where is_current and simhash is not null and article_key in (select unnest(?))
        """,
        [keys],
    )
    if articles.is_empty():
        return 0
    articles = articles.with_columns(
        simhash=pl.col("simhash").map_elements(lambda h: int(h, 16), return_dtype=pl.UInt64)
    )
    run(con, "delete from story_simhash_band where article_key in (select unnest(?))", [keys])
    bands = _bands(articles)
    con.register("incoming_bands", bands.to_arrow())
    try:
        stored = query_frame(
            con,
            f"""
            select distinct i.article_key, s.article_key as other, s.story_key, s.published_at
            from incoming_bands i
            join story_simhash_band s using (band, band_value)
            where s.article_key <> i.article_key
              and bit_count(xor(i.simhash, s.simhash)) <= {MAX_DISTANCE}
            """,
        )
        within = query_frame(
            con,
            f"""
            select distinct a.article_key, b.article_key as other
            from incoming_bands a join incoming_bands b using (band, band_value)
            where a.article_key < b.article_key
              and bit_count(xor(a.simhash, b.simhash)) <= {MAX_DISTANCE}
            """,
        )
    finally:
        con.unregister("incoming_bands")

    union = _Union()
    published = {r["article_key"]: r["published_at"] for r in articles.iter_rows(named=True)}
    for key in published:
        union.find(key)
    for row in within.iter_rows(named=True):
        union.join(row["article_key"], row["other"])
    existing: dict[str, tuple] = {}  # component -> (published_at, story_key) of earliest match
    for row in stored.iter_rows(named=True):
        root = union.find(row["article_key"])
        candidate = (row["published_at"] is None, row["published_at"], row["story_key"])
        if root not in existing or candidate < existing[root]:
            existing[root] = candidate
    members: dict[str, list[str]] = {}
    for key in published:
        members.setdefault(union.find(key), []).append(key)
    story_of: dict[str, str] = {}
    for root, group in members.items():
        if root in existing:
            story = existing[root][2]
        else:
            first = min(group, key=lambda k: (published[k] is None, published[k], k))
            story = stable_key("story", first)
        for key in group:
            story_of[key] = story

    assigned = articles.with_columns(
        story_key=pl.col("article_key").replace_strict(story_of, return_dtype=pl.String)
    )
    new_bands = _bands(assigned)
    con.register("new_bands", new_bands.to_arrow())
    con.register("assigned", assigned.select("article_key", "story_key").to_arrow())
    try:
        run(
            con,
            """
            insert into story_simhash_band
            select band, band_value, article_key, simhash, story_key, published_at
            from new_bands
            """,
        )
        run(
            con,
            """
            update fact_article f set story_key = a.story_key
            from assigned a where f.article_key = a.article_key and f.is_current
            """,
        )
        run(
            con,
            """
            with firsts as (
                select story_key, arg_min(article_key, (published_at, article_key)) as first_key
                from fact_article
                where is_current and story_key in (select story_key from assigned)
                group by story_key
            )
            update fact_article f set is_first_in_story = (f.article_key = firsts.first_key)
            from firsts where f.story_key = firsts.story_key and f.is_current
            """,
        )
    finally:
        con.unregister("new_bands")
        con.unregister("assigned")
    return sum(1 for root in members if root in existing or len(members[root]) > 1)
