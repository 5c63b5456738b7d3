"""Incremental deliveries: what changed in the marts since a watermark, for consumers that keep
a copy in sync instead of reloading everything.

Change tracking compares each mart row's hash with the one recorded last time (ops.sync_state),
inside the load's transaction, so a change and its record commit together. Comparing rows, not
trusting each writer to stamp them, catches every kind of change: a new version closing the
old one, a story re-keyed, an entity gaining an alias, a mention gone after re-extraction.
A delivery holds, per table, the current rows changed after the watermark and the keys of the
rows deleted after it; applying deliveries in order (apply_delivery) reproduces the marts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from transforms.tables import MART_TABLES
from warehouse.db import path_literal, query_frame, run, scalar
from warehouse.export import (
    beside,
    schema_version,
    swap_in,
    view_definitions,
    warehouse_folder,
    watermark,
    write_csv,
    write_parquet,
)
from warehouse.keys import key_of


def _key_json(columns: list[str], alias: str) -> str:
    """The row key as a JSON object string; same text for the same key, whoever computes it."""
    fields = ", ".join(f"{c} := {alias}.{c}" for c in columns)
    return f"to_json(struct_pack({fields}))::varchar"


def change_stamp(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> datetime:
    """The time to record changes at: now, but always after the last recorded change, so
    watermarks only move forward even if the clock steps back."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    last = watermark(con)
    if last is not None and last >= stamp:
        stamp = last + timedelta(microseconds=1)
    return stamp


# tables a run only appends to, and the column naming the run that wrote a row
APPEND_ONLY = {"fact_fetch": "run_id"}


def record_changes(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    stamp: datetime,
    article_keys: list[str] | str | None = None,
) -> dict[str, int]:
    """Record every mart row inserted, changed or deleted since the last recording; returns
    the rows recorded per table. Cheap to call twice: the second call finds nothing.

    `article_keys` (a load passes the articles it touched) limits tables keyed by article to
    those articles and append-only tables to this run's rows, so a run's cost follows what it
    loaded, not the size of the warehouse; dimensions are always compared whole. None
    compares everything. A string names a table of the touched `article_key`s instead (a
    load keeps them in DuckDB, not in a Python list)."""
    counts = dict.fromkeys(MART_TABLES, 0)
    scoped = article_keys is not None
    dirty = article_keys if isinstance(article_keys, str) else "dirty_articles"
    if not isinstance(article_keys, str):
        con.register(
            "dirty_articles", pa.table({"article_key": pa.array(article_keys or [], pa.string())})
        )
    try:
        touched = int(scalar(con, f"select count(*) from {dirty}") or 0) if scoped else 0
        buckets = max(1, -(-touched // ARTICLES_PER_PASS))
        for table in MART_TABLES:
            by_article = scoped and "article_key" in key_of(table)
            for bucket in range(buckets if by_article else 1):
                mine = (
                    f"(select article_key from {dirty} "
                    f"where hash(article_key) % {buckets} = {bucket})"
                    if by_article
                    else None
                )
                counts[table] += _record_table(con, table, run_id, stamp, scoped, mine)
    finally:
        if not isinstance(article_keys, str):
            con.unregister("dirty_articles")
        run(con, "drop table if exists sync_rows")
    return counts


# a load's change tracking compares the touched articles' rows this many articles at a time:
# what an UPDATE or INSERT adds to a transaction is held in memory, so one pass over a 50,000
# article night ran out of DuckDB's memory below 512 MB (bench/README.md)
ARTICLES_PER_PASS = 10_000


def _record_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str | None,
    stamp: datetime,
    scoped: bool,
    mine: str | None,
) -> int:
    """Record one table's changes; `mine` (a subquery of article keys) limits it to those
    articles' rows, else scoped append-only tables take this run's rows, dimensions all."""
    keys = list(key_of(table))
    by_article = "article_key" in keys
    where, params = "", []
    if mine is not None:
        where = f"where t.article_key in {mine}"
    elif scoped and table in APPEND_ONLY:
        where, params = f"where t.{APPEND_ONLY[table]} = ?", [run_id]
    article = "t.article_key" if by_article else "null"
    # a row keyed by article was recorded under its article: only the touched articles'
    # records are compared, not every record of the table
    theirs = f"and s.article_key in {mine}" if mine is not None else ""
    run(
        con,
        f"create or replace temp table sync_rows as select {_key_json(keys, 't')} "
        f"as row_key, {article} as article_key, hash(t) as row_hash "
        f"from {table} t {where}",
        params,
    )
    # hash joins with this run's rows on the build side: no index to keep in memory
    recorded = int(
        scalar(
            con,
            f"""
            update ops.sync_state s set
                row_hash = n.row_hash, deleted = false, changed_at = ?, run_id = ?
            from sync_rows n
            where s.table_name = ? and s.row_key = n.row_key {theirs}
              and (s.deleted or s.row_hash <> n.row_hash)
            """,
            [stamp, run_id, table],
        )
        or 0
    )
    recorded += int(
        scalar(
            con,
            f"""
            insert into ops.sync_state
                (table_name, row_key, article_key, row_hash, deleted, changed_at, run_id)
            select ?, row_key, article_key, row_hash, false, ?, ? from sync_rows n
            where not exists (
                select 1 from ops.sync_state s
                where s.table_name = ? and s.row_key = n.row_key {theirs})
            """,
            [table, stamp, run_id, table],
        )
        or 0
    )
    if not (scoped and table in APPEND_ONLY):
        recorded += int(
            scalar(
                con,
                f"""
                update ops.sync_state s set deleted = true, changed_at = ?, run_id = ?
                where s.table_name = ? and not s.deleted {theirs}
                  and not exists (select 1 from sync_rows n where n.row_key = s.row_key)
                """,
                [stamp, run_id, table],
            )
            or 0
        )
    return recorded


def export_changes(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    since: datetime | None,
    fmt: str = "parquet",
    protected: tuple[Path, ...] = (),
) -> Path:
    """A delivery: per table, `<table>.<fmt>` (rows inserted or changed after `since`, whole)
    and `<table>.deleted.<fmt>` (keys of rows deleted after it, with the reason), plus
    `tombstones.<fmt>` (the articles merged or withdrawn) and a manifest whose `watermark` is
    the `since` of the next delivery. since=None delivers everything."""
    out_dir, staging = beside(out_dir, fmt, (*protected, *warehouse_folder(con)))
    since = (since or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(UTC)
    after = f"timestamptz '{since.isoformat()}'"  # ours, not user text: safe to inline
    tables = []
    for table in MART_TABLES:
        keys = list(key_of(table))
        types = dict(
            query_frame(con, f"describe {table}").select("column_name", "column_type").rows()
        )
        changed = (
            f"select t.* from {table} t where {_key_json(keys, 't')} in ("
            f"select row_key from ops.sync_state where table_name = '{table}' "
            f"and not deleted and changed_at > {after})"
        )
        typed_keys = ", ".join(
            f"cast(json_extract_string(s.row_key, '$.{c}') as {types[c]}) as {c}" for c in keys
        )
        article = (
            "json_extract_string(s.row_key, '$.article_key')" if "article_key" in keys else "null"
        )
        deleted = f"""
            select {typed_keys}, s.changed_at as deleted_at,
                   coalesce(b.reason, 'superseded') as reason, b.merged_into
            from ops.sync_state s
            left join ops.tombstone b
              on b.article_key = {article} and b.tombstoned_at = s.changed_at
            where s.table_name = '{table}' and s.deleted and s.changed_at > {after}
        """
        entry = {"name": table, "key": keys}
        for part, select, suffix in (("rows", changed, ""), ("deleted", deleted, ".deleted")):
            path = staging / f"{table}{suffix}.{fmt}"
            _write(con, select, path, fmt)
            count = scalar(con, f"select count(*) from ({select})")
            entry[part] = int(count or 0)
            entry[f"{part}_path"] = path.name
        tables.append(entry)
    tombstones = staging / f"tombstones.{fmt}"
    _write(
        con,
        f"select * from ops.tombstone where tombstoned_at > {after} order by tombstoned_at",
        tombstones,
        fmt,
    )
    mark = watermark(con)
    views = view_definitions(con)
    manifest = {
        "kind": "changes",
        "format": fmt,
        "schema_version": schema_version(),
        "since": since.isoformat(),
        "watermark": (mark if mark and mark > since else since).isoformat(),
        "run_id": scalar(con, "select run_id from ops.etl_run order by started_at desc limit 1"),
        "generated_at": datetime.now(UTC).isoformat(),
        "apply": "per table, in order: delete the keys in <table>.deleted, delete the keys "
        "of the rows in <table>, insert the rows in <table>; then (re)create the views",
        "tables": tables,
        "tombstones_path": tombstones.name,
        # views over ops (run and quality history) need the live warehouse, not a copy
        "views": [v for v in views if "ops." not in v["sql"]],
        "views_not_delivered": [v["name"] for v in views if "ops." in v["sql"]],
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    swap_in(staging, out_dir)
    return out_dir


def apply_delivery(con: duckdb.DuckDBPyConnection, delivery: Path) -> dict[str, int]:
    """The reference consumer: apply one Parquet delivery to a copy (any DuckDB database), in
    one transaction. Tables are created from the first delivery that carries them."""
    delivery = Path(delivery)
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("kind") != "changes" or manifest.get("format") != "parquet":
        raise ValueError(f"{delivery} is not a Parquet delivery of gazette export --changes-since")
    applied = {}
    run(con, "begin transaction")
    try:
        for entry in manifest["tables"]:
            table, keys = entry["name"], entry["key"]
            rows = path_literal(delivery / entry["rows_path"])
            gone = path_literal(delivery / entry["deleted_path"])
            run(
                con,
                f"create table if not exists {table} as "
                f"select * from read_parquet('{rows}') limit 0",
            )
            match = " and ".join(f"{table}.{k} = d.{k}" for k in keys)
            for source in (gone, rows):
                run(con, f"delete from {table} using read_parquet('{source}') d where {match}")
            run(con, f"insert into {table} by name select * from read_parquet('{rows}')")
            applied[table] = entry["rows"] + entry["deleted"]
        for view in manifest["views"]:
            run(con, view["sql"].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        run(con, "commit")
    except BaseException:
        run(con, "rollback")
        raise
    return applied


def _write(con: duckdb.DuckDBPyConnection, select: str, path: Path, fmt: str) -> None:
    """The same files as full exports: dictionary strings, UTC timestamps, ISO times in CSV."""
    if fmt == "parquet":
        write_parquet(con, select, path)
    else:
        write_csv(con, select, path)
