"""Each mart expectation has a case where it fails, and results land in ops.dq_result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from expectations.runner import validate_frames
from expectations.suites import dim_source_suite, fact_article_suite

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def articles(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "article_key": ["a", "b"],
            "source_key": ["s", "s"],
            "url": ["http://n.test/a.html", "https://n.test/b.html"],
            "title": ["Fares rise", "Bridge reopens"],
            "published_at": pd.to_datetime([NOW - timedelta(days=3), NOW], utc=True),
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


@pytest.fixture(scope="module")
def gx_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("gx")
    return root / "gx", root / "docs"


def failed(frame: pd.DataFrame, gx_dirs) -> set[tuple[str, str | None]]:
    report = validate_frames([(fact_article_suite(NOW), frame)], *gx_dirs, "t", NOW)
    return {(r["expectation"], r["column_name"]) for r in report.results if not r["success"]}


def test_clean_articles_pass_and_docs_are_built(gx_dirs):
    report = validate_frames([(fact_article_suite(NOW), articles())], *gx_dirs, "t", NOW)
    assert report.verdict == "pass"
    assert report.docs_index is not None and report.docs_index.exists()
    assert "fact_article" in report.docs_index.read_text()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"article_key": ["a", "a"]}, ("expect_column_values_to_be_unique", "article_key")),
        ({"article_key": ["a", None]}, ("expect_column_values_to_not_be_null", "article_key")),
        ({"source_key": [None, "s"]}, ("expect_column_values_to_not_be_null", "source_key")),
        ({"url": ["ftp://x", "http://n.test/b"]}, ("expect_column_values_to_match_regex", "url")),
        ({"title": ["", "T"]}, ("expect_column_value_lengths_to_be_between", "title")),
        ({"title": [None, "T"]}, ("expect_column_values_to_not_be_null", "title")),
        (
            {"published_at": pd.to_datetime([NOW + timedelta(days=3), NOW], utc=True)},
            ("expect_column_values_to_be_between", "published_at"),
        ),
    ],
)
def test_each_critical_fact_article_expectation_can_fail(gx_dirs, changes, expected):
    assert expected in failed(articles(**changes), gx_dirs)


def test_missing_dates_are_only_a_warning(gx_dirs):
    frame = articles(published_at=pd.to_datetime([None, None], utc=True))
    report = validate_frames([(fact_article_suite(NOW), frame)], *gx_dirs, "t", NOW)
    assert report.verdict == "warn"
    assert report.critical_failures == []


def test_dim_source_keys_and_homepage(gx_dirs):
    frame = pd.DataFrame(
        {
            "source_key": ["s", "s"],
            "source_name": ["A", None],
            "homepage": ["http://a.test/", "not a url"],
            "is_current": [True, True],
        }
    )
    report = validate_frames([(dim_source_suite(NOW), frame)], *gx_dirs, "t", NOW)
    failures = {(r["expectation"], r["column_name"]) for r in report.critical_failures}
    assert failures == {
        ("expect_column_values_to_be_unique", "source_key"),
        ("expect_column_values_to_not_be_null", "source_name"),
        ("expect_column_values_to_match_regex", "homepage"),
    }
    assert report.verdict == "fail"
