"""The flows: nightly (discover, fetch, ...), ingest (local files) and reprocess (the archive).

Each stages its input as packages on disk, batch by batch (flows/staging.py), and all three
end the same way: load the packages, validate, export. Tasks take plain values and paths and
open their own connections; each works on a source or a batch, never on one article.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.futures import as_completed
from prefect.utilities.annotations import quote  # Prefect walks parameters looking for futures

from flows import progress
from flows.cluster import dask_runner
from flows.config import (
    QualitySettings,
    RunOptions,
    Settings,
    SourceSettings,
    load_settings,
    recogniser_from_env,
)
from flows.discovery import Discovery
from flows.fetching import STOPPING, Fetcher, FetchPolicy
from flows.ingest import LOCAL_SOURCE, read_inputs
from flows.served import check_served_parameters
from flows.staging import (
    BatchWork,
    Built,
    Staged,
    StagingPool,
    build_package,
    fetch_into,
    fetched_work,
    finish_package,
    release_memory,
    stage_batch,
)
from transforms.batches import after_same_host, batch_name, host_batches
from transforms.discover import source_failure
from transforms.incremental import select_candidates
from transforms.model import SourceInfo, build_dim_source
from transforms.records import Candidate, FetchResult, Validators
from transforms.urls import normalise_url
from warehouse import ops, packages
from warehouse.changes import Changes, compare, fingerprints
from warehouse.db import connect, export_memory
from warehouse.export import export_marts, publish_snapshot
from warehouse.faults import checkpoint
from warehouse.load import LoadCounts, add_counts, load_packages, loaded_packages
from warehouse.lock import RunLock
from warehouse.packages import Package
from warehouse.raw_archive import WarcArchive, archived_page, read_document
from warehouse.report import summary_markdown, write_report
from warehouse.state import archived_articles, archived_ingests, discovery_state, known_pages
from warehouse.status import articles_per_source

SOURCE_FAILED_EXIT = 4
MAX_FETCHING = 8  # fetch tasks at once (threads: hosts fetched in parallel)
MAX_AHEAD = 150  # fetched pages waiting for staging, at most (their bodies are in memory): a
# batch in each of two workers and one ready for the first to finish
MAX_AHEAD_LOCAL = 100  # the same for local documents, read in a blink: a batch a worker is
# enough ahead (a 3,000-record WARC: the run's process 25 MB smaller, as fast; bench/README.md)


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
    article_fetches: int = 0  # article URLs fetched by this run
    resumed: int = 0  # URLs loaded from packages an interrupted run left
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
    failed_sources: dict[str, str] = field(default_factory=dict)  # name: why it gave nothing

    @property
    def exit_code(self) -> int:
        """0 ok; 1 a critical data-quality failure; 4 a whole source failed (the others
        loaded). 2 and 3 are the CLI's: bad usage or config, the warehouse busy."""
        if self.dq_verdict == "fail":
            return 1
        return SOURCE_FAILED_EXIT if self.failed_sources else 0


def absolute_home(home: Path | str) -> Path:
    """The home as an absolute path, once, where a flow starts: a deployment's `home: data`
    is relative to wherever its worker runs, and GX reads a relative docs folder relative to
    its own project folder (Data Docs landed in data/gx/gx/data/docs/)."""
    return Path(home).expanduser().resolve()


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _archive(home: Path, run_id: str, stage: str, now: datetime) -> WarcArchive:
    return WarcArchive(home, f"{run_id}-{stage}-{secrets.token_hex(3)}", now)


# -- tasks ---------------------------------------------------------------------------------
# sources one discovery task reads, and how many of them at once: a task (and a WARC file,
# and a staged package) per source made 10,000 sources a run of 10,000 tasks and files
DISCOVERY_GROUP = 50
DISCOVERY_THREADS = 8


@dataclass(frozen=True, slots=True)
class SourceFound:
    """What discovery gave for one source: its candidate URLs, how many it announced past its
    cap (the oldest), and why it failed as a whole, if it did."""

    candidates: list[Candidate]
    cut: int
    failure: str | None


@task(
    name="discover-sources",
    task_run_name="discover {sources[0].name} and the rest",
    retries=1,
    retry_delay_seconds=5,
    cache_policy=NO_CACHE,
)
def discover_task(
    sources: list[SourceSettings],
    policy: FetchPolicy,
    home: Path,
    run_id: str,
    validators: dict[str, Validators],
) -> tuple[list[SourceFound], list[FetchResult], dict[str, str | None]]:
    """Read a group of sources' feeds, sitemaps and section pages (conditionally), a few
    sources at once through one polite fetcher, archiving them in one file. A broken source
    is a result to record (its attempts kept), not a task's traceback."""
    with (
        _archive(home, run_id, "discover", datetime.now(UTC)) as archive,
        Fetcher(policy, archive=archive.write_response) as fetcher,
        ThreadPoolExecutor(max_workers=DISCOVERY_THREADS, thread_name_prefix="discover") as pool,
    ):
        found = list(pool.map(lambda s: _discover_one(s, fetcher, validators, home), sources))
        return found, fetcher.log, fetcher.robots_rules()


def _discover_one(
    source: SourceSettings, fetcher: Fetcher, validators: dict[str, Validators], home: Path
) -> SourceFound:
    discovery = Discovery(fetcher, validators, lambda ref: read_document(home, ref).body)
    try:
        candidates = discovery.source(source)
    except Exception as exc:  # the attempts made so far are kept and staged
        return SourceFound([], discovery.cut, f"discovery failed: {type(exc).__name__}: {exc}")
    failure = source_failure(candidates, fetcher.log_of(source.name))
    return SourceFound(candidates, discovery.cut, failure)


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
    name="fetch-and-stage-batch",
    task_run_name="fetch and stage {batch[0].url} and the rest",
    cache_policy=NO_CACHE,
)
def stage_remote_task(
    batch: list[Candidate],
    name: str,
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
    recogniser: str | None,
    now: datetime,
) -> Package:
    """Scale-out: one batch fetched and staged where it runs (a Dask worker), as the same
    package a local pool worker makes; only its manifest travels back. `home` must be
    storage every worker and the loader share."""
    fetched = _fetch_batch(batch, policy, robots, validators, home, run_id)
    urls = [c.url for c in batch]
    return stage_batch(fetched_work(home, run_id, name, urls, fetched, recogniser), now)


@task(name="fetch-and-stage", cache_policy=NO_CACHE)
def fetch_and_stage_task(
    batches: list[list[Candidate]],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
    recogniser: str | None,
    now: datetime,
) -> Staged:
    """Fetch batches (a `fetch-batch` task each, in threads); each batch, once fetched, is
    staged by the process pool this task holds while the next ones download."""
    waits = after_same_host(batches)
    waiters = Counter(j for wait in waits for j in wait)  # later batches waiting on each
    futures: dict[int, Any] = {}

    def start(i: int) -> Any:
        future = fetch_task.submit(
            quote(batches[i]),
            policy,
            quote(robots),
            quote(validators),
            home,
            run_id,
            wait_for=[futures[j] for j in waits[i]],
        )
        if waiters[i]:
            futures[i] = future
        for j in waits[i]:  # a future nobody will wait on again is let go: memory stays flat
            waiters[j] -= 1
            if not waiters[j]:
                del futures[j]
        return future

    def work(i: int, fetched: list[FetchResult]) -> BatchWork:
        urls = [c.url for c in batches[i]]
        return fetched_work(home, run_id, batch_name("b", i), urls, fetched, recogniser)

    report = progress.reporter()
    with (
        report.stage("stage", sum(len(b) for b in batches)) as staging,
        StagingPool(now, on_staged=_reporting(staging.advance)) as pool,
    ):
        with report.stage("fetch", sum(len(b) for b in batches)) as fetching:
            failed = fetch_into(
                pool,
                batches,
                start,
                lambda running: next(iter(as_completed(running))),
                work,
                MAX_FETCHING,
                MAX_AHEAD,
                on_fetched=fetching.advance,
            )
        staged = pool.finish()
    staged.failed.update(failed)
    return staged


def _reporting(advance: Callable[[int], None]) -> Callable[[Package, Built, list], None]:
    """What the run says as each package is sealed: the pages it dropped, and why."""
    logger = get_run_logger()
    staged = 0

    def on_staged(package: Package, built: Built, held: list[tuple[str, str, str]]) -> None:
        nonlocal staged
        report = progress.reporter()
        for what, url, reason in [*built.dropped, *held]:
            report.dropped(what, url, reason)
        for warning in built.warnings:
            logger.warning(warning)
        advance(len(package.manifest.urls))
        staged += 1
        checkpoint("staged", staged)  # crash drill: some batches staged, the rest not

    return on_staged


@task(name="stage-on-cluster", cache_policy=NO_CACHE)
def stage_on_cluster(
    batches: list[list[Candidate]],
    policy: FetchPolicy,
    robots: dict[str, str | None],
    validators: dict[str, Validators],
    home: Path,
    run_id: str,
    recogniser: str | None,
    now: datetime,
    address: str | None,
) -> Staged:
    """Fan batches out to the cluster; each comes back as the name of its package. Only this
    stage goes to Dask: discovery is a few requests, and the load is one writer."""
    staged = Staged()
    if not batches:  # nothing new tonight: no cluster to start
        return staged
    logger = get_run_logger()
    with dask_runner(address) as runner:
        futures: list[Any] = []
        for i, (batch, waits) in enumerate(zip(batches, after_same_host(batches), strict=True)):
            parameters = {
                "batch": batch,  # no quote(): Dask takes its tuple apart on the way
                "name": batch_name("b", i),
                "policy": policy,
                "robots": robots,
                "validators": validators,
                "home": home,
                "run_id": run_id,
                "recogniser": recogniser,
                "now": now,
            }
            wait_for = [futures[j] for j in waits]
            futures.append(runner.submit(stage_remote_task, parameters, wait_for=wait_for))
        sizes = {id(f): len(b) for f, b in zip(futures, batches, strict=True)}
        with progress.reporter().stage("fetch and stage", sum(sizes.values())) as stage:
            for future in as_completed(list(futures)):
                try:
                    staged.packages.append(future.result())
                except Exception as exc:
                    logger.error("a batch failed: %s: %s", type(exc).__name__, exc)
                    staged.failed[f"fetch batch failed: {type(exc).__name__}"] += 1
                finally:
                    stage.advance(sizes[id(future)])
    staged.packages.sort(key=lambda p: p.manifest.batch)
    return staged


@task(name="stage-documents", cache_policy=NO_CACHE)
def stage_documents_task(
    batches: Iterator[BatchWork], now: datetime, total: int | None = None
) -> Staged:
    """Local documents (ingest) or archived pages (reprocess), batch by batch through the
    pool; reading waits while the pool is `MAX_AHEAD_LOCAL` pages behind."""
    report = progress.reporter()
    with (
        report.stage("stage", total) as staging,
        StagingPool(now, on_staged=_reporting(staging.advance)) as pool,
    ):
        for work in batches:
            pool.wait_for_room(MAX_AHEAD_LOCAL)
            pool.submit(work)
        return pool.finish()


@task(name="load-packages", cache_policy=NO_CACHE)
def load_task(
    home: Path, run_id: str, now: datetime, sources: list[SourceInfo], versioning: bool = True
) -> tuple[LoadCounts, list[Package], list[dict[str, Any]]]:
    """Every complete package under the home (this run's, and those an interrupted run left)
    into the marts, in one transaction. Returns the counts, the packages loaded and the row
    gate's results over them; the packages are removed once the load committed."""
    from expectations.row_gate import combine_results

    logger = get_run_logger()
    # this run's own packages were sealed a moment ago: their footers suffice
    found = packages.inventory(home, sealed_by=run_id)
    for folder, why in found.discarded:
        logger.warning("discarded the staged package %s: %s", folder, why)
    con = connect(home)
    try:
        done = loaded_packages(con)
        stale = [p for p in found.packages if p.manifest.key in done]
        fresh = [p for p in found.packages if p.manifest.key not in done]
        for package in stale:  # committed before a crash, not yet removed
            logger.warning("removed the staged package %s: loaded already", package.folder)
        packages.remove(stale)
        gate = combine_results([p.file("dq_result") for p in fresh], run_id, now)
        # sources an interrupted run's rows name that this run does not configure
        named = {n for p in fresh for n in p.manifest.sources} - {s.name for s in sources}
        everyone = [*sources, *(SourceInfo(n, None, versioned=False) for n in sorted(named))]
        dim_source = build_dim_source(everyone, run_id, now)
        counts = LoadCounts(0, 0, 0, 0)
        # a reprocess rewrites in place, a run versions: each group loads in its own mode
        for mode, group in _by_mode(fresh, versioning):
            counts = add_counts(counts, load_packages(con, group, dim_source, run_id, now, mode))
    finally:
        con.close()
        release_memory()  # the load's buffers go back before validation takes its own
    packages.remove(fresh)
    return counts, fresh, gate


def _by_mode(staged: list[Package], versioning: bool) -> list[tuple[bool, list[Package]]]:
    """Runs of consecutive packages with the same load mode, in load order; one empty group
    in the run's own mode when there is nothing staged (sources are versioned all the same)."""
    groups: list[tuple[bool, list[Package]]] = []
    for package in staged:
        if groups and groups[-1][0] == package.manifest.versioning:
            groups[-1][1].append(package)
        else:
            groups.append((package.manifest.versioning, [package]))
    return groups or [(versioning, [])]


@task(name="validate-marts", cache_policy=NO_CACHE)
def validate_task(
    home: Path,
    run_id: str,
    now: datetime,
    quality: QualitySettings,
    staging: list[dict[str, Any]],
) -> tuple[str, list[str], Path | None]:
    """The second gate: the marts as a whole, across runs too; results to ops.dq_result,
    Data Docs rebuilt. Critical failures of either gate fail the run's verdict."""
    from expectations.marts_gate import validate_marts

    report = validate_marts(
        home,
        run_id,
        now,
        quality.freshness_hours,
        quality.volume_sigma,
        quality.trailing_days,
        earlier_results=staging,
    )
    failed = [
        f"{r['suite']}.{r['expectation']}({r['column_name']})" for r in report.critical_failures
    ]
    return report.verdict, failed, report.docs_index


@task(name="export-marts", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def export_task(home: Path, run_id: str) -> Path:
    """Parquet files of every mart table and view for BI, with their manifest."""
    con = connect(home, read_only=True, memory=export_memory())
    try:
        return export_marts(con, home / "exports" / "parquet", "parquet", run_id)
    finally:
        con.close()


@task(name="publish-bi-snapshot", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def snapshot_task(home: Path, run_id: str) -> Path:
    """exports/gazette.duckdb, the copy BI tools keep open while the next run writes."""
    return publish_snapshot(home, run_id)


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
        STOPPING.clear()  # a process may run flows one after another (tests, a notebook)
        # one writer per home: a second run waits here (bounded), then gives up clearly
        self.lock = RunLock(home, command, wait_s, on_wait=get_run_logger().warning)
        self.lock.__enter__()
        self.now = datetime.now(UTC)
        self.run_id = new_run_id(self.now)
        self.summary = RunSummary(run_id=self.run_id, home=home, sources=sources)
        self.stage_failures: Counter[str] = Counter()
        self.discovery_cut: Counter[str] = Counter()  # URLs past a source's cap, by source
        self._log_before = progress.log_to(get_run_logger())  # stage lines to the run's logs
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

    def stage_attempts(self, name: str, attempts: list[FetchResult]) -> None:
        """HTTP attempts that feed no article (discovery) as a package of their own."""
        if attempts:
            work = BatchWork(self.home, self.run_id, name, [], fetches=attempts)
            finish_package(build_package(work), self.now)

    def finish(self, sources: list[SourceInfo], versioning: bool = True) -> RunSummary:
        """Load every staged package, validate, export."""
        summary = self.summary
        report = progress.reporter()
        with report.stage("load") as stage:
            summary.load, loaded, gate = load_task(
                self.home, self.run_id, self.now, quote(sources), versioning
            )
            stage.advance(summary.load.articles_new + summary.load.articles_changed)
        mine = [p for p in loaded if p.manifest.run_id == self.run_id]
        totals = packages.summary(mine)
        summary.fetch_outcomes = totals["outcomes"]
        summary.articles_extracted = packages.summary(loaded)["extracted"]
        summary.resumed = sum(len(p.manifest.urls) for p in loaded if p not in mine)
        problems = Counter(totals["failures"])
        problems.update(self.stage_failures)
        summary.failures = dict(problems)
        summary.quarantined = summary.load.quarantined
        with report.stage("validate"):
            summary.dq_verdict, summary.dq_failed, summary.docs_index = validate_task(
                self.home, self.run_id, self.now, self.quality, quote(gate)
            )
        with report.stage("export"):
            summary.exports = export_task(self.home, self.run_id)
            if summary.dq_verdict != "fail":  # BI keeps the last good snapshot
                summary.snapshot = snapshot_task(self.home, self.run_id)
        return summary

    def close(self, status: str | None = None, message: str | None = None) -> None:
        try:
            self._record_end(status, message)
        finally:
            self.lock.__exit__(None, None, None)
            progress.log_to(self._log_before)

    def _record_end(self, status: str | None, message: str | None) -> None:
        s = self.summary
        if status is None:
            status = "failed_quality" if s.dq_verdict == "fail" else "succeeded"
        if message is None and s.failed_sources:
            message = "; ".join(f"source {n} failed: {why}" for n, why in s.failed_sources.items())
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
                article_fetches=s.article_fetches,
                articles_resumed=s.resumed,
                failures=sum(s.failures.values()),
                dq_verdict=s.dq_verdict,
                message=message,
                failures_by_reason=json.dumps(dict(sorted(s.failures.items()))),
            )
            # read while we still hold the home: after release another run may be writing
            s.per_source = articles_per_source(con, self.run_id)
            try:
                s.report = write_report(con, self.home, self.run_id)
            except Exception as exc:  # the run's outcome stands even if its page cannot be drawn
                get_run_logger().warning("run report not written: %s: %s", type(exc).__name__, exc)
        finally:
            con.close()


def _guarded(run: _Run, body: Callable[[], RunSummary]) -> RunSummary:
    try:
        summary = body()
    except (KeyboardInterrupt, TerminationSignal) as exc:  # Ctrl-C, or SIGTERM from serve
        STOPPING.set()  # the fetch threads stop too, so the process can exit
        why = "SIGTERM" if isinstance(exc, TerminationSignal) else "an interrupt"
        run.close(
            "abandoned",
            f"stopped by {why} before it finished: a load commits whole or not at all, and "
            "what it staged but did not load is loaded by the next run, which fetches only "
            "what no package holds",
        )
        raise
    except BaseException as exc:
        run.close("failed", f"{type(exc).__name__}: {exc}")
        raise
    with contextlib.suppress(OSError):  # a closed pipe under cron must not leave it open
        progress.reporter().run_done(run_line(summary))  # while the run's log is attached
    run.close()
    publish_artifacts(summary)
    return summary


def run_line(summary: RunSummary) -> str:
    """`run 20261201T020000Z: PASS, 16 new, 2 changed, 1 failure`: one line a run."""
    load = summary.load
    failures = sum(summary.failures.values())
    lost = f", {len(summary.failed_sources)} source(s) failed" if summary.failed_sources else ""
    return (
        f"run {summary.run_id}: {summary.dq_verdict.upper()}, "
        f"{load.articles_new if load else 0} new, {load.articles_changed if load else 0} changed, "
        f"{failures} failure{'' if failures == 1 else 's'}{lost}"
    )


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
            "resumed from an interrupted run": summary.resumed,
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
def run_pipeline(settings: Settings, home: Path, options: RunOptions) -> RunSummary:
    """Discover, select what is new or changed and no package holds, fetch and stage, then
    the shared back half.

    task_runner "dask": batches are fetched and staged on a Dask cluster (the one at
    dask_address, or a local one); "local": fetching runs in threads and each fetched batch
    goes to a local process pool. Both leave the same packages."""
    logger = get_run_logger()
    run = _Run(
        home,
        options.command,
        len(settings.sources),
        options.wait_s,
        settings.quality,
        settings.enrich.spec(),
    )
    sources = [
        SourceInfo(
            s.name, s.homepage, tuple(s.feeds), tuple(s.sitemaps), tuple(s.sections), tuple(s.urls)
        )
        for s in settings.sources
    ]

    def body() -> RunSummary:
        policy = settings.fetch_policy()
        held = _resumable(home, logger)
        candidates, robots = _discover(run, settings, policy, options.refresh)
        batches, validators = _plan(run, candidates, held, options)
        args = (policy, quote(robots), quote(validators), home, run.run_id, run.recogniser)
        if options.task_runner == "dask":
            staged = stage_on_cluster(quote(batches), *args, run.now, options.dask_address)
        else:
            staged = fetch_and_stage_task(quote(batches), *args, run.now)
        run.stage_failures.update(staged.failed)
        run.summary.article_fetches = sum(len(b) for b in batches)
        return run.finish(sources)

    return _guarded(run, body)


def _resumable(home: Path, logger: Any) -> set[str]:
    """URLs an interrupted run already staged: this run loads its packages instead."""
    found = packages.inventory(home)
    for folder, why in found.discarded:
        logger.warning("discarded the staged package %s: %s", folder, why)
    if found.packages:
        runs = sorted({p.manifest.run_id for p in found.packages})
        logger.warning(
            "resuming: %d staged packages (%d URLs) of interrupted run %s will be loaded",
            len(found.packages),
            len(found.urls),
            ", ".join(runs),
        )
    return found.urls


def _discover(
    run: _Run, settings: Settings, policy: FetchPolicy, refresh: bool
) -> tuple[list[Candidate], dict[str, str | None]]:
    """Every source's candidate URLs, and robots.txt as read (once per host per run), by
    groups of DISCOVERY_GROUP sources; each group's attempts are staged as one package."""
    logger = get_run_logger()
    con = connect(run.home)
    try:
        remembered = {} if refresh else discovery_state(con)
    finally:
        con.close()
    groups = [
        settings.sources[i : i + DISCOVERY_GROUP]
        for i in range(0, len(settings.sources), DISCOVERY_GROUP)
    ]
    futures = [
        discover_task.submit(group, policy, run.home, run.run_id, remembered) for group in groups
    ]
    candidates: list[Candidate] = []
    robots: dict[str, str | None] = {}
    with progress.reporter().stage("discover", len(settings.sources)) as stage:
        for g, (group, future) in enumerate(zip(groups, futures, strict=True)):
            try:
                found, attempts, rules = future.result()
            except Exception as exc:  # one broken group must not sink the others
                why = f"discovery failed: {type(exc).__name__}: {exc}"
                found, attempts, rules = [SourceFound([], 0, why) for _ in group], [], {}
            for source, one in zip(group, found, strict=True):
                if one.failure:
                    logger.error("source %s failed: %s", source.name, one.failure)
                    run.stage_failures[f"source failed ({source.name}): {one.failure}"] += 1
                    run.summary.failed_sources[source.name] = one.failure
                candidates.extend(one.candidates)
                if one.cut:
                    run.discovery_cut[f"past {source.name}'s cap (the oldest)"] += one.cut
                stage.advance()
            robots.update(rules)
            run.stage_attempts(batch_name("d", g), attempts)  # a package per group
    run.summary.urls_discovered = len(candidates)
    return candidates, robots


def _plan(
    run: _Run, candidates: list[Candidate], held: set[str], options: RunOptions
) -> tuple[list[list[Candidate]], dict[str, Validators]]:
    """What to fetch: new or changed URLs that no staged package holds, in host batches."""
    con = connect(run.home)
    try:
        known = known_pages(con, (c.url for c in candidates))
    finally:
        con.close()
    selection = select_candidates(
        candidates, known, refresh=options.refresh, since=options.since, until=options.until
    )
    to_fetch = [c for c in selection.to_fetch if c.url not in held]
    if len(to_fetch) < len(selection.to_fetch):
        selection.skipped["staged by an interrupted run"] += len(selection.to_fetch) - len(to_fetch)
    if options.limit is not None:
        to_fetch = to_fetch[: options.limit]
    selection.skipped.update(run.discovery_cut)
    run.summary.skipped = dict(selection.skipped)
    get_run_logger().info(
        "discovered %d article URLs, fetching %d (%s)",
        len(candidates),
        len(to_fetch),
        ", ".join(f"{k}: {v}" for k, v in selection.skipped.items()) or "none skipped",
    )
    return host_batches(to_fetch, options.batch_size), selection.validators


@flow(name="nightly-news", log_prints=True)
def nightly_news(sources_file: Path, home: Path, options: RunOptions | None = None) -> RunSummary:
    """Discover, fetch, extract, model, load, validate, export: one run."""
    check_served_parameters(Path(sources_file), Path(home), options)
    settings = load_settings(Path(sources_file).resolve())
    return run_pipeline(settings, absolute_home(home), options or RunOptions())


# -- ingest --------------------------------------------------------------------------------
def _ingest_batches(
    paths: list[Path], home: Path, run: _Run, names: set[str]
) -> Iterator[BatchWork]:
    """Local files read one document at a time, archived first (a file archived before is not
    copied again), handed on 50 documents to a batch."""
    con = connect(home)
    try:
        known = archived_ingests(con)
    finally:
        con.close()
    with _archive(home, run.run_id, "ingest", datetime.now(UTC)) as archive:
        documents: list[FetchResult] = []
        index = 0
        for doc in read_inputs(paths):
            if not doc.ok:  # a broken archive record: quarantined with its reason
                documents.append(doc)
                run.summary.urls_discovered += 1
                continue
            digest = hashlib.sha256(doc.body).hexdigest()
            doc.archive = known.get((doc.url, digest)) or archive.write_resource(
                doc.url, doc.body, doc.content_type or "", doc.fetched_at, doc.url
            )
            names.add(doc.source_name or LOCAL_SOURCE)
            documents.append(doc)
            run.summary.urls_discovered += 1
            if len(documents) == RunOptions().batch_size:
                yield _documents_work(run, batch_name("i", index), documents)
                documents, index = [], index + 1
        if documents:
            yield _documents_work(run, batch_name("i", index), documents)


def _documents_work(run: _Run, name: str, documents: list[FetchResult]) -> BatchWork:
    readable = [d for d in documents if d.ok]
    return BatchWork(
        run.home,
        run.run_id,
        name,
        [d.url for d in documents],
        pages=documents,
        archived=readable,
        recogniser=run.recogniser,
        given_up={d.url: d.error or "unreadable" for d in documents if not d.ok},
    )


def _host_homepage(name: str) -> str | None:
    """An ingested source named by its host gets that host's homepage; one named by gazette's
    own archive (a configured source's name) or a local file gets none."""
    if name == LOCAL_SOURCE or any(c.isspace() for c in name) or "." not in name:
        return None
    return normalise_url(f"https://{name}/")


@flow(name="ingest-local", log_prints=True)
def ingest_local(paths: list[Path], home: Path, wait_s: float = 300.0) -> RunSummary:
    """Load local HTML, WARC and text articles with no network."""
    home = absolute_home(home)
    run = _Run(home, "ingest", 0, wait_s, recogniser=recogniser_from_env())

    def body() -> RunSummary:
        names: set[str] = set()
        batches = _ingest_batches([Path(p) for p in paths], home, run, names)
        staged = stage_documents_task(quote(batches), run.now)
        run.stage_failures.update(staged.failed)
        sources = [  # no settings to version: an existing source keeps its current version
            SourceInfo(n, _host_homepage(n), versioned=False) for n in sorted(names)
        ]
        run.summary.sources = len(sources)
        return run.finish(sources)

    return _guarded(run, body)


# -- reprocess -----------------------------------------------------------------------------
def _fingerprints(home: Path) -> Any:
    con = connect(home)
    try:
        return fingerprints(con)
    finally:
        con.close()


def _archived_batches(home: Path, run: _Run, rows: Any) -> Iterator[BatchWork]:
    """Archived article pages, read back from the raw archive a batch at a time."""
    size = RunOptions().batch_size
    for index, start in enumerate(range(0, rows.height, size)):
        chunk = rows.slice(start, size)
        pages = [archived_page(home, row) for row in chunk.iter_rows(named=True)]
        yield BatchWork(
            home,
            run.run_id,
            batch_name("r", index),
            [p.url for p in pages],
            pages=pages,
            recogniser=run.recogniser,
            versioning=False,
        )


@flow(name="reprocess-archive", log_prints=True)
def reprocess_archive(
    home: Path, since: datetime | None = None, wait_s: float = 300.0
) -> RunSummary:
    """Re-extract and re-model every archived article, with no network."""
    home = absolute_home(home)
    run = _Run(home, "reprocess", 0, wait_s, recogniser=recogniser_from_env())

    def body() -> RunSummary:
        con = connect(home)
        try:
            rows = archived_articles(con, since)
        finally:
            con.close()
        run.summary.urls_discovered = rows.height
        names = sorted({n or LOCAL_SOURCE for n in rows.get_column("source_name").to_list()})
        run.summary.sources = len(names)
        before = _fingerprints(home)
        batches = _archived_batches(home, run, rows)
        staged = stage_documents_task(quote(batches), run.now, rows.height)
        run.stage_failures.update(staged.failed)
        summary = run.finish([SourceInfo(n, None, versioned=False) for n in names], False)
        summary.changes = compare(before, _fingerprints(home))
        return summary

    return _guarded(run, body)
