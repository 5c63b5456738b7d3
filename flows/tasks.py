"""The tasks: thin Prefect wrappers, each over a group of sources or a batch of pages, never
one article. The work is in flows/acquire/ (discovery, fetching), flows/staging/ (building
packages) and warehouse/ (load, export); a task names the unit Prefect retries and shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.utilities.annotations import quote  # Prefect walks parameters looking for futures

from flows.acquire.discovery import Discovery
from flows.acquire.fetching import Fetcher, FetchPolicy
from flows.cli import progress
from flows.cluster import ahead_of_the_rest, dask_runner
from flows.config import QualitySettings, SourceSettings
from flows.staging.build import BatchWork, Built, fetched_work, release_memory, stage_batch
from flows.staging.pool import Staged, StagingPool, fetch_into
from transforms.batches import after_same_host, batch_name
from transforms.discover import source_failure
from transforms.model import SourceInfo, build_dim_source
from transforms.records import Candidate, FetchResult, Validators
from warehouse import packages
from warehouse.db import connect, export_memory
from warehouse.export import export_marts, publish_snapshot
from warehouse.faults import checkpoint
from warehouse.load import LoadCounts, add_counts, load_packages, loaded_packages
from warehouse.packages import Package
from warehouse.raw_archive import read_document, stage_archive

MAX_FETCHING = 8  # fetch tasks at once (threads: hosts fetched in parallel)
MAX_AHEAD = 150  # fetched pages waiting for staging, at most (their bodies are in memory): a
# batch in each of two workers and one ready for the first to finish; with larger batches
# (GAZETTE_BATCH_SIZE), three of the largest
AHEAD_BATCHES = 3
MAX_AHEAD_LOCAL = 100  # the same for local documents, read in a blink: a batch a worker is
# enough ahead (a 3,000-record WARC: the run's process 25 MB smaller, as fast; bench/README.md)


@dataclass(frozen=True, slots=True)
class StageContext:
    """What every discovery, fetch and stage task of one run shares: where, which run, when,
    how politely, what robots.txt said (read once per host per run) and which validators
    make a fetch conditional. One value, so a task's signature is its unit of work and this."""

    home: Path
    run_id: str
    now: datetime
    policy: FetchPolicy
    robots: dict[str, str | None]
    validators: dict[str, Validators]
    recogniser: str | None


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
    sources: list[SourceSettings], context: StageContext
) -> tuple[list[SourceFound], list[FetchResult], dict[str, str | None]]:
    """Read a group of sources' feeds, sitemaps and section pages (conditionally, by the
    context's validators), a few sources at once through one polite fetcher, archiving them in
    one file. A broken source is a result to record (its attempts kept), not a traceback."""
    home, validators = context.home, context.validators
    with (
        stage_archive(home, context.run_id, "discover", datetime.now(UTC)) as archive,
        Fetcher(context.policy, archive=archive.write_response) as fetcher,
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
def fetch_task(batch: list[Candidate], context: StageContext) -> list[FetchResult]:
    """Fetch one batch of article URLs: concurrent across hosts, polite within each."""
    return _fetch_batch(batch, context)


def _fetch_batch(batch: list[Candidate], context: StageContext) -> list[FetchResult]:
    with (
        stage_archive(context.home, context.run_id, "fetch", datetime.now(UTC)) as archive,
        Fetcher(context.policy, archive=archive.write_response, robots=context.robots) as fetcher,
    ):
        fetcher.fetch_many(
            batch, validators=context.validators, on_each=lambda _: progress.advance("fetch")
        )
        return fetcher.log


@task(name="fetch-batch", task_run_name="fetch {name}: {batch[0].url} and the rest",
      cache_policy=NO_CACHE)  # fmt: skip
def fetch_remote_task(batch: list[Candidate], name: str, context: StageContext) -> BatchWork:
    """Scale-out: one batch fetched where it runs (a Dask worker) and archived in the shared
    home; what travels on to the worker that stages it is the batch's work, page bodies
    left in the archive."""
    fetched = _fetch_batch(batch, context)
    urls = [c.url for c in batch]
    return fetched_work(context.home, context.run_id, name, urls, fetched, context.recogniser)


@task(name="stage-batch", task_run_name="stage {work.batch}", cache_policy=NO_CACHE)
def stage_remote_task(work: BatchWork, context: StageContext) -> Package:
    """Scale-out: one fetched batch staged where it runs, as the same package a local pool
    worker makes; only its manifest travels back. The home must be storage every worker and
    the loader share."""
    return stage_batch(work, context.now)


@task(name="fetch-and-stage", cache_policy=NO_CACHE)
def fetch_and_stage_task(batches: list[list[Candidate]], context: StageContext) -> Staged:
    """Fetch batches (a `fetch-batch` task each, in threads); each batch, once fetched, is
    staged by the process pool this task holds while the next ones download."""
    waits = after_same_host(batches)
    waiters = Counter(j for wait in waits for j in wait)  # later batches waiting on each
    futures: dict[int, Any] = {}

    def start(i: int) -> Any:
        future = fetch_task.submit(
            quote(batches[i]), quote(context), wait_for=[futures[j] for j in waits[i]]
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
        name = batch_name("b", i)
        return fetched_work(context.home, context.run_id, name, urls, fetched, context.recogniser)

    report = progress.reporter()
    pages = sum(len(b) for b in batches)
    fetching = report.stage("fetch", pages)  # made first: the bars read in the stages' order
    with (
        report.stage("stage", pages) as staging,
        StagingPool(context.now, on_staged=_reporting(staging.advance)) as pool,
    ):
        with fetching:
            failed = fetch_into(
                pool,
                batches,
                start,
                lambda running: next(iter(as_completed(running))),
                work,
                MAX_FETCHING,
                max(MAX_AHEAD, AHEAD_BATCHES * max(map(len, batches), default=0)),
            )  # the fetch bar moves a page at a time, from the fetch threads
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


def batch_context(context: StageContext, batch: list[Candidate]) -> StageContext:
    """The run's context with the validators of one batch's URLs only. A Dask task's
    arguments are hashed and shipped to its worker: with every URL's validators, each task
    carried the whole night's conditional fetches, O(N) a task and O(N²) a night."""
    validators = context.validators
    mine = {c.url: validators[c.url] for c in batch if c.url in validators}
    return replace(context, validators=mine)


@task(name="stage-on-cluster", cache_policy=NO_CACHE)
def stage_on_cluster(
    batches: list[list[Candidate]], context: StageContext, address: str | None
) -> Staged:
    """Fan batches out to the cluster; each comes back as the name of its package. Only this
    stage goes to Dask: discovery is a few requests, and the load is one writer."""
    staged = Staged()
    if not batches:  # nothing new tonight: no cluster to start
        return staged
    logger = get_run_logger()
    staging_only = replace(context, robots={}, validators={})  # staging reads neither
    with dask_runner(address) as runner:
        # a batch's fetch waits for the fetch of the last batch on its hosts (politeness), not
        # for its staging: waiting for the whole of it left one core extracting per host
        fetches: list[Any] = []
        futures: list[Any] = []
        for i, (batch, waits) in enumerate(zip(batches, after_same_host(batches), strict=True)):
            parameters = {
                "batch": batch,  # no quote(): Dask takes its tuple apart on the way
                "name": batch_name("b", i),
                "context": batch_context(context, batch),
            }
            wait_for = [fetches[j] for j in waits]
            with ahead_of_the_rest():
                fetches.append(runner.submit(fetch_remote_task, parameters, wait_for=wait_for))
            staging = {"work": fetches[-1], "context": staging_only}
            futures.append(runner.submit(stage_remote_task, staging))
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
) -> tuple[str, list[str], list[str], Path | None]:
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
    from expectations.runner import check_line

    failed = [check_line(r) for r in report.critical_failures]
    return report.verdict, failed, [check_line(r) for r in report.warnings], report.docs_index


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
