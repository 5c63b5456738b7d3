"""The staging gate, one batch at a time: the GX staging suite over a package's rows before
the package is sealed. A row failing a critical expectation is held back in the package's
quarantine with its reason; the batch's expectation results travel in the package too, and
the run's gate verdict is their sum (`combine_results`).

Memory is bounded by the batch: GX sees a batch (100 rows) of the gate's columns, never the night.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from expectations.runner import DQReport, validate_rows
from expectations.suites import staging_suite
from transforms.model import DQ_RESULT_SCHEMA, QUARANTINE_SCHEMA
from warehouse.packages import drop_articles, write_frame


def gate_package(folder: Path, now: datetime) -> int:
    """Validate the partial package in `folder`; hold back failing rows; returns how many."""
    gate = pl.read_parquet(folder / "gate.parquet")
    if gate.is_empty():
        write_frame(pl.DataFrame(schema=DQ_RESULT_SCHEMA), folder / "dq_result.parquet")
        return 0
    report = validate_rows(staging_suite(now), gate.to_pandas())
    write_frame(_results_frame(report), folder / "dq_result.parquet")
    held = []
    for row_id, failures in report.failing_rows.items():
        critical = [f for f in failures if f[1] == "critical"]
        if critical:
            held.append((int(row_id), critical))
    if not held:
        return 0
    keys = gate.select("row_id", "article_key", "url")
    by_row = {r: (k, u) for r, k, u in keys.iter_rows()}
    articles = pl.read_parquet(folder / "fact_article.parquet")
    slim = {
        row["article_key"]: json.dumps(row, default=str)
        for row in articles.drop("text", "text_markdown").iter_rows(named=True)
    }
    rows = []
    for row_id, critical in held:
        key, url = by_row[row_id]
        rows.append(
            {
                "url": url,
                "article_key": key,
                "stage": "validate",
                "expectation": critical[0][0],
                "reason": "; ".join(f"{name}: {value}" for name, _, value in critical),
                "record": slim.get(key),
            }
        )
    quarantine = pl.read_parquet(folder / "quarantine.parquet")
    write_frame(
        pl.concat([quarantine, pl.DataFrame(rows, schema=QUARANTINE_SCHEMA)]),
        folder / "quarantine.parquet",
    )
    drop_articles(folder, {r["article_key"] for r in rows})
    return len(rows)


def _results_frame(report: DQReport) -> pl.DataFrame:
    return pl.DataFrame(
        [{k: r[k] for k in DQ_RESULT_SCHEMA} for r in report.results], schema=DQ_RESULT_SCHEMA
    )


def combine_results(frames: list[Path], run_id: str, checked_at: datetime) -> list[dict[str, Any]]:
    """The run's staging-gate results: one row per expectation over every batch (it failed if
    it failed in any batch; counts add up), shaped like the marts' results."""
    parts = [pl.read_parquet(p) for p in frames if p.is_file()]
    parts = [p for p in parts if not p.is_empty()]
    if not parts:
        return []
    combined = (
        pl.concat(parts)
        .group_by(["suite", "expectation", "column_name", "severity"], maintain_order=True)
        .agg(
            success=pl.col("success").all(),
            observed_value=pl.col("observed_value").filter(~pl.col("success")).first(),
            element_count=pl.col("element_count").sum(),
            unexpected_count=pl.col("unexpected_count").sum(),
        )
    )
    return [
        {**row, "run_id": run_id, "checked_at": checked_at}
        for row in combined.iter_rows(named=True)
    ]
