"""`gazette validate` judges the marts by the [quality] of sources.toml, as the nightly run does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from flows.config import remember_sources
from tests.builders import load_records, record
from transforms.model import SourceInfo
from warehouse import ops
from warehouse.db import connect

SOURCES_TOML = """
[quality]
freshness_hours = {freshness_hours}

[[sources]]
name = "Herald"
homepage = "http://herald.test/"
"""


def warehouse_a_day_old(home) -> None:
    """One succeeded run whose newest article was published 30 hours ago: fresh by the
    default 48 hours, stale by a 12-hour threshold."""
    ran_at = datetime.now(UTC) - timedelta(hours=29)
    published = ran_at - timedelta(hours=1)
    run_id = f"{ran_at:%Y%m%dT%H%M%SZ}-run"
    con = connect(home)
    try:
        ops.start_run(con, run_id, "run", ran_at)
        records = []
        for i in range(3):
            r = record(f"http://herald.test/{i}.html", title=f"Council approves library budget {i}")
            text = " ".join([r.text] * 12)  # long enough for the marts' text-length check
            r = replace(
                r,
                text=text,
                word_count=len(text.split()),
                published_at=published,
                published_local_date=published.date(),
                fetched_at=ran_at,
            )
            records.append(r)
        load_records(
            con, records, [], [SourceInfo("Herald", "http://herald.test/")], run_id, ran_at
        )
        ops.finish_run(con, run_id, status="succeeded", finished_at=ran_at)
    finally:
        con.close()


def freshness_results(home) -> list[bool]:
    """hours_since_newest's verdicts in ops.dq_result, oldest validation first."""
    con = connect(home, read_only=True)
    try:
        rows = con.execute(
            "select success from ops.dq_result where suite = 'source_health' "
            "and column_name = 'hours_since_newest' order by checked_at"
        ).fetchall()
    finally:
        con.close()
    return [bool(success) for (success,) in rows]


def test_validate_uses_the_freshness_threshold_of_quality(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "data"
    warehouse_a_day_old(home)
    strict = SOURCES_TOML.format(freshness_hours=12)
    runner = CliRunner()

    default = runner.invoke(app, ["validate", "--home", str(home)])  # no ./sources.toml
    assert default.exit_code == 0, default.output
    assert "Data quality: PASS" in default.output

    (tmp_path / "sources.toml").write_text(strict, encoding="utf-8")  # found by default
    implicit = runner.invoke(app, ["validate", "--home", str(home)])
    assert implicit.exit_code == 0, implicit.output  # a stale source warns, it does not fail
    assert "Data quality: WARN" in implicit.output

    (tmp_path / "sources.toml").unlink()
    (tmp_path / "strict.toml").write_text(strict, encoding="utf-8")
    explicit = runner.invoke(
        app, ["validate", "--home", str(home), "--sources", str(tmp_path / "strict.toml")]
    )
    assert explicit.exit_code == 0, explicit.output
    assert "Data quality: WARN" in explicit.output
    assert freshness_results(home) == [True, False, False]
    # one line a check that did not pass, not a table of every check
    warned = [line for line in explicit.output.splitlines() if line.startswith("  warn ")]
    assert warned == [
        "  warn source_health.expect_column_values_to_be_between(hours_since_newest): 1 unexpected"
    ]
    assert len(explicit.output.splitlines()) <= 5, explicit.output


def test_validate_judges_by_the_quality_the_homes_runs_read(tmp_path, monkeypatch):
    """After the demo (its sources file in the home, a frozen archive: no freshness check),
    a bare `validate` said WARN where the demo had said PASS."""
    monkeypatch.chdir(tmp_path)  # no ./sources.toml here
    home = tmp_path / "data"
    warehouse_a_day_old(home)
    strict = tmp_path / "elsewhere" / "strict.toml"
    strict.parent.mkdir()
    strict.write_text(SOURCES_TOML.format(freshness_hours=12), encoding="utf-8")
    remember_sources(home, strict)  # what a run with --sources elsewhere/strict.toml leaves
    said = CliRunner().invoke(app, ["validate", "--home", str(home)])
    assert "Data quality: WARN" in said.output, said.output


@pytest.mark.parametrize(
    "contents, message",
    [
        (None, "no such sources file"),
        ("[quality]\nfreshness_hours = -1\n", "freshness_hours"),
    ],
)
def test_validate_rejects_a_missing_or_bad_sources_file(tmp_path, contents, message):
    sources = tmp_path / "sources.toml"
    if contents is not None:
        sources.write_text(contents, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["validate", "--home", str(tmp_path / "data"), "--sources", str(sources)]
    )
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())  # rich wraps long paths
    assert not (tmp_path / "data").exists()  # judged before the warehouse is touched
