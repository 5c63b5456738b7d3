"""Every expectation has a case where it fails, with the verdict its severity implies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from expectations.runner import validate_frames
from expectations.suites import (
    INTEGRITY_CHECKS,
    dim_author_suite,
    dim_date_suite,
    dim_source_suite,
    fact_article_suite,
    fact_fetch_suite,
    integrity_suite,
    source_health_suite,
    staging_suite,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("gx")
    return root / "gx", root / "docs"


def run(suite, frame, dirs, build_docs: bool = False):
    """Data Docs only where a test reads them: each build redraws every result so far."""
    return validate_frames([(suite, frame)], *dirs, "t", NOW, build_docs=build_docs)


def failed(report) -> set[tuple[str, str | None, str]]:
    return {
        (r["expectation"], r["column_name"], r["severity"])
        for r in report.results
        if not r["success"]
    }


def articles(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "row_id": [0, 1],
            "article_key": ["a", "b"],
            "version": [1, 1],
            "source_key": ["s", "s"],
            "url": ["http://n.test/a.html", "file:///data/b.txt"],
            "title": ["Fares rise as timetable is cut", "Bridge reopens after repairs"],
            "title_length": [30, 28],
            "text_length": [900, 1200],
            "published_at": pd.to_datetime([NOW - timedelta(days=3), NOW], utc=True),
            "language": ["en", "es"],
            "word_count": [150, 210],
            "words_in_text": [150, 210],
            "encoding_source": ["valid_utf8", None],  # null: a row loaded before it was kept
            "robots_decision": ["allowed", None],  # null: an ingested file
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


def test_an_encoding_source_outside_the_vocabulary_fails(dirs):
    report = run(fact_article_suite(NOW), articles(encoding_source=["guessed", None]), dirs)
    assert ("expect_column_values_to_be_in_set", "encoding_source", "critical") in failed(report)


def test_a_robots_decision_outside_the_vocabulary_fails(dirs):
    report = run(fact_article_suite(NOW), articles(robots_decision=["maybe", None]), dirs)
    assert ("expect_column_values_to_be_in_set", "robots_decision", "critical") in failed(report)


def test_clean_articles_pass_and_docs_are_built(dirs):
    report = run(fact_article_suite(NOW), articles(), dirs, build_docs=True)
    assert report.verdict == "pass", failed(report)
    assert report.docs_index is not None and "fact_article" in report.docs_index.read_text()


ARTICLE_VIOLATIONS = [
    ({"article_key": ["a", "a"]}, "expect_column_values_to_be_unique", "article_key"),
    ({"article_key": ["a", None]}, "expect_column_values_to_not_be_null", "article_key"),
    ({"source_key": [None, "s"]}, "expect_column_values_to_not_be_null", "source_key"),
    ({"url": ["ftp://x", "http://n.test/b"]}, "expect_column_values_to_match_regex", "url"),
    ({"title": [None, "T"]}, "expect_column_values_to_not_be_null", "title"),
    ({"title_length": [0, 20]}, "expect_column_values_to_be_between", "title_length"),
    ({"title_length": [900, 20]}, "expect_column_values_to_be_between", "title_length"),
    ({"text_length": [50, 900]}, "expect_column_values_to_be_between", "text_length"),
    (
        {"published_at": pd.to_datetime([NOW + timedelta(days=3), NOW], utc=True)},
        "expect_column_values_to_be_between",
        "published_at",
    ),
    (
        {"published_at": pd.to_datetime([datetime(1985, 1, 1), NOW], utc=True)},
        "expect_column_values_to_be_between",
        "published_at",
    ),
    ({"language": ["english", "es"]}, "expect_column_values_to_be_in_set", "language"),
    (
        {"word_count": [150, 999]},
        "expect_column_pair_values_to_be_equal",
        "word_count,words_in_text",
    ),
]


@pytest.mark.parametrize(("changes", "expectation", "column"), ARTICLE_VIOLATIONS)
def test_each_critical_article_expectation_can_fail(dirs, changes, expectation, column):
    report = run(fact_article_suite(NOW), articles(**changes), dirs)
    assert (expectation, column, "critical") in failed(report)
    assert report.verdict == "fail"


def test_staging_gate_names_the_failing_rows(dirs):
    frame = articles(title_length=[30, 900], language=["en", "xx"])
    report = run(staging_suite(NOW), frame, dirs)
    assert set(report.failing_rows) == {1}
    names = {name for name, severity, _ in report.failing_rows[1] if severity == "critical"}
    assert names == {
        "expect_column_values_to_be_between(title_length)",
        "expect_column_values_to_be_in_set(language)",
    }


def test_missing_dates_and_odd_title_lengths_are_only_warnings(dirs):
    frame = articles(published_at=pd.to_datetime([None, None], utc=True), title_length=[4, 30])
    report = run(fact_article_suite(NOW), frame, dirs)
    assert report.verdict == "warn"
    assert report.critical_failures == []


def test_dim_source_keys_and_homepage(dirs):
    frame = pd.DataFrame(
        {
            "source_key": ["s", "s"],
            "source_id": ["i", "j"],
            "source_name": ["A", None],
            "homepage": ["http://a.test/", "no url"],
            "is_current": [True, True],
        }
    )
    assert {(e, c) for e, c, _ in failed(run(dim_source_suite(NOW), frame, dirs))} == {
        ("expect_column_values_to_be_unique", "source_key"),
        ("expect_column_values_to_not_be_null", "source_name"),
        ("expect_column_values_to_match_regex", "homepage"),
    }


def test_dim_date_dim_author_and_fact_fetch(dirs):
    dates = pd.DataFrame(
        {
            "date_key": [20261101, 20261101],
            "date": ["2026-11-01", "2026-11-02"],
            "day_of_week": [7, 8],
        }
    )
    assert {(e, c) for e, c, _ in failed(run(dim_date_suite(NOW), dates, dirs))} == {
        ("expect_column_values_to_be_unique", "date_key"),
        ("expect_column_values_to_be_between", "day_of_week"),
    }
    authors = pd.DataFrame(
        {
            "author_key": ["a", None],
            "author_name": ["Ana Ruiz", "X"],
            "author_type": ["person", "robot"],
        }
    )
    assert {(e, c, s) for e, c, s in failed(run(dim_author_suite(NOW), authors, dirs))} == {
        ("expect_column_values_to_not_be_null", "author_key", "critical"),
        ("expect_column_values_to_be_in_set", "author_type", "critical"),
        ("expect_column_value_lengths_to_be_between", "author_name", "warning"),
    }
    fetches = pd.DataFrame(
        {
            "fetch_key": ["f", "f"],
            "url": ["u", "v"],
            "outcome": ["ok", "exploded"],
            "bytes": [10, -1],
            "elapsed_ms": [5, 5],
        }
    )
    assert {(e, c) for e, c, _ in failed(run(fact_fetch_suite(NOW), fetches, dirs))} == {
        ("expect_column_values_to_be_unique", "fetch_key"),
        ("expect_column_values_to_be_in_set", "outcome"),
        ("expect_column_values_to_be_between", "bytes"),
    }


def test_each_integrity_count_fails_when_not_zero(dirs):
    """One pass, not one a check (each costs GX ~1 s): row i holds a count for check i alone,
    so every check fails on exactly one row, and the all-zero row passes them all."""
    clean = pd.DataFrame({c: [0] for c in INTEGRITY_CHECKS})
    assert failed(run(integrity_suite(NOW), clean, dirs)) == set()
    frame = pd.DataFrame(
        {
            c: [3 if i == j else 0 for j in range(len(INTEGRITY_CHECKS))]
            for i, c in enumerate(INTEGRITY_CHECKS)
        }
    )
    report = run(integrity_suite(NOW), frame, dirs)
    assert failed(report) == {
        ("expect_column_values_to_be_between", c, "critical") for c in INTEGRITY_CHECKS
    }
    assert {r["column_name"]: r["unexpected_count"] for r in report.results} == dict.fromkeys(
        INTEGRITY_CHECKS, 1
    )


def test_stale_or_collapsed_source_is_a_warning_naming_it(dirs):
    frame = pd.DataFrame(
        {
            "source_name": ["Fresh Times", "Stale Post", "Quiet Herald"],
            "hours_since_newest": [3, 400, 5],
            "new_articles": [12, 0, 0],
            "mean_new": [10.0, 0.0, 11.0],
            "sd_new": [2.0, 0.0, 1.5],
            "trailing_days": [7, 7, 7],
            "volume_ok": [True, True, False],
        }
    )
    report = run(source_health_suite(NOW), frame, dirs)
    assert report.verdict == "warn"
    observed = {r["column_name"]: r["observed_value"] for r in report.results if not r["success"]}
    assert "Stale Post" in observed["hours_since_newest"]
    assert "Quiet Herald" in observed["volume_ok"]
    assert "Fresh Times" not in observed["hours_since_newest"] + observed["volume_ok"]
    # JSON a reader can load: booleans and numbers, not numpy's repr (np.False_)
    assert json.loads(observed["volume_ok"]) == [
        {"source_name": "Quiet Herald", "volume_ok": False}
    ]
    assert json.loads(observed["hours_since_newest"]) == [
        {"source_name": "Stale Post", "hours_since_newest": 400}
    ]


def test_a_run_id_that_reads_like_a_date_with_an_offset_validates(dirs):
    """GX reads an unstamped run name as a date: "…Z-4162ad" became an impossible UTC offset
    and crashed validation in about one run in 400. The run time is now passed explicitly."""
    from expectations.suites import dim_date_suite

    frame = pd.DataFrame({"date_key": [20261101], "date": ["2026-11-01"], "day_of_week": [7]})
    report = validate_frames([(dim_date_suite(NOW), frame)], *dirs, "20261126T193620Z-4162ad", NOW)
    assert report.results and all(r["run_id"] == "20261126T193620Z-4162ad" for r in report.results)


def test_gx_files_cut_short_by_a_full_disk_are_written_again(tmp_path):
    """A disk that filled while GX wrote left an empty validation definition; with space back
    every run failed in GX ("'NoneType' object has no attribute 'id'"). What gazette defines
    in code is written again; a config cut short starts the project anew, the old kept aside."""
    from expectations.suites import dim_date_suite

    gx_root, docs = tmp_path / "gx", tmp_path / "docs"
    frame = pd.DataFrame({"date_key": [20261101], "date": ["2026-11-01"], "day_of_week": [7]})
    first = validate_frames([(dim_date_suite(NOW), frame)], gx_root, docs, "r1", NOW)
    project = gx_root / "gx"
    for store in ("validation_definitions", "expectations", "checkpoints"):
        for path in (project / store).glob("*.json"):
            path.write_text("")  # what a full disk leaves: the name, no bytes
    again = validate_frames([(dim_date_suite(NOW), frame)], gx_root, docs, "r2", NOW)
    assert [r["success"] for r in again.results] == [r["success"] for r in first.results]
    (project / "great_expectations.yml").write_text("config_version: [")
    third = validate_frames([(dim_date_suite(NOW), frame)], gx_root, docs, "r3", NOW)
    assert [r["success"] for r in third.results] == [r["success"] for r in first.results]
    assert list(gx_root.glob("gx.damaged-*"))


def test_within_a_run_each_configuration_is_built_once_and_gx_is_itself_after():
    import great_expectations.expectations as gxe
    from great_expectations.expectations.expectation import Expectation

    from expectations.runner import configurations_built_once

    gx_own = Expectation.__dict__["configuration"]
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="title")
    assert expectation.configuration is not expectation.configuration  # GX builds it anew
    with configurations_built_once():
        first = expectation.configuration
        assert expectation.configuration is first
        other = gxe.ExpectColumnValuesToNotBeNull(column="url")
        assert other.configuration.kwargs["column"] == "url"  # its own, not the first's
    assert Expectation.__dict__["configuration"] is gx_own
    assert expectation.configuration is not first


def test_the_row_gate_names_the_same_rows_with_configurations_built_once(monkeypatch):
    import contextlib

    import expectations.runner as runner

    frame = articles(title_length=[30, 900], language=["en", "xx"], word_count=[150, 7])
    cached = runner.validate_rows(staging_suite(NOW), frame)
    monkeypatch.setattr(runner, "configurations_built_once", contextlib.nullcontext)
    rebuilt = runner.validate_rows(staging_suite(NOW), frame)
    assert cached.failing_rows == rebuilt.failing_rows
    assert set(cached.failing_rows) == {1}
    assert cached.results == rebuilt.results
