"""The cross-run facts behind the source-health suite, computed in DuckDB from real runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from expectations.suites import SOURCE_HEALTH_SQL
from tests.builders import load_records, record
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
            r = replace(
                r,
                source_name=name,
                content_hash=f"{name}{night}{i}",
                published_at=when - timedelta(hours=1),
                published_local_date=date(2026, 11, 1) + timedelta(days=night),
            )
            records.append(r)
    load_records(con, records, [], SOURCES, run_id, when)
    ops.finish_run(con, run_id, status="succeeded", finished_at=when)
    return run_id


def health(con, now: datetime) -> dict[str, dict]:
    frame = con.execute(SOURCE_HEALTH_SQL, [now, 7, now, 3.0]).df()
    return {row["source_name"]: row for row in frame.to_dict("records")}


def test_a_source_that_drops_to_zero_is_flagged_and_a_steady_one_is_not(tmp_path):
    con = connect(tmp_path)
    for night in range(6):
        nightly(con, night, herald=10 + night % 2, ledger=5)
    nightly(con, 6, herald=0, ledger=5)
    result = health(con, START + timedelta(days=7, hours=1))  # judges night 6's day
    assert bool(result["Herald"]["volume_ok"]) is False
    assert bool(result["Ledger"]["volume_ok"]) is True
    assert result["Ledger"]["hours_since_newest"] == 26
    assert result["Herald"]["hours_since_newest"] == 50  # nothing new since night 5
    assert str(result["Herald"]["judged_day"])[:10] == "2026-11-07"


def test_reruns_that_find_nothing_new_are_not_a_drop(tmp_path):
    """Three more runs on the day of the last night, each loading nothing: per run, the last
    of them had 0 new articles against a mean of 10 and warned; per day nothing changed."""
    con = connect(tmp_path)
    for night in range(7):
        nightly(con, night, herald=10 + night % 2, ledger=5)
    for hour in (4, 8, 12):
        when = START + timedelta(days=6, hours=hour)
        ops.start_run(con, f"{when:%Y%m%dT%H%M%SZ}-rerun", "run", when)
        ops.finish_run(con, f"{when:%Y%m%dT%H%M%SZ}-rerun", status="succeeded", finished_at=when)
    result = health(con, START + timedelta(days=6, hours=13))
    assert bool(result["Herald"]["volume_ok"]) is True
    assert bool(result["Ledger"]["volume_ok"]) is True
    assert result["Herald"]["new_articles"] == 11  # night 5's day, the last complete one


def test_too_little_history_is_not_judged(tmp_path):
    con = connect(tmp_path)
    nightly(con, 0, herald=10, ledger=5)
    nightly(con, 1, herald=0, ledger=5)
    result = health(con, START + timedelta(days=2, hours=1))
    assert bool(result["Herald"]["volume_ok"]) is True  # fewer than 3 days of history
    assert result["Herald"]["new_articles"] == 0
