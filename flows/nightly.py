"""The nightly flow: discover, fetch, extract, model, load, validate, export: one run.

Tasks take plain values and paths and open their own connections; each works on a source or a
batch, never on one article.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.config import Settings, SourceSettings, load_settings
from flows.discovery import discover_source
from flows.extracting import ExtractFailure, extract_pages
from flows.fetching import Fetcher, FetchPolicy
from transforms.model import SourceInfo, model_tables
from transforms.records import Candidate, FetchResult
from transforms.urls import host_of
from warehouse import ops
from warehouse.db import connect
from warehouse.export import export_marts
from warehouse.load import LoadCounts, load_star

BATCH_SIZE = 200


@dataclass(slots=True)
class RunSummary:
    """What a run did, for the CLI summary and for tests."""

    run_id: str
    home: Path
    sources: int = 0
    urls_discovered: int = 0
    fetch_outcomes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    articles_extracted: int = 0
    load: LoadCounts | None = None
    dq_verdict: str = "not run"
    dq_failed: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    exports: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.dq_verdict == "fail" else 0


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def host_batches(candidates: list[Candidate], size: int = BATCH_SIZE) -> list[list[Candidate]]:
    """Batches that never split a host, so each host is fetched by one polite fetcher."""
    by_host: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_host.setdefault(host_of(c.url), []).append(c)
    batches: list[list[Candidate]] = []
    current: list[Candidate] = []
    for group in by_host.values():
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    return batches


@task(name="discover-source", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def discover_task(
    source: SourceSettings, policy: FetchPolicy
) -> tuple[list[Candidate], list[FetchResult], dict[str, str | None]]:
    """Read one source's feeds, sitemaps and section pages."""
    with Fetcher(policy) as fetcher:
        candidates = discover_source(fetcher, source)
        return candidates, fetcher.log, fetcher.robots_rules()


@task(name="fetch-batch", cache_policy=NO_CACHE)
def fetch_task(
    batch: list[Candidate], policy: FetchPolicy, robots: dict[str, str | None]
) -> list[FetchResult]:
    """Fetch one batch of article URLs: concurrent across hosts, polite within each."""
    with Fetcher(policy, robots=robots) as fetcher:
        fetcher.fetch_many(batch)
        return fetcher.log


@task(name="extract-pages", cache_policy=NO_CACHE)
def extract_task(pages: list[FetchResult]) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
    """trafilatura over every fetched article page, in a process pool."""
    return extract_pages([p for p in pages if p.ok and p.purpose == "article"])


@task(name="model-and-load", cache_policy=NO_CACHE)
def load_task(
    home: Path,
    run_id: str,
    now: datetime,
    sources: list[SourceSettings],
    records: list[dict[str, Any]],
    fetches: list[FetchResult],
    failures: list[ExtractFailure],
) -> LoadCounts:
    """Build the star-schema frames and load them in one transaction."""
    tables = model_tables(
        records, fetches, [SourceInfo(s.name, s.homepage) for s in sources], run_id, now
    )
    con = connect(home)
    try:
        counts = load_star(con, tables)
        ops.record_quarantine(
            con,
            run_id,
            "extract",
            ((f.url, None, f.reason, {"source_name": f.source_name}) for f in failures),
            now,
        )
        return counts
    finally:
        con.close()


@task(name="validate-marts", cache_policy=NO_CACHE)
def validate_task(home: Path, run_id: str, now: datetime) -> tuple[str, list[str], Path | None]:
    """Great Expectations over the marts; results to ops.dq_result, Data Docs rebuilt."""
    from expectations.runner import validate_warehouse
    from expectations.suites import mart_suites

    con = connect(home)
    try:
        report = validate_warehouse(
            con, mart_suites(now), home / "gx", home / "docs" / "data_docs", run_id, now
        )
        ops.record_dq_results(con, report.results)
    finally:
        con.close()
    failed = [
        f"{r['suite']}.{r['expectation']}({r['column_name']})" for r in report.critical_failures
    ]
    return report.verdict, failed, report.docs_index


@task(name="export-marts", cache_policy=NO_CACHE)
def export_task(home: Path) -> Path:
    """Parquet files of every mart table for BI."""
    con = connect(home, read_only=True)
    try:
        return export_marts(con, home / "exports" / "parquet")
    finally:
        con.close()


def run_pipeline(
    settings: Settings, home: Path, limit: int | None = None, command: str = "run"
) -> RunSummary:
    """The stages in order; called inside the Prefect flow."""
    logger = get_run_logger()
    now = datetime.now(UTC)
    run_id = new_run_id(now)
    summary = RunSummary(run_id=run_id, home=home, sources=len(settings.sources))
    con = connect(home)
    try:
        ops.start_run(con, run_id, command, now)
    finally:
        con.close()
    try:
        policy = settings.fetch.policy()
        discovered = [discover_task.submit(s, policy) for s in settings.sources]
        candidates: list[Candidate] = []
        fetches: list[FetchResult] = []
        robots: dict[str, str | None] = {}  # read once per host per run, shared by stages
        for future in discovered:
            found, attempts, rules = future.result()
            candidates.extend(found)
            fetches.extend(attempts)
            robots.update(rules)
        if limit is not None:
            candidates = candidates[:limit]
        summary.urls_discovered = len(candidates)
        logger.info("discovered %d article URLs", len(candidates))

        batches = host_batches(candidates)
        for attempts in fetch_task.map(batches, policy, unmapped(robots)).result():
            fetches.extend(attempts)
        records, failures = extract_task(fetches)
        summary.articles_extracted = len(records)
        summary.fetch_outcomes = dict(Counter(f.outcome for f in fetches))
        problems = Counter(
            f"{f.outcome} ({f.status})" if f.outcome == "http_error" else f.outcome
            for f in fetches
            if not f.ok
        )
        problems.update(f"extract: {f.reason.split(' (')[0]}" for f in failures)
        summary.failures = dict(problems)

        summary.load = load_task(home, run_id, now, settings.sources, records, fetches, failures)
        summary.dq_verdict, summary.dq_failed, summary.docs_index = validate_task(home, run_id, now)
        summary.exports = export_task(home)
    except BaseException as exc:
        _close_run(home, run_id, summary, "failed", f"{type(exc).__name__}: {exc}")
        raise
    status = "failed_quality" if summary.dq_verdict == "fail" else "succeeded"
    _close_run(home, run_id, summary, status, None)
    return summary


def _close_run(
    home: Path, run_id: str, summary: RunSummary, status: str, message: str | None
) -> None:
    con = connect(home)
    try:
        ops.finish_run(
            con,
            run_id,
            status=status,
            sources=summary.sources,
            urls_discovered=summary.urls_discovered,
            fetch_attempts=sum(summary.fetch_outcomes.values()),
            pages_ok=summary.fetch_outcomes.get("ok", 0),
            articles_extracted=summary.articles_extracted,
            articles_new=summary.load.articles_new if summary.load else 0,
            articles_changed=summary.load.articles_changed if summary.load else 0,
            failures=sum(summary.failures.values()),
            dq_verdict=summary.dq_verdict,
            message=message,
        )
    finally:
        con.close()


@flow(name="nightly-news", log_prints=True)
def nightly_news(
    sources_file: Path, home: Path, limit: int | None = None, command: str = "run"
) -> RunSummary:
    """Discover, fetch, extract, model, load, validate, export: one run."""
    settings = load_settings(Path(sources_file))
    return run_pipeline(settings, Path(home), limit, command)
