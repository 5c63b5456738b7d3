"""BI exports: every mart table and view as Parquet (facts partitioned by publication year and
month) or CSV, with a manifest; and a snapshot database BI tools can keep open.

Both are written beside the live copy and swapped in when complete, so a reader never sees a
half-written export and a failed run leaves the previous one in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.db import SQL_DIR, query_frame, run, scalar
from warehouse.faults import checkpoint

MART_TABLES = (
    "dim_source",
    "dim_date",
    "dim_author",
    "fact_article",
    "bridge_article_author",
    "fact_image_credit",
    "fact_fetch",
    "dim_entity",
    "fact_entity_mention",
    "fact_quote",
    "fact_count",
)
# facts with a publication day: one folder per year and month, so BI reads only what it needs
PARTITIONED = ("fact_article", "fact_entity_mention", "fact_quote", "fact_count")
SNAPSHOT_NAME = "gazette.duckdb"


def schema_version() -> str:
    """A digest of the DDL: it changes when a table or view changes shape."""
    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*.sql")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = query_frame(
        con,
        "select view_name from duckdb_views() where not internal and schema_name = 'main' "
        "and view_name like 'v\\_%' escape '\\' order by view_name",
    )
    return rows.get_column("view_name").to_list()


def _swap(staging: Path, out_dir: Path) -> None:
    previous = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(previous)
    staging.rename(out_dir)
    shutil.rmtree(previous, ignore_errors=True)


def export_marts(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    fmt: str = "parquet",
    run_id: str | None = None,
    watermark: datetime | None = None,
) -> Path:
    """Write every mart table and BI view into `out_dir` with a manifest.json; readers never
    see a half-written set. The manifest names the run the export belongs to (by default the
    last finished one) and its watermark: everything that run had written is in."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    entries = []
    names = [*MART_TABLES, *_views(con)]
    for name in names:
        if len(entries) == len(names) // 2:
            checkpoint("export")  # crash drill: half the new set written, nothing swapped
        partitioned = fmt == "parquet" and name in PARTITIONED
        if partitioned:
            target = staging / name
            select = (
                f"select *, published_date_key // 10000 as year, "
                f"(published_date_key // 100) % 100 as month from {name}"
            )
            options = "(format parquet, partition_by (year, month))"
        else:
            target = staging / f"{name}.{fmt}"
            select = f"select * from {name}"
            options = (
                "(format parquet)"
                if fmt == "parquet"
                else "(format csv, header true, timestampformat '%Y-%m-%dT%H:%M:%S.%fZ')"
            )
        path = str(target).replace("'", "''")  # COPY takes no parameters
        run(con, f"copy ({select}) to '{path}' {options}")
        columns = query_frame(con, f"describe {name}")
        entries.append(
            {
                "name": name,
                "kind": "view" if name.startswith("v_") else "table",
                "path": target.name,
                "partitioned_by": ["year", "month"] if partitioned else [],
                "rows": int(scalar(con, f"select count(*) from {name}")),
                "columns": [
                    {"name": c, "type": t}
                    for c, t in zip(
                        columns.get_column("column_name"),
                        columns.get_column("column_type"),
                        strict=True,
                    )
                ],
            }
        )
    last = con.execute(
        "select run_id, finished_at from ops.etl_run where status in "
        "('succeeded', 'failed_quality') and finished_at is not null "
        "order by finished_at desc limit 1"
    ).fetchall()
    if run_id is None and last:
        run_id, watermark = last[0][0], last[0][1]
    manifest = {
        "format": fmt,
        "schema_version": schema_version(),
        "run_id": run_id,
        "watermark": watermark.astimezone(UTC).isoformat() if watermark else None,
        "generated_at": datetime.now(UTC).isoformat(),
        "tables": entries,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    _swap(staging, out_dir)
    return out_dir


def publish_snapshot(home: Path) -> Path:
    """exports/gazette.duckdb: a copy of the whole warehouse (tables, views, ops) that BI tools
    can keep open while tonight's run writes the live file. Replaced atomically: a reader
    holding the old one keeps reading it, and sees the new one when it reopens."""
    home = Path(home)
    target = home / "exports" / SNAPSHOT_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(SNAPSHOT_NAME + ".tmp")
    for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
        leftover.unlink(missing_ok=True)
    source = str(home / "gazette.duckdb").replace("'", "''")
    con = duckdb.connect()
    try:
        run(con, f"attach '{source}' as gazette (read_only)")
        run(con, f"attach '{str(temporary).replace(chr(39), chr(39) * 2)}' as snapshot")
        run(con, "copy from database gazette to snapshot")
        run(con, "detach snapshot")
    finally:
        con.close()
    os.replace(temporary, target)
    return target
