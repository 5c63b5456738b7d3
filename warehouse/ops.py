"""The audit trail: runs, data-quality results, quarantined records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from warehouse.db import run


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, command: str, at: datetime) -> None:
    run(
        con,
        "insert into ops.etl_run (run_id, command, started_at, status) values (?, ?, ?, 'running')",
        [run_id, command, at],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, **fields: Any) -> None:
    """Set the run's closing figures; unknown field names are a programming error."""
    fields.setdefault("finished_at", datetime.now(UTC))
    assignments = ", ".join(f"{name} = ?" for name in fields)
    run(con, f"update ops.etl_run set {assignments} where run_id = ?", [*fields.values(), run_id])


def record_dq_results(con: duckdb.DuckDBPyConnection, results: list[dict[str, Any]]) -> None:
    if not results:
        return
    frame = pl.DataFrame(results, infer_schema_length=None)
    con.register("incoming_dq", frame.to_arrow())
    try:
        run(con, "insert into ops.dq_result by name select * from incoming_dq")
    finally:
        con.unregister("incoming_dq")


def record_quarantine(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stage: str,
    items: Iterable[tuple[str, str | None, str, dict[str, Any] | None]],
    at: datetime,
) -> int:
    """(url, expectation, reason, record) tuples held back from the marts at `stage`."""
    rows = [
        [run_id, url, stage, expectation, reason, json.dumps(record, default=str), at]
        for url, expectation, reason, record in items
    ]
    if rows:
        con.executemany(  # executemany drains its own result
            "insert into ops.quarantine "
            "(run_id, url, stage, expectation, reason, record, created_at) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)
