"""One suite per table; each expectation carries a severity in its meta.

critical: the run's verdict fails (exit 1). warning: recorded, the run passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

FUTURE_TOLERANCE = timedelta(days=1)
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
ARTICLE_URL_PATTERN = r"^(?:https?://[^\s/$.?#][^\s]*|file:///\S+)$"  # ingested files


@dataclass(frozen=True, slots=True)
class SuiteSpec:
    """A suite and the columns it reads, so the runner selects only those."""

    name: str
    table: str
    columns: tuple[str, ...]
    expectations: tuple[Any, ...]


def _critical(expectation: Any) -> Any:
    expectation.meta = {"severity": "critical"}
    return expectation


def _warning(expectation: Any) -> Any:
    expectation.meta = {"severity": "warning"}
    return expectation


def fact_article_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    latest = now + FUTURE_TOLERANCE
    return SuiteSpec(
        name="fact_article",
        table="fact_article",
        columns=("article_key", "source_key", "url", "title", "published_at"),
        expectations=(
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="article_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="article_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_key")),
            _critical(gxe.ExpectColumnValuesToMatchRegex(column="url", regex=ARTICLE_URL_PATTERN)),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="title")),
            _critical(gxe.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1)),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="published_at", max_value=latest)),
            _warning(gxe.ExpectColumnValuesToNotBeNull(column="published_at", mostly=0.9)),
        ),
    )


def dim_source_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        name="dim_source",
        table="dim_source",
        columns=("source_key", "source_name", "homepage", "is_current"),
        expectations=(
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="source_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_name")),
            _critical(
                gxe.ExpectColumnValuesToMatchRegex(column="homepage", regex=URL_PATTERN, mostly=1.0)
            ),
        ),
    )


def mart_suites(now: datetime) -> list[SuiteSpec]:
    return [fact_article_suite(now), dim_source_suite(now)]
