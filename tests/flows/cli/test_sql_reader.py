"""`gazette sql` only reads, and never holds the nightly run up: nothing it runs writes inside
the home (not the BI snapshot, not the exports' manifest), and a query on the live warehouse
stops when a run needs the file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from warehouse.db import connect
from warehouse.export import export_marts, publish_snapshot
from warehouse.lock import RunLock, run_waiting

GAZETTE = Path(sys.executable).with_name("gazette")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A warehouse with its exports and published snapshot (empty tables, every view)."""
    home = tmp_path / "home"
    con = connect(home)
    export_marts(con, home / "exports" / "parquet")
    con.close()
    publish_snapshot(home, "r1")
    return home


def _sql(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--quiet", "sql", "--home", str(home), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, " ".join(result.output.split())


def test_nothing_run_from_gazette_sql_writes_inside_the_home(home, tmp_path):
    snapshot = home / "exports" / "gazette.duckdb"
    manifest = home / "exports" / "parquet" / "manifest.json"
    before = (snapshot.read_bytes(), manifest.read_bytes())
    for statement in (
        f"attach '{snapshot}' as snap (read_write); delete from snap.fact_article",
        f"copy (select 1 as x) to '{manifest}' (format json)",
        f"export database '{home / 'dump'}'",
        "install httpfs",
        f"pragma profiling_output = '{home / 'profile.json'}'",
        "set enable_external_access = true",
    ):
        for snap in ([], ["--snapshot"]):
            code, output = _sql(home, *snap, statement)
            assert code == 1, (statement, output)
            assert "error:" in output, (statement, output)
    assert (snapshot.read_bytes(), manifest.read_bytes()) == before
    assert not (home / "dump").exists() and not (home / "profile.json").exists()

    # reading a local file for analysis stays allowed, as do temporary tables
    mine = tmp_path / "mine.parquet"
    duckdb.sql(f"copy (select range as n from range(5)) to '{mine}'")
    code, output = _sql(home, "--format", "csv", f"select sum(n) as s from read_parquet('{mine}')")
    assert (code, output) == (0, "s 10")
    query = "select count(*) as n from v_article"
    code, output = _sql(home, "--snapshot", "--format", "csv", query)
    assert (code, output) == (0, "n 0")


def test_a_long_query_on_the_live_warehouse_yields_to_a_run(home):
    """A query still running when a run takes the home's lock is stopped (exit 3, saying
    why and naming --snapshot), so the run opens the file instead of giving up."""
    query = "select count(*) from range(100000000000) a where a % 7 = 3"
    reader = subprocess.Popen(
        [str(GAZETTE), "sql", "--home", str(home), query],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # the reader has the file open and is computing
        assert reader.poll() is None
        assert not run_waiting(home)
        with RunLock(home, "run", wait_s=5):
            assert run_waiting(home)
            con = connect(home, wait_s=60)  # what the run does next: it gets the file
            con.close()
        _, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 3, err
    assert "stopped the query" in err and "--snapshot" in err
    assert os.path.exists(home / "gazette.duckdb")
