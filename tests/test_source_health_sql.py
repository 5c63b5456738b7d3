"""The cross-run facts behind the source-health suite, computed in DuckDB from real runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from expectations.suites import SOURCE_HEALTH_SQL
from tests.builders import load_records
from tests.test_load import record
from transforms.model import SourceInfo
from warehouse import ops
from warehouse.db import connect

START = datetime(2026, 11, 1, 2, tzinfo=UTC)
SOURCES = [SourceInfo("Herald", "http://herald.test/"), SourceInfo("Ledger", "http://ledger.test/")]


def nightly(con, night: int, herald: int, ledger: int) -> str:
    """One run that loads `herald` and `ledger` new articles."""
    when = START + timedelta(days=night)
    run_id = f"{when:%Y%m%dT%H%M%SZ}-run"
    ops.start_run(con, run_id, "run", when)
    records = []
    for name, count in (("Herald", herald), ("Ledger", ledger)):
        for i in range(count):
            r = record(f"http://{name.lower()}.test/{night}-{i}")
            r.update(
                source_name=name,
                content_hash=f"{name}{night}{i}",
                published_at=when - timedelta(hours=1),
                published_local_date=date(2026, 11, 1) + timedelta(days=night),
            )
            records.append(r)
    load_records(con, records, [], SOURCES, run_id, when)
    ops.finish_run(con, run_id, status="succeeded", finished_at=when)
    return run_id


def health(con, run_id: str, now: datetime) -> dict[str, dict]:
    frame = con.execute(SOURCE_HEALTH_SQL, [run_id, 7, now, 3.0]).df()
    return {row["source_name"]: row for row in frame.to_dict("records")}


def test_a_source_that_drops_to_zero_is_flagged_and_a_steady_one_is_not(tmp_path):
    con = connect(tmp_path)
    for night in range(6):
        nightly(con, night, herald=10 + night % 2, ledger=5)
    last = nightly(con, 6, herald=0, ledger=5)
    now = START + timedelta(days=6, hours=1)
    result = health(con, last, now)
    assert bool(result["Herald"]["volume_ok"]) is False
    assert bool(result["Ledger"]["volume_ok"]) is True
    assert result["Ledger"]["hours_since_newest"] == 2
    assert result["Herald"]["hours_since_newest"] == 26  # nothing new since yesterday's run


def test_too_little_history_is_not_judged(tmp_path):
    con = connect(tmp_path)
    nightly(con, 0, herald=10, ledger=5)
    last = nightly(con, 1, herald=0, ledger=5)
    result = health(con, last, START + timedelta(days=1, hours=1))
    assert bool(result["Herald"]["volume_ok"]) is True  # fewer than 3 trailing runs
