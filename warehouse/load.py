"""Load one run's frames into the star schema in a single transaction.

Sources and articles are versioned (SCD type 2); dimensions and bridges are keyed, so loading
the same frames twice changes nothing. fact_fetch, raw.fetch and ops rows are per run by nature.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from transforms.edits import describe_edit
from transforms.model import StarTables, source_version_key
from warehouse.db import query_frame, run, scalar
from warehouse.faults import checkpoint
from warehouse.stories import assign_stories
from warehouse.sync import change_stamp, record_changes

DEPENDENTS = (
    "bridge_article_author",
    "bridge_article_tag",
    "fact_image_credit",
    "fact_entity_mention",
    "fact_quote",
    "fact_count",
)


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


@dataclass(slots=True)
class Quarantine:
    """Rows held back from the marts, loaded in the same transaction as the rest."""

    stage: str
    items: list[tuple[str, str | None, str, dict[str, Any] | None]] = field(default_factory=list)


def _insert_new(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert rows whose primary key is not there yet; returns how many were inserted."""
    if frame.is_empty():
        return 0
    con.register("incoming", frame.to_arrow())
    try:
        before = int(scalar(con, f"select count(*) from {table}"))
        run(con, f"insert or ignore into {table} by name select * from incoming")
        return int(scalar(con, f"select count(*) from {table}")) - before
    finally:
        con.unregister("incoming")


def load_star(
    con: duckdb.DuckDBPyConnection,
    tables: StarTables,
    versioning: bool = True,
    quarantine: Iterable[Quarantine] = (),
    run_id: str | None = None,
    now: datetime | None = None,
) -> LoadCounts:
    """All of a run's rows, or none of them: one transaction.

    versioning=False (reprocess) rewrites the current version in place: a better extractor is
    not an edit by the publisher.
    """
    run(con, "begin transaction")
    try:
        stamp = change_stamp(con)
        counts, dirty = _load(con, tables, versioning, run_id or "", stamp)
        held = 0
        for batch in quarantine:
            held += _quarantine(con, run_id or "", batch, now)
        if held:
            counts = dataclasses.replace(counts, quarantined=held)
        # what changed goes on record in the same transaction: deliveries never miss a row
        record_changes(con, run_id, stamp, dirty)
        checkpoint("load")  # crash drill: everything written, nothing committed
        run(con, "commit")
    except BaseException:
        run(con, "rollback")
        raise
    return counts


def _quarantine(
    con: duckdb.DuckDBPyConnection, run_id: str, batch: Quarantine, now: datetime | None
) -> int:
    rows = [
        [run_id, url, batch.stage, expectation, reason, json.dumps(record, default=str), now]
        for url, expectation, reason, record in batch.items
    ]
    if rows:
        con.executemany(
            "insert into ops.quarantine "
            "(run_id, url, stage, expectation, reason, record, created_at) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def _version_sources(con: duckdb.DuckDBPyConnection, sources: pl.DataFrame) -> dict[str, str]:
    """source_id -> the source_key of its version in force, opening new versions as needed."""
    mapping: dict[str, str] = {}
    for row in sources.iter_rows(named=True):
        current = con.execute(
            "select source_key, version, settings_hash from dim_source "
            "where source_id = ? and is_current",
            [row["source_id"]],
        ).fetchall()
        if current and (row["settings_hash"] is None or current[0][2] == row["settings_hash"]):
            mapping[row["source_id"]] = current[0][0]
            continue
        version = current[0][1] + 1 if current else 1
        if current:
            run(
                con,
                "update dim_source set is_current = false, valid_to = ? where source_key = ?",
                [row["valid_from"], current[0][0]],
            )
        key = source_version_key(row["source_id"], version)
        values = {
            **row,
            "source_key": key,
            "version": version,
            "settings_hash": row["settings_hash"] or "",
        }
        frame = pl.DataFrame([values], schema=sources.schema)
        _insert_new(con, "dim_source", frame)
        mapping[row["source_id"]] = key
    return mapping


def _load(
    con: duckdb.DuckDBPyConnection,
    tables: StarTables,
    versioning: bool,
    run_id: str,
    stamp: datetime,
) -> tuple[LoadCounts, list[str]]:
    """The counts, and the articles whose rows may have changed (for change tracking)."""
    before_versions = int(scalar(con, "select count(*) from dim_source"))
    sources = _version_sources(con, tables.dim_source)
    # facts were built with the source id; they point at the version in force now
    known = set(sources)
    articles = _not_retired(
        con, tables.fact_article.with_columns(source_key=pl.col("source_key").replace(sources))
    )
    retired = _retire_articles(con, articles, tables.fact_fetch, run_id, stamp)
    fetches = tables.fact_fetch.with_columns(
        source_key=pl.when(pl.col("source_key").is_in(known))
        .then(pl.col("source_key").replace(sources))
        .otherwise(pl.col("source_key"))
    )
    _insert_new(con, "dim_date", tables.dim_date)
    authors_new = _insert_new(con, "dim_author", tables.dim_author)
    _insert_new(con, "dim_tag", tables.dim_tag)
    _merge_entities(con, tables.dim_entity)

    new_keys, changed_keys = _merge_articles(con, articles, versioning)
    touched = new_keys + changed_keys
    # reprocessing re-derives what hangs off every article it read, changed or not, so a
    # better recogniser reaches articles whose text is the same
    refreshed = touched if versioning else articles.get_column("article_key").to_list()
    if refreshed:
        for dependent in DEPENDENTS:
            run(
                con,
                f"delete from {dependent} where article_key in (select unnest(?))",
                [refreshed],
            )
            frame = getattr(tables, dependent).filter(pl.col("article_key").is_in(refreshed))
            if "source_key" in frame.columns:
                frame = frame.with_columns(source_key=pl.col("source_key").replace(sources))
            _insert_new(con, dependent, frame)
    in_stories = assign_stories(con, touched)
    # joining a story can change its other members (story_key, is_first_in_story)
    dirty = query_frame(
        con,
        "select distinct article_key from fact_article where story_key in "
        "(select story_key from fact_article where article_key in (select unnest(?)))",
        [touched],
    ).get_column("article_key")
    dirty_keys = sorted(
        set(articles.get_column("article_key")) | set(retired) | set(dirty.to_list())
    )
    fetch_rows = _insert_new(con, "fact_fetch", fetches)
    _insert_new(con, "raw.fetch", tables.raw_fetch)
    counts = LoadCounts(
        articles_new=len(new_keys),
        articles_changed=len(changed_keys),
        authors_new=authors_new,
        fetch_rows=fetch_rows,
        sources_versioned=int(scalar(con, "select count(*) from dim_source")) - before_versions,
        in_stories=in_stories,
        merged=sum(reason == "merged" for reason in retired.values()),
        withdrawn=sum(reason == "withdrawn" for reason in retired.values()),
    )
    return counts, dirty_keys


def _not_retired(con: duckdb.DuckDBPyConnection, articles: pl.DataFrame) -> pl.DataFrame:
    """Drop pages fetched before their article was merged or withdrawn (a reprocess reads old
    raw pages too): they must not bring it back. A page fetched after it does."""
    if articles.is_empty():
        return articles
    retired = query_frame(
        con,
        "select article_key, max(tombstoned_at) as retired_at from ops.tombstone "
        "where article_key in (select unnest(?)) group by article_key",
        [articles.get_column("article_key").to_list()],
    )
    if retired.is_empty():
        return articles
    return (
        articles.join(retired, on="article_key", how="left")
        .filter(pl.col("retired_at").is_null() | (pl.col("fetched_at") > pl.col("retired_at")))
        .drop("retired_at")
    )


def _retire_articles(
    con: duckdb.DuckDBPyConnection,
    articles: pl.DataFrame,
    fetches: pl.DataFrame,
    run_id: str,
    stamp: datetime,
) -> dict[str, str]:
    """Take out of the marts the articles this run shows are gone, with a tombstone each:
    merged (a newer page at the same URL is keyed as another article, e.g. it now declares a
    canonical URL) or withdrawn (refetching its URL answered 404 or 410). Their raw pages and
    fetch history stay. Returns {article_key: reason} of those taken out."""
    gone = fetches.filter(
        (pl.col("purpose") == "article") & pl.col("status").is_in([404, 410])
    ).select("url", "status", "fetched_at")
    if articles.is_empty() and gone.is_empty():
        return {}
    con.register("incoming_pages", articles.select("article_key", "url", "fetched_at").to_arrow())
    con.register("gone_pages", gone.to_arrow())
    try:
        retired = query_frame(
            con,
            """
            select distinct on (f.article_key) f.article_key, f.url, f.title, 'merged' as reason,
                   i.article_key as merged_into, 'same URL ' || i.url as detail
            from fact_article f
            join incoming_pages i on i.url = f.url and i.article_key <> f.article_key
            where f.is_current and i.fetched_at > f.fetched_at
            union all
            select f.article_key, f.url, f.title, 'withdrawn', null, 'HTTP ' || max(g.status)
            from fact_article f join gone_pages g on g.url = f.url
            where f.is_current and g.fetched_at > f.fetched_at
              and f.url not in (select url from incoming_pages)
            group by all
            """,
        )
    finally:
        con.unregister("incoming_pages")
        con.unregister("gone_pages")
    if retired.is_empty():
        return {}
    keys = retired.get_column("article_key").to_list()
    for table in ("fact_article", "fact_article_edit", "story_simhash_band", *DEPENDENTS):
        run(con, f"delete from {table} where article_key in (select unnest(?))", [keys])
    con.register(
        "retired",
        retired.with_columns(run_id=pl.lit(run_id), tombstoned_at=pl.lit(stamp)).to_arrow(),
    )
    try:
        run(con, "insert into ops.tombstone by name select * from retired")
    finally:
        con.unregister("retired")
    return dict(retired.select("article_key", "reason").iter_rows())


def _replace_in_place(
    con: duckdb.DuckDBPyConnection, articles: pl.DataFrame
) -> tuple[list[str], list[str]]:
    """Reprocess: every article read is rewritten where it stands (same version, same story),
    so a better extractor's title or date lands even when the text is unchanged. Set-based:
    a reprocess touches every article. Returns new keys and those whose content changed."""
    con.register("incoming_articles", articles.to_arrow())
    try:
        status = query_frame(
            con,
            """
            select i.article_key, f.article_key is null as is_new,
                   coalesce(f.content_hash <> i.content_hash, false) as text_changed
            from incoming_articles i
            left join fact_article f on f.article_key = i.article_key and f.is_current
            """,
        )
        run(
            con,
            """
            create or replace temp table replacing as
            select i.* replace (
                       f.version as version, f.valid_from as valid_from,
                       f.story_key as story_key, f.is_first_in_story as is_first_in_story)
            from incoming_articles i
            join fact_article f on f.article_key = i.article_key and f.is_current
            """,
        )
        run(
            con,
            "delete from fact_article f using replacing r "
            "where f.article_key = r.article_key and f.version = r.version",
        )
        run(con, "insert into fact_article by name select * from replacing")
        run(
            con,
            "insert into fact_article by name select * from incoming_articles "
            "where article_key not in (select article_key from replacing)",
        )
        run(con, "drop table replacing")
    finally:
        con.unregister("incoming_articles")
    new_keys = status.filter(pl.col("is_new")).get_column("article_key").to_list()
    changed = status.filter(~pl.col("is_new") & pl.col("text_changed"))
    return new_keys, changed.get_column("article_key").to_list()


def _merge_entities(con: duckdb.DuckDBPyConnection, entities: pl.DataFrame) -> int:
    """New entities go in; known ones gain the surface forms this run saw for them."""
    if entities.is_empty():
        return 0
    added = _insert_new(con, "dim_entity", entities)
    con.register("incoming_entities", entities.select("entity_key", "aliases").to_arrow())
    try:
        run(
            con,
            """
            update dim_entity d
            set aliases = list_sort(list_distinct(list_concat(d.aliases, i.aliases)))
            from incoming_entities i
            where d.entity_key = i.entity_key and not list_has_all(d.aliases, i.aliases)
            """,
        )
    finally:
        con.unregister("incoming_entities")
    return added


def _merge_articles(
    con: duckdb.DuckDBPyConnection, articles: pl.DataFrame, versioning: bool
) -> tuple[list[str], list[str]]:
    """SCD type 2 on fact_article: new keys get version 1, changed ones version n + 1.

    New articles go in with one set-based insert; only changed ones (few) are handled row by
    row, because each needs its edit described.
    """
    if articles.is_empty():
        return [], []
    if not versioning:
        return _replace_in_place(con, articles)
    con.register("incoming_articles", articles.to_arrow())
    try:
        status = query_frame(
            con,
            """
            select i.article_key, f.article_key is null as is_new
            from incoming_articles i
            left join fact_article f on f.article_key = i.article_key and f.is_current
            where f.article_key is null or f.content_hash <> i.content_hash
            """,
        )
        new_keys = status.filter(pl.col("is_new")).get_column("article_key").to_list()
        changed_keys = status.filter(~pl.col("is_new")).get_column("article_key").to_list()
        if new_keys:
            run(
                con,
                "insert into fact_article by name select * from incoming_articles "
                "where article_key in (select unnest(?))",
                [new_keys],
            )
        current = query_frame(
            con,
            """
            select article_key, version, valid_from, story_key, is_first_in_story, title, text,
                   published_at
            from fact_article where is_current and article_key in (select unnest(?))
            """,
            [changed_keys],
        )
    finally:
        con.unregister("incoming_articles")
    old = {r["article_key"]: r for r in current.iter_rows(named=True)}
    rows = []
    edits = []
    for after in articles.filter(pl.col("article_key").is_in(changed_keys)).iter_rows(named=True):
        key = after["article_key"]
        before = old[key]
        if versioning:
            after["version"] = before["version"] + 1
            after["valid_from"] = after["fetched_at"]
            edits.append(
                {
                    "article_key": key,
                    "from_version": before["version"],
                    "to_version": after["version"],
                    "edited_at": after["fetched_at"],
                    **describe_edit(before, after),
                    "run_id": after["run_id"],
                }
            )
            run(
                con,
                "update fact_article set is_current = false, valid_to = ? "
                "where article_key = ? and is_current",
                [after["fetched_at"], key],
            )
        else:  # same version, better extraction: replace it where it stands
            after["version"] = before["version"]
            after["valid_from"] = before["valid_from"]
            run(
                con,
                "delete from fact_article where article_key = ? and version = ?",
                [key, before["version"]],
            )
        after["story_key"] = before["story_key"]
        after["is_first_in_story"] = before["is_first_in_story"]
        rows.append(after)
    if rows:
        _insert_new(con, "fact_article", pl.DataFrame(rows, schema=articles.schema))
    if edits:
        _insert_new(con, "fact_article_edit", pl.DataFrame(edits, infer_schema_length=None))
    return new_keys, changed_keys
