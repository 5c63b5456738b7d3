"""The audit trail: runs, data-quality results, quarantined records."""

from __future__ import annotations

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


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Runs still marked running when a new run holds the lock died mid-way (kill -9, power)."""
    stale = con.execute("select count(*) from ops.etl_run where status = 'running'").fetchall()[0][
        0
    ]
    if stale:
        run(
            con,
            "update ops.etl_run set status = 'abandoned', finished_at = ?, "
            "message = 'the process ended without closing the run (killed?)' "
            "where status = 'running'",
            [now],
        )
    return int(stale)
