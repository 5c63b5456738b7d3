"""The BI snapshot (warehouse/export.py `publish_snapshot`): a byte copy of a checkpointed
warehouse, and a copy through DuckDB when a writer died and left its log."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from warehouse.db import READABLE_STORAGE, connect, db_path, storage_number
from warehouse.export import publish_snapshot


def _runs(path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from ops.etl_run").fetchone()[0]
    finally:
        con.close()


def _start_run(home, run_id: str) -> None:
    con = connect(home)
    con.execute(
        "insert into ops.etl_run (run_id, command, started_at, status) "
        "values (?, 'run', now(), 'running')",
        [run_id],
    )
    con.close()


def test_a_checkpointed_warehouse_is_copied_whole(tmp_path):
    home = tmp_path / "home"
    _start_run(home, "r1")
    assert not (home / "gazette.duckdb.wal").exists()
    snapshot = publish_snapshot(home, "r1")
    assert _runs(snapshot) == 1


def test_a_log_left_by_a_dead_writer_is_in_the_snapshot(tmp_path):
    """A byte copy would miss the rows still in the write-ahead log; they must be there."""
    home = tmp_path / "home"
    _start_run(home, "r1")
    script = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        'con.execute("insert into ops.etl_run (run_id, command, started_at, status) "\n'
        "            \"values ('r2', 'run', now(), 'running')\")\n"
        "os._exit(0)  # no checkpoint on the way out: the row is only in the log\n"
    )
    subprocess.run([sys.executable, "-c", script, str(home / "gazette.duckdb")], check=True)
    assert (home / "gazette.duckdb.wal").exists()
    snapshot = publish_snapshot(home, "r2")
    assert _runs(snapshot) == 2


def test_the_snapshot_opens_in_duckdb_1x_tools_whatever_wrote_the_warehouse(tmp_path):
    """DuckDB 1.x (BI drivers ship it still) refused the snapshot: "version number 69, can
    only read 64-68". New warehouses and every snapshot are written in the 1.1 format; a
    warehouse in 2.0's format (an older gazette's) is copied into it."""
    fresh = tmp_path / "fresh"
    connect(fresh).close()
    assert storage_number(db_path(fresh)) == READABLE_STORAGE
    assert storage_number(publish_snapshot(fresh, "a")) == READABLE_STORAGE

    older = tmp_path / "older"
    older.mkdir()
    duckdb.connect(str(db_path(older))).close()  # DuckDB 2.0's own format
    connect(older).close()
    assert storage_number(db_path(older)) > READABLE_STORAGE
    snapshot = publish_snapshot(older, "b")
    assert storage_number(snapshot) == READABLE_STORAGE
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.execute("select count(*) from fact_article").fetchone() == (0,)
    con.close()
