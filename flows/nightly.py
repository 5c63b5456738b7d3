"""The flows: nightly (discover, fetch, ...), ingest (local files) and reprocess (the archive).

All three end the same way: extract, model, load, validate, export. Tasks take plain values and
paths and open their own connections; each works on a source or a batch, never on one article.
"""

import hashlib
import json
import logging
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote  # see _Run.finish

from flows import progress
from flows.config import (
    QualitySettings,
    Settings,
    SourceSettings,
    load_settings,
    recogniser_from_env,
)
from flows.discovery import Discovery
from flows.extracting import (
    ExtractFailure,
    ExtractionPool,
    drop_bodies,
    extract_pages,
    usable_pages,
)
from flows.fetching import Fetcher, FetchPolicy
from flows.ingest import LOCAL_SOURCE, read_inputs
from transforms.incremental import select_candidates
from transforms.model import SourceInfo, evidence_candidate, model_tables
from transforms.records import ArchiveRef, Candidate, FetchResult, Validators
from transforms.staging import staging_frame
from transforms.urls import host_of
from warehouse import ops, staging_files
from warehouse.changes import Changes, compare, fingerprints
from warehouse.db import connect, query_frame
from warehouse.export import export_marts, publish_snapshot
from warehouse.load import LoadCounts, Quarantine, load_star
from warehouse.lock import RunLock
from warehouse.raw_archive import WarcArchive, read_document
from warehouse.report import summary_markdown, write_report
from warehouse.state import discovery_state, known_pages

BATCH_SIZE = 50  # URLs per fetch task: the pool gets work early, the API few task runs


@dataclass(slots=True)
class RunSummary:
    """What a run did, for the CLI summary and for tests."""

    run_id: str
    home: Path
    sources: int = 0
    urls_discovered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    fetch_outcomes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    articles_extracted: int = 0
    quarantined: int = 0
    per_source: list[tuple[str, int, int]] = field(default_factory=list)  # name, total, this run
    load: LoadCounts | None = None
    dq_verdict: str = "not run"
    dq_failed: list[str] = field(default_factory=list)
    docs_index: Path | None = None
    exports: Path | None = None
    report: Path | None = None
    snapshot: Path | None = None
    changes: Changes | None = None  # reprocess: what moved

    @property
    def exit_code(self) -> int:
        return 1 if self.dq_verdict == "fail" else 0


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def host_batches(candidates: list[Candidate], size: int = BATCH_SIZE) -> list[list[Candidate]]:
    """Batches of at most `size` URLs, small hosts sharing one. A big host is cut into pieces
    that are fetched one after another (see `after_same_host`), so a host is never fetched by
    two fetchers at once, and extraction can start on its first piece."""
    by_host: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_host.setdefault(host_of(c.url), []).append(c)
    batches: list[list[Candidate]] = []
    current: list[Candidate] = []
    for group in by_host.values():
        for start in range(0, len(group), size):
            piece = group[start : start + size]
            if current and len(current) + len(piece) > size:
                batches.append(current)
                current = []
            current.extend(piece)
    if current:
        batches.append(current)
    return batches


def after_same_host(batches: list[list[Candidate]]) -> list[list[int]]:
    """For each batch, the earlier batches it must wait for: the last one sharing a host."""
    last: dict[str, int] = {}
    waits = []
    for i, batch in enumerate(batches):
        hosts = {host_of(c.url) for c in batch}
        waits.append(sorted({last[h] for h in hosts if h in last}))
        last.update(dict.fromkeys(hosts, i))
    return waits


def _archive(home: Path, run_id: str, stage: str, now: datetime) -> WarcArchive:
    return WarcArchive(home, f"{run_id}-{stage}-{secrets.token_hex(3)}", now)


# -- tasks ---------------------------------------------------------------------------------
@task(
    name="discover-source",
    task_run_name="discover {source.name}",
    retries=1,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def discover_task(
    source: SourceSettings,
    policy: FetchPolicy,
    home: Path,
    run_id: str,
    validators: dict[str, Validators],
) -> tuple[list[Candidate], list[FetchResult], dict[str, str | None]]:
    """Read one source's feeds, sitemaps and section pages (conditionally), archiving them."""
    with (
        _archive(home, run_id, "discover", datetime.now(UTC)) as archive,
        Fetcher(policy, archive=archive.write_response) as fetcher,
    ):
        discovery = Discovery(fetcher, validators, lambda ref: read_document(home, ref).body)
        candidates = discovery.source(source)
        return candidates, fetcher.log, fetcher.robots_rules()


@task(name="fetch-batch", task_run_name="fetch {batch[0].url} and the rest", cache_policy=NO_CACHE)
def fetch_task(
    batch: list[Candidate],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
) -> list[FetchResult]:
    """Fetch one batch of article URLs: concurrent across hosts, polite within each."""
    return _fetch_batch(batch, policy, robots, validators, home, run_id)


def _fetch_batch(
    batch: list[Candidate],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
) -> list[FetchResult]:
    with (
        _archive(home, run_id, "fetch", datetime.now(UTC)) as archive,
        Fetcher(policy, archive=archive.write_response, robots=robots) as fetcher,
    ):
        fetcher.fetch_many(batch, validators=validators)
        return fetcher.log


@task(
    name="fetch-and-extract-batch",
    task_run_name="fetch and extract {batch[0].url} and the rest",
    cache_policy=NO_CACHE,
)
def fetch_extract_task(
    batch: list[Candidate],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
    recogniser: str | None,
) -> tuple[Path | None, list[FetchResult], list[ExtractFailure]]:
    """Scale-out: one batch fetched, extracted and enriched where it runs (a Dask worker);
    its records go to a staging Parquet file for the one loader, and only metadata travels
    back. `home` must be storage every worker and the loader share."""
    fetched = _fetch_batch(batch, policy, robots, validators, home, run_id)
    records, failures = extract_pages(usable_pages(fetched), workers=1, recogniser=recogniser)
    return staging_files.write_records(home, run_id, records), drop_bodies(fetched), failures


@task(name="extract-pages", cache_policy=NO_CACHE)
def extract_task(
    pages: list[FetchResult], recogniser: str | None
) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
    """trafilatura, then enrichment, over every fetched article page, in a process pool."""
    usable = usable_pages(pages)
    with progress.reporter().stage("extract", len(usable)) as stage:
        return extract_pages(usable, recogniser=recogniser, on_done=stage.advance)


@task(name="model-and-load", cache_policy=NO_CACHE)
def load_task(
    home: Path,
    run_id: str,
    now: datetime,
    sources: list[SourceInfo],
    records: list[dict[str, Any]],
    fetches: list[FetchResult],
    failures: list[ExtractFailure],
    archived: list[FetchResult],
    versioning: bool = True,
    rejected: list[tuple[str, str | None, str, dict[str, Any] | None]] | None = None,
) -> LoadCounts:
    """Build the star-schema frames and load them, quarantine included, in one transaction."""
    tables = model_tables(records, fetches, sources, run_id, now, archived)
    held = [
        Quarantine(
            "extract", [(f.url, None, f.reason, {"source_name": f.source_name}) for f in failures]
        ),
        Quarantine("validate", list(rejected or [])),
    ]
    con = connect(home)
    try:
        return load_star(con, tables, versioning, held, run_id, now)
    finally:
        con.close()


@task(name="validate-staging", cache_policy=NO_CACHE)
def validate_staging_task(
    records: list[dict[str, Any]], home: Path, run_id: str, now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[str, str | None, str, dict[str, Any] | None]], Any]:
    """The first gate: row by row; a record failing a critical expectation is held back."""
    from expectations.runner import validate_frames
    from expectations.suites import staging_suite

    if not records:
        return records, [], None
    frame = staging_frame(records).to_pandas()
    report = validate_frames(
        [(staging_suite(now), frame)],
        home / "gx",
        home / "docs" / "data_docs",
        run_id,
        now,
        build_docs=False,  # the marts pass builds the run's Data Docs, this gate's included
    )
    passed, held = [], []
    for row_id, record in enumerate(records):
        critical = [f for f in report.failing_rows.get(row_id, []) if f[1] == "critical"]
        if not critical:
            passed.append(record)
            continue
        reason = "; ".join(f"{name}: {value}" for name, _, value in critical)
        slim = {k: v for k, v in record.items() if k not in ("text", "text_markdown")}
        held.append((record["url"], critical[0][0], reason, slim))
    return passed, held, report


@task(name="validate-marts", cache_policy=NO_CACHE)
def validate_task(
    home: Path, run_id: str, now: datetime, quality: QualitySettings, staging: Any = None
) -> tuple[str, list[str], Path | None]:
    """The second gate: the marts as a whole, across runs too; results to ops.dq_result,
    Data Docs rebuilt. Critical failures of either gate fail the run's verdict."""
    from expectations.runner import validate_warehouse, write_docs_summary
    from expectations.suites import mart_suites

    suites = mart_suites(
        now, run_id, quality.freshness_hours, quality.volume_sigma, quality.trailing_runs
    )
    con = connect(home)
    try:
        report = validate_warehouse(
            con,
            suites,
            home / "gx",
            home / "docs" / "data_docs",
            run_id,
            now,
            document_also=staging.result_ids if staging is not None else None,
        )
        if staging is not None:
            report.results[:0] = staging.results
            if report.docs_index is not None:
                write_docs_summary(report.docs_index.parent, report, run_id)
        ops.record_dq_results(con, report.results)
    finally:
        con.close()
    failed = [
        f"{r['suite']}.{r['expectation']}({r['column_name']})" for r in report.critical_failures
    ]
    return report.verdict, failed, report.docs_index


@task(name="export-marts", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def export_task(home: Path, run_id: str) -> Path:
    """Parquet files of every mart table and view for BI, with their manifest."""
    con = connect(home, read_only=True)
    try:
        return export_marts(con, home / "exports" / "parquet", "parquet", run_id)
    finally:
        con.close()


@task(name="publish-bi-snapshot", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def snapshot_task(home: Path) -> Path:
    """exports/gazette.duckdb, the copy BI tools keep open while the next run writes."""
    return publish_snapshot(home)


# -- the shared back half ----------------------------------------------------------------
class _Run:
    """Bookkeeping of one run in ops.etl_run, and the stages every flow ends with."""

    def __init__(
        self,
        home: Path,
        command: str,
        sources: int,
        wait_s: float = 300.0,
        quality: QualitySettings | None = None,
        recogniser: str | None = "rules",
    ) -> None:
        self.home = home
        self.quality = quality or QualitySettings()
        self.recogniser = recogniser
        # one writer per home: a second run waits here (bounded), then gives up clearly
        self.lock = RunLock(home, command, wait_s, on_wait=get_run_logger().warning)
        self.lock.__enter__()
        self.now = datetime.now(UTC)
        self.run_id = new_run_id(self.now)
        self.summary = RunSummary(run_id=self.run_id, home=home, sources=sources)
        self.stage_failures: Counter[str] = Counter()
        try:
            con = connect(home)
            try:
                ops.abandon_stale_runs(con, self.now)  # we hold the lock: nobody else runs
                ops.start_run(con, self.run_id, command, self.now)
            finally:
                con.close()
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise

    def finish(
        self,
        pages: list[FetchResult],
        fetches: list[FetchResult],
        sources: list[SourceInfo],
        archived: list[FetchResult] | None = None,
        versioning: bool = True,
        extracted: tuple[list[dict[str, Any]], list[ExtractFailure]] | None = None,
    ) -> RunSummary:
        """`extracted`: records and failures already made while fetching; else `pages` are
        extracted here."""
        summary = self.summary
        report = progress.reporter()
        # quote(): Prefect walks every task parameter looking for futures; over a run's records
        # that walk cost 13 ms an article (4.7 s of a 6 s load at N=360), for nothing
        records, failures = extracted or extract_task(quote(pages), self.recogniser)
        for f in fetches:
            if f.purpose == "article" and f.outcome not in ("ok", "not_modified"):
                report.dropped("fetch", f.url, f"{f.outcome}: {f.error or f.status}")
        for failure in failures:
            report.dropped("extract", failure.url, failure.reason)
        summary.articles_extracted = len(records)
        records, held, staging = validate_staging_task(
            quote(records), self.home, self.run_id, self.now
        )
        for url, _expectation, reason, _record in held:
            report.dropped("quarantine", url, reason)
        summary.fetch_outcomes = dict(Counter(f.outcome for f in fetches))
        problems = Counter(
            f"{f.outcome} ({f.status})" if f.outcome == "http_error" else f.outcome
            for f in fetches
            if f.outcome not in ("ok", "not_modified")
        )
        problems.update(f"extract: {f.reason.split(' (')[0]}" for f in failures)
        # an article whose enrichment crashed still loads; the crash is counted, not hidden
        enrich_failed = [r for r in records if r.get("enrichment_error")]
        for r in enrich_failed:
            get_run_logger().warning(
                "enrichment failed for %s: %s", r["url"], r["enrichment_error"]
            )
        problems.update(f"enrich: {r['enrichment_error'].split(':')[0]}" for r in enrich_failed)
        problems.update(self.stage_failures)
        summary.failures = dict(problems)
        with report.stage("load", len(records)) as stage:
            summary.load = load_task(
                self.home,
                self.run_id,
                self.now,
                quote(sources),
                quote(records),
                quote(fetches),
                quote(failures),
                quote(archived or []),
                versioning,
                quote(held),
            )
            stage.advance(len(records))
        summary.quarantined = len(held)
        with report.stage("validate"):
            summary.dq_verdict, summary.dq_failed, summary.docs_index = validate_task(
                self.home, self.run_id, self.now, self.quality, quote(staging)
            )
        with report.stage("export"):
            summary.exports = export_task(self.home, self.run_id)
            if summary.dq_verdict != "fail":  # BI keeps the last good snapshot
                summary.snapshot = snapshot_task(self.home)
        return summary

    def close(self, status: str | None = None, message: str | None = None) -> None:
        try:
            self._record_end(status, message)
        finally:
            self.lock.__exit__(None, None, None)

    def _record_end(self, status: str | None, message: str | None) -> None:
        s = self.summary
        if status is None:
            status = "failed_quality" if s.dq_verdict == "fail" else "succeeded"
        con = connect(self.home)
        try:
            ops.finish_run(
                con,
                self.run_id,
                status=status,
                sources=s.sources,
                urls_discovered=s.urls_discovered,
                fetch_attempts=sum(s.fetch_outcomes.values()),
                pages_ok=s.fetch_outcomes.get("ok", 0),
                articles_extracted=s.articles_extracted,
                articles_new=s.load.articles_new if s.load else 0,
                articles_changed=s.load.articles_changed if s.load else 0,
                failures=sum(s.failures.values()),
                dq_verdict=s.dq_verdict,
                message=message,
                failures_by_reason=json.dumps(dict(sorted(s.failures.items()))),
            )
            # read while we still hold the home: after release another run may be writing
            s.per_source = [
                (name, int(total), int(fresh))
                for name, total, fresh in con.execute(
                    """
                    select s.source_name, count(a.article_key),
                           count(a.article_key) filter (where a.run_id = ?)
                    from dim_source s
                    left join fact_article a on a.source_key = s.source_key and a.is_current
                    group by all order by s.source_name
                    """,
                    [self.run_id],
                ).fetchall()
            ]
            try:
                s.report = write_report(con, self.home, self.run_id)
            except Exception as exc:  # the run's outcome stands even if its page cannot be drawn
                get_run_logger().warning("run report not written: %s: %s", type(exc).__name__, exc)
        finally:
            con.close()


def _guarded(run: _Run, body: Any) -> RunSummary:
    try:
        summary = body()
    except BaseException as exc:
        run.close("failed", f"{type(exc).__name__}: {exc}")
        raise
    run.close()
    publish_artifacts(summary)
    return summary


def publish_artifacts(summary: RunSummary) -> None:
    """What the Prefect UI shows for the run: a markdown summary and a per-source table."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        create_markdown_artifact(
            markdown=summary_markdown(summary_facts(summary)),
            key="gazette-run-summary",
            description=f"gazette run {summary.run_id}",
        )
        create_table_artifact(
            table=[
                {"source": name, "articles": total, "new or changed this run": fresh}
                for name, total, fresh in summary.per_source
            ],
            key="gazette-sources",
            description=f"per-source results of run {summary.run_id}",
        )
    except Exception as exc:  # the UI's view of a run must not fail the run
        get_run_logger().warning("artifacts not published: %s: %s", type(exc).__name__, exc)


def summary_facts(summary: RunSummary) -> dict[str, Any]:
    return {
        "run_id": summary.run_id,
        "verdict": summary.dq_verdict,
        "stages": {
            "sources": summary.sources,
            "article URLs discovered": summary.urls_discovered,
            "fetch attempts": sum(summary.fetch_outcomes.values()),
            "articles extracted": summary.articles_extracted,
            "quarantined": summary.quarantined,
            "new articles": summary.load.articles_new if summary.load else 0,
            "changed articles": summary.load.articles_changed if summary.load else 0,
        },
        "skipped": dict(summary.skipped),
        "failures": dict(summary.failures),
        "critical": list(summary.dq_failed),
        "report": str(summary.report) if summary.report else None,
    }


# -- nightly -------------------------------------------------------------------------------
def run_pipeline(
    settings: Settings,
    home: Path,
    limit: int | None = None,
    command: str = "run",
    since: datetime | None = None,
    refresh: bool = False,
    wait_s: float = 300.0,
    until: datetime | None = None,
    task_runner: str = "local",
    dask_address: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> RunSummary:
    """Discover, select what is new or changed, fetch and extract, then the shared back half.

    task_runner "dask": fetch and extraction batches run on a Dask cluster (the one at
    dask_address, or a local one) and come back as staging files; "local": fetching runs in
    threads and each fetched batch goes straight to a local process pool."""
    if task_runner not in ("local", "dask"):
        raise ValueError(f"unknown task runner {task_runner!r}: use local or dask")
    scale_out = task_runner == "dask"
    logger = get_run_logger()
    run = _Run(
        home, command, len(settings.sources), wait_s, settings.quality, settings.enrich.spec()
    )
    sources = [
        SourceInfo(
            s.name,
            s.homepage,
            tuple(s.feeds),
            tuple(s.sitemaps),
            tuple(s.sections),
            tuple(s.urls),
        )
        for s in settings.sources
    ]

    def body() -> RunSummary:
        policy = settings.fetch.policy()
        con = connect(home)
        try:
            remembered = {} if refresh else discovery_state(con)
        finally:
            con.close()
        discovered = [
            discover_task.submit(s, policy, home, run.run_id, remembered) for s in settings.sources
        ]
        candidates: list[Candidate] = []
        fetches: list[FetchResult] = []
        robots: dict[str, str | None] = {}  # read once per host per run, shared by stages
        with progress.reporter().stage("discover", len(discovered)) as stage:
            for source, future in zip(settings.sources, discovered, strict=True):
                try:
                    found, attempts, rules = future.result()
                except Exception as exc:  # one broken source must not sink the others
                    logger.error(
                        "discovery of %s failed: %s: %s", source.name, type(exc).__name__, exc
                    )
                    run.stage_failures[f"discovery failed: {type(exc).__name__}"] += 1
                    continue
                finally:
                    stage.advance()
                candidates.extend(found)
                fetches.extend(attempts)
                robots.update(rules)
        run.summary.urls_discovered = len(candidates)
        con = connect(home)
        try:
            known = known_pages(con, (c.url for c in candidates))
        finally:
            con.close()
        selection = select_candidates(candidates, known, refresh=refresh, since=since, until=until)
        to_fetch = selection.to_fetch[:limit] if limit is not None else selection.to_fetch
        run.summary.skipped = dict(selection.skipped)
        logger.info(
            "discovered %d article URLs, fetching %d (%s)",
            len(candidates),
            len(to_fetch),
            ", ".join(f"{k}: {v}" for k, v in selection.skipped.items()) or "none skipped",
        )
        batches = host_batches(to_fetch, batch_size)
        if scale_out:
            records, failures = _fetch_extract_on_cluster(
                run, batches, policy, robots, selection.validators, fetches, dask_address
            )
        else:
            records, failures, fetched, failed_batches = fetch_and_extract_task(
                quote(batches),
                policy,
                quote(robots),
                quote(selection.validators),
                home,
                run.run_id,
                run.recogniser,
            )
            fetches.extend(fetched)
            run.stage_failures.update(failed_batches)
        summary = run.finish(fetches, fetches, sources, extracted=(records, failures))
        if scale_out:
            staging_files.clear(home, run.run_id)  # loaded and committed: no longer needed
        return summary

    return _guarded(run, body)


@task(name="fetch-and-extract", cache_policy=NO_CACHE)
def fetch_and_extract_task(
    batches: list[list[Candidate]],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
    recogniser: str | None,
) -> tuple[list[dict[str, Any]], list[ExtractFailure], list[FetchResult], Counter[str]]:
    """Fetch batches (a `fetch-batch` task each, in threads); each batch, once fetched, is
    extracted by the process pool this task holds while the next ones download. Bodies are
    dropped once handed over (they are archived). Returns records, extraction failures, the
    fetch attempts and failed batches by reason."""
    logger = get_run_logger()
    fetches: list[FetchResult] = []
    failed: Counter[str] = Counter()
    waits = after_same_host(batches)
    futures: dict[int, Any] = {}
    position = {}  # future id -> batch index
    report = progress.reporter()
    with (
        report.stage("extract") as extracting,
        ExtractionPool(recogniser, on_done=extracting.advance) as pool,
    ):
        with report.stage("fetch", sum(len(b) for b in batches)) as fetching:
            following = 0  # next batch to submit
            running: list[Any] = []
            while following < len(batches) or running:
                # a bounded queue: fetch ahead of extraction by at most MAX_AHEAD pages
                while following < len(batches) and len(running) < MAX_FETCHING:
                    if pool.backlog() >= MAX_AHEAD:
                        if running:
                            break  # take in what is fetched first
                        pool.wait_for_room(MAX_AHEAD)
                    future = fetch_task.submit(
                        quote(batches[following]),
                        policy,
                        quote(robots),
                        quote(validators),
                        home,
                        run_id,
                        wait_for=[futures[j] for j in waits[following]],
                    )
                    futures[following] = future
                    position[id(future)] = following
                    running.append(future)
                    following += 1
                future = next(iter(as_completed(running)))
                running.remove(future)
                try:
                    fetched = future.result()
                except Exception as exc:
                    logger.error("a fetch batch failed: %s: %s", type(exc).__name__, exc)
                    failed[f"fetch batch failed: {type(exc).__name__}"] += 1
                    continue
                finally:
                    fetching.advance(len(batches[position[id(future)]]))
                pool.submit(usable_pages(fetched))
                fetches.extend(drop_bodies(fetched))
        extracting.total = pool.handed_in
        records, failures = pool.results()
    return records, failures, fetches, failed


MAX_FETCHING = 8  # fetch tasks at once (threads: hosts fetched in parallel)
MAX_AHEAD = 4 * BATCH_SIZE  # fetched pages waiting for extraction, at most (bodies in memory)


def _fetch_extract_on_cluster(
    run: _Run,
    batches: list[list[Candidate]],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    fetches: list[FetchResult],
    address: str | None,
) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
    """Fan batches out to the cluster; read back the staging files they wrote, in order.
    Only this stage goes to Dask: discovery is a few requests, and the load is one writer."""
    if not batches:  # nothing new tonight: no cluster to start
        return [], []
    logger = get_run_logger()
    for stale in staging_files.clear_others(run.home, run.run_id):
        logger.warning("removed the staging files of run %s, which died before loading", stale)
    done: dict[int, tuple[Path | None, list[ExtractFailure]]] = {}
    with dask_runner(address) as runner:
        futures: list[Any] = []
        for batch, waits in zip(batches, after_same_host(batches), strict=True):
            parameters = {
                "batch": batch,  # no quote(): Dask takes its tuple apart on the way
                "policy": policy,
                "robots": robots,
                "validators": validators,
                "home": run.home,
                "run_id": run.run_id,
                "recogniser": run.recogniser,
            }
            wait_for = [futures[j] for j in waits]
            futures.append(runner.submit(fetch_extract_task, parameters, wait_for=wait_for))
        sizes = {id(f): len(b) for f, b in zip(futures, batches, strict=True)}
        with progress.reporter().stage("fetch and extract", sum(sizes.values())) as stage:
            for future in as_completed(list(futures)):
                try:
                    path, fetched, failed = future.result()
                except Exception as exc:
                    logger.error("a batch failed: %s: %s", type(exc).__name__, exc)
                    run.stage_failures[f"fetch batch failed: {type(exc).__name__}"] += 1
                    continue
                finally:
                    stage.advance(sizes[id(future)])
                done[id(future)] = (path, failed)
                fetches.extend(fetched)
    ordered = [done[id(f)] for f in futures if id(f) in done]  # the local path's order
    records = staging_files.read_records([p for p, _ in ordered if p is not None])
    return records, [f for _, failed in ordered for f in failed]


def dask_runner(address: str | None = None, workers: int | None = None) -> Any:
    """A prefect-dask task runner: the cluster at `address`, or a local one with a worker
    process per core (one thread each: extraction holds the GIL)."""
    from prefect.client.orchestration import get_client
    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)  # one line per worker event
    if address:  # its workers need PREFECT_API_URL of a server they can reach (scale-out.md)
        return DaskTaskRunner(address=address)
    n = workers or os.cpu_count() or 1
    # workers report to this run's Prefect API; without it each would start a temporary
    # server of its own (~15 s) and its task runs would not show in this run
    api = str(get_client().api_url).rstrip("/")
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": n,
            "threads_per_worker": 1,
            "processes": True,
            "silence_logs": logging.WARNING,
            "dashboard_address": None,
            "env": {"PREFECT_API_URL": api},
        }
    )


@flow(name="nightly-news", log_prints=True)
def nightly_news(
    sources_file: Path,
    home: Path,
    limit: int | None = None,
    command: str = "run",
    since: datetime | None = None,
    refresh: bool = False,
    wait_s: float = 300.0,
    until: datetime | None = None,
    task_runner: str = "local",
    dask_address: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> RunSummary:
    """Discover, fetch, extract, model, load, validate, export: one run."""
    settings = load_settings(Path(sources_file))
    return run_pipeline(
        settings,
        Path(home),
        limit,
        command,
        since,
        refresh,
        wait_s,
        until,
        task_runner,
        dask_address,
        batch_size,
    )


# -- ingest --------------------------------------------------------------------------------
@task(name="archive-local-inputs", cache_policy=NO_CACHE)
def archive_inputs_task(paths: list[Path], home: Path, run_id: str) -> list[FetchResult]:
    """Read local files and copy each document into the raw archive first."""
    documents = []
    con = connect(home)
    try:  # files archived before are not copied again
        known = {
            (url, digest): ArchiveRef(file, offset, length, digest)
            for url, digest, file, offset, length in con.execute(
                "select url, sha256, warc_file, warc_offset, warc_length from raw.fetch "
                "where purpose = 'ingest'"
            ).fetchall()
        }
    finally:
        con.close()
    with _archive(home, run_id, "ingest", datetime.now(UTC)) as archive:
        for doc in read_inputs(paths):
            digest = hashlib.sha256(doc.body).hexdigest()
            doc.archive = known.get((doc.url, digest)) or archive.write_resource(
                doc.url, doc.body, doc.content_type or "", doc.fetched_at, doc.url
            )
            documents.append(doc)
    return documents


@flow(name="ingest-local", log_prints=True)
def ingest_local(paths: list[Path], home: Path, wait_s: float = 300.0) -> RunSummary:
    """Load local HTML, WARC and text articles with no network."""
    home = Path(home)
    run = _Run(home, "ingest", 0, wait_s, recogniser=recogniser_from_env())

    def body() -> RunSummary:
        documents = archive_inputs_task([Path(p) for p in paths], home, run.run_id)
        run.summary.urls_discovered = len(documents)
        names = sorted({d.source_name or LOCAL_SOURCE for d in documents})
        sources = [  # no settings to version: an existing source keeps its current version
            SourceInfo(n, None if n == LOCAL_SOURCE else f"https://{n}/", versioned=False)
            for n in names
        ]
        run.summary.sources = len(sources)
        return run.finish(documents, [], sources, archived=documents)

    return _guarded(run, body)


# -- reprocess -----------------------------------------------------------------------------
def _fingerprints(home: Path) -> Any:
    con = connect(home)
    try:
        return fingerprints(con)
    finally:
        con.close()


@task(name="read-archive", cache_policy=NO_CACHE)
def read_archive_task(home: Path, since: datetime | None) -> list[FetchResult]:
    """The newest good copy of every article in the raw archive, as pages to re-extract."""
    con = connect(home)
    try:
        rows = query_frame(
            con,
            """
            select url, final_url, source_name, purpose, content_type, fetched_at, evidence,
                   warc_file, warc_offset, warc_length, sha256
            from raw.fetch
            where outcome = 'ok' and purpose in ('article', 'ingest')
              and (?::timestamptz is null or fetched_at >= ?::timestamptz)
            qualify row_number() over (partition by url order by fetched_at desc) = 1
            order by fetched_at, url
            """,
            [since, since],
        )
    finally:
        con.close()
    pages = []
    for row in rows.iter_rows(named=True):
        ref = ArchiveRef(row["warc_file"], row["warc_offset"], row["warc_length"], row["sha256"])
        document = read_document(home, ref)
        pages.append(
            FetchResult(
                url=row["url"],
                purpose=row["purpose"],
                source_name=row["source_name"],
                final_url=row["final_url"],
                host=host_of(row["url"]),
                status=document.status,
                content_type=row["content_type"],
                outcome="ok",
                error=None,
                bytes=len(document.body),
                elapsed_ms=0,
                fetched_at=row["fetched_at"],
                body=document.body,
                candidate=evidence_candidate(row["evidence"]),
            )
        )
    return pages


@flow(name="reprocess-archive", log_prints=True)
def reprocess_archive(
    home: Path, since: datetime | None = None, wait_s: float = 300.0
) -> RunSummary:
    """Re-extract and re-model every archived article, with no network."""
    home = Path(home)
    run = _Run(home, "reprocess", 0, wait_s, recogniser=recogniser_from_env())

    def body() -> RunSummary:
        pages = read_archive_task(home, since)
        run.summary.urls_discovered = len(pages)
        names = sorted({p.source_name or LOCAL_SOURCE for p in pages})
        run.summary.sources = len(names)
        sources = [SourceInfo(n, None, versioned=False) for n in names]
        before = _fingerprints(home)
        summary = run.finish(pages, [], sources, versioning=False)
        summary.changes = compare(before, _fingerprints(home))
        return summary

    return _guarded(run, body)
