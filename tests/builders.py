"""Shared test builders: records staged as a real package and loaded by the real loader."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from transforms.model import (
    DQ_RESULT_SCHEMA,
    QUARANTINE_SCHEMA,
    SourceInfo,
    build_dim_source,
)
from transforms.records import FetchResult
from transforms.staging import staging_frame
from transforms.tables import batch_tables
from warehouse.load import LoadCounts, load_packages
from warehouse.packages import Manifest, partial_dir, seal, write_tables


def load_records(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[dict[str, Any]],
    fetches: Sequence[FetchResult],
    sources: Sequence[SourceInfo],
    run_id: str,
    now: datetime,
    versioning: bool = True,
    archived: Sequence[FetchResult] = (),
) -> LoadCounts:
    """One run's records as one package (what a batch leaves on disk), loaded in one go."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = partial_dir(Path(tmp), run_id, "b000000")
        frames = batch_tables(records, fetches, run_id, archived)
        frames["gate"] = staging_frame(list(records))
        frames["quarantine"] = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        frames["dq_result"] = pl.DataFrame(schema=DQ_RESULT_SCHEMA)
        write_tables(folder, frames)
        package = seal(folder, Manifest(run_id, "b000000"))
        dim_source = build_dim_source(sources, run_id, now)
        return load_packages(con, [package], dim_source, run_id, now, versioning)
