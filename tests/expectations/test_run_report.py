"""The run report reads whole: labels never cut, countries by name, a WARN says why, and a
killed run keeps its place among the last runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from transforms.gazetteer import country_name
from warehouse import ops
from warehouse.charts import hbar_chart, stacked_rows
from warehouse.db import connect
from warehouse.report import render_report, report_data

LONG = "Sorrel Valley District Council (organisation)"


def label_texts(svg: str) -> list[str]:
    """Each <text>'s words as a reader sees them (its tspans joined)."""
    return [
        " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", t))
        for t in re.findall(r"<text[^>]*>(?:<tspan.*?</tspan>)+</text>", svg)
    ]


def test_long_labels_wrap_instead_of_being_cut():
    bars = hbar_chart("Top entities", [(LONG, 12), ("Harbour Board (organisation)", 5)])
    assert LONG in label_texts(bars)
    rows = stacked_rows("Fetches", [LONG, "Short"], {"ok": [3, 4], "http_error": [1, 0]})
    assert LONG in label_texts(rows)


def test_countries_are_named_the_same_way_whatever_the_mentions_said():
    assert (country_name("RU"), country_name("ES"), country_name("XK")) == (
        "Russia",
        "Spain",
        "Kosovo",
    )


def test_a_warn_says_why_and_a_killed_run_is_among_the_last_runs(tmp_path):
    con = connect(tmp_path)
    start = datetime(2026, 11, 30, 2, tzinfo=UTC)
    ops.start_run(con, "20261130T020000Z-killed", "run", start)  # killed: never validated
    ops.abandon_stale_runs(con, start + timedelta(hours=1))
    ops.start_run(con, "20261201T020000Z-warned", "run", start + timedelta(days=1))
    ops.record_dq_results(
        con,
        [
            {
                "run_id": "20261201T020000Z-warned",
                "suite": "source_health",
                "expectation": "expect_column_values_to_be_in_set",
                "column_name": "volume_ok",
                "severity": "warning",
                "success": False,
                "observed_value": '[{"source_name": "Quiet Herald", "volume_ok": false}]',
                "element_count": 3,
                "unexpected_count": 1,
                "checked_at": start + timedelta(days=1),
            }
        ],
    )
    ops.finish_run(
        con, "20261201T020000Z-warned", status="succeeded", dq_verdict="warn",
        finished_at=start + timedelta(days=1, minutes=5),
    )  # fmt: skip
    page = render_report(report_data(con, "20261201T020000Z-warned"))
    con.close()
    problems = re.search(r'<section id="problems">(.*?)</section>', page, re.S)
    assert problems and "Why WARN" in problems.group(1)
    assert "source_health: expect_column_values_to_be_in_set (volume_ok)" in problems.group(1)
    assert "Quiet Herald" in problems.group(1)
    quality = re.search(r'data-chart="quality">(<svg.*?</svg>)', page, re.S).group(1)
    assert "20261130T020000 abandoned" in quality
    table = re.search(r'<table class="quality">(.*?)</table>', page, re.S).group(1)
    assert "20261130T020000Z-killed</td><td>abandoned" in table


def test_the_daily_chart_is_a_time_axis_with_whole_dates():
    """Days were categories labelled MM-DD: a day with no article vanished and no year showed."""
    from warehouse.charts import stacked_columns
    from warehouse.report import calendar_days

    days = calendar_days(["2026-12-30", "2027-01-02"])
    assert days == ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]
    svg = stacked_columns("Articles per day", days, {"Herald": [3, 0, 0, 2]})
    assert svg.count("<title>") == 2  # a bar for each day with articles, gaps for the rest
    assert ">2026-12-30</text>" in svg and ">2027-01-02</text>" in svg
