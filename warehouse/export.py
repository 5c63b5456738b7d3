"""BI exports: every mart table as Parquet (or CSV), written beside the live copy then swapped."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from warehouse.db import run

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


def export_marts(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str = "parquet") -> Path:
    """Write one file per mart table into `out_dir`; readers never see a half-written set."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    options = "(format parquet)" if fmt == "parquet" else "(format csv, header true)"
    for table in MART_TABLES:
        target = str(staging / f"{table}.{fmt}").replace("'", "''")  # COPY takes no parameters
        run(con, f"copy (select * from {table}) to '{target}' {options}")
    previous = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(previous)
    staging.rename(out_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return out_dir
