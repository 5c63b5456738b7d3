"""The flows: nightly (discover, fetch, ...), ingest (local files) and reprocess (the archive).

A table of contents: each flow opens a run's ledger (flows/ledger.py), stages its input as
packages on disk batch by batch through the tasks (flows/tasks.py), and ends the same way:
load the packages, validate, export. The work itself is in flows/acquire/, flows/staging/ and
the layers below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote  # Prefect walks parameters looking for futures

from flows.acquire.archived import archived_batches
from flows.acquire.ingest import LOCAL_SOURCE, document_batches, host_homepage
from flows.cli import progress
from flows.config import (
    RunOptions,
    Settings,
    load_settings,
    quality_of,
    recogniser_from_env,
    remember_sources,
)
from flows.ledger import RunLedger, absolute_home, guarded
from flows.served import check_served_parameters
from flows.summary import RunSummary
from flows.tasks import (
    DISCOVERY_GROUP,
    SourceFound,
    StageContext,
    discover_task,
    fetch_and_stage_task,
    stage_documents_task,
    stage_on_cluster,
)
from transforms.batches import batch_name, host_batches
from transforms.incremental import select_candidates
from transforms.model import SourceInfo
from transforms.records import Candidate, FetchResult, Validators
from warehouse import packages
from warehouse.changes import compare, fingerprints
from warehouse.db import connect
from warehouse.state import archived_articles, archived_ingests, discovery_state, known_pages


def run_pipeline(settings: Settings, home: Path, options: RunOptions) -> RunSummary:
    """Discover, select what is new or changed and no package holds, fetch and stage, then
    the shared back half.

    task_runner "dask": batches are fetched and staged on a Dask cluster (the one at
    dask_address, or a local one); "local": fetching runs in threads and each fetched batch
    goes to a local process pool. Both leave the same packages."""
    logger = get_run_logger()
    run = RunLedger(
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
        context = StageContext(
            home, run.run_id, run.now, settings.fetch_policy(), {}, {}, run.recogniser
        )
        held = _resumable(home, logger)
        candidates, robots = _discover(run, settings, context, options.refresh)
        batches, validators = _plan(run, candidates, held, options)
        context = replace(context, robots=robots, validators=validators)
        if options.task_runner == "dask":
            staged = stage_on_cluster(quote(batches), quote(context), options.dask_address)
        else:
            staged = fetch_and_stage_task(quote(batches), quote(context))
        run.stage_failures.update(staged.failed)
        run.summary.article_fetches = sum(len(b) for b in batches)
        return run.finish(sources)

    return guarded(run, body)


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
    run: RunLedger, settings: Settings, context: StageContext, refresh: bool
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
    context = replace(context, validators=remembered)
    futures = [discover_task.submit(group, quote(context)) for group in groups]
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
    run: RunLedger, candidates: list[Candidate], held: set[str], options: RunOptions
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
    remember_sources(absolute_home(home), Path(sources_file))
    return run_pipeline(settings, absolute_home(home), options or RunOptions())


@flow(name="ingest-local", log_prints=True)
def ingest_local(paths: list[Path], home: Path, wait_s: float = 300.0) -> RunSummary:
    """Load local HTML, WARC and text articles with no network."""
    home = absolute_home(home)
    run = RunLedger(home, "ingest", 0, wait_s, recogniser=recogniser_from_env())

    def body() -> RunSummary:
        names: set[str] = set()

        def seen(document: FetchResult) -> None:
            run.summary.urls_discovered += 1
            if document.ok:
                names.add(document.source_name or LOCAL_SOURCE)

        con = connect(home)
        try:
            known = archived_ingests(con)
        finally:
            con.close()
        paths_ = [Path(p) for p in paths]
        size = RunOptions().batch_size
        batches = document_batches(paths_, home, run.run_id, run.recogniser, known, seen, size)
        staged = stage_documents_task(quote(batches), run.now)
        run.stage_failures.update(staged.failed)
        sources = [  # no settings to version: an existing source keeps its current version
            SourceInfo(n, host_homepage(n), versioned=False) for n in sorted(names)
        ]
        run.summary.sources = len(sources)
        return run.finish(sources)

    return guarded(run, body)


def _fingerprints(home: Path) -> Any:
    con = connect(home)
    try:
        return fingerprints(con)
    finally:
        con.close()


@flow(name="reprocess-archive", log_prints=True)
def reprocess_archive(
    home: Path, since: datetime | None = None, wait_s: float = 300.0
) -> RunSummary:
    """Re-extract and re-model every archived article, with no network."""
    home = absolute_home(home)
    run = RunLedger(
        home, "reprocess", 0, wait_s, quality_of(home), recogniser=recogniser_from_env()
    )

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
        size = RunOptions().batch_size
        batches = archived_batches(home, run.run_id, run.recogniser, rows, size)
        staged = stage_documents_task(quote(batches), run.now, rows.height)
        run.stage_failures.update(staged.failed)
        summary = run.finish([SourceInfo(n, None, versioned=False) for n in names], False)
        summary.changes = compare(before, _fingerprints(home))
        return summary

    return guarded(run, body)
