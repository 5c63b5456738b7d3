"""The marts gate: every mart suite on the warehouse, results to ops.dq_result, Data Docs
rebuilt. One entry for the nightly run and `gazette validate`, so both judge by [quality]."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from expectations.runner import DQReport, validate_warehouse, write_docs_summary
from expectations.suites import mart_suites
from transforms.words import count_words_arrow
from warehouse import ops
from warehouse.db import connect, read_memory


def validate_marts(
    home: Path,
    run_id: str,
    now: datetime,
    freshness_hours: float,
    volume_sigma: float,
    trailing_days: int,
    earlier_results: list[dict[str, Any]] | None = None,
) -> DQReport:
    """Validate the marts as a whole, across runs too (the source-health thresholds are the
    [quality] settings). `earlier_results`, an earlier gate's rows (the staging gate's), come
    first in the report, its verdict and the Data Docs summary, so one verdict covers both."""
    suites = mart_suites(now, run_id, freshness_hours, volume_sigma, trailing_days)
    con = connect(home, memory=read_memory())
    try:
        # the stored texts recounted as the extractor counts them (ARTICLE_SQL)
        con.create_function("words_in_text", count_words_arrow, ["VARCHAR"], "BIGINT", type="arrow")
        report = validate_warehouse(
            con, suites, home / "gx", home / "docs" / "data_docs", run_id, now
        )
        if earlier_results:
            report.results[:0] = earlier_results
            if report.docs_index is not None:
                write_docs_summary(report.docs_index.parent, report, run_id)
        ops.record_dq_results(con, report.results)
    finally:
        con.close()
    return report
