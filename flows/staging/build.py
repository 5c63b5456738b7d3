"""Batches to staged packages: the plain function a local pool worker or a Dask worker runs.

A batch's life: its pages are extracted, enriched and modelled into the batch's rows
(`build_package`, CPU: a worker process), the rows pass the row-level gate and the package is
sealed (`finish_package`, in one thread of the parent: GX is imported once), and then
nothing of the batch stays in memory. `stage_batch` is both halves in one call, for a worker
that does the whole batch (Dask).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from flows.staging.page_limit import (
    PageTimeout,
    on_page,
    page_time_limit,
    time_limit,
    timeout_reason,
)
from transforms.article import Article
from transforms.model import QUARANTINE_SCHEMA, record_key
from transforms.records import FetchResult
from transforms.tables import batch_tables
from warehouse.packages import Manifest, Package, partial_dir, seal, write_tables


def release_memory() -> None:
    """Hand freed heap back to the OS (glibc keeps it otherwise): a batch's pages and rows are
    freed once its package is sealed, and without this the run's RSS would still creep up with
    the night in fragments the allocator keeps."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim this way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@dataclass(slots=True)
class BatchWork:
    """One batch, as handed to a worker: what to record and what to extract."""

    home: Path
    run_id: str
    batch: str  # the package's name in the run, sortable: b000017
    urls: list[str]  # every URL the batch stands for (a resume skips them)
    fetches: list[FetchResult] = field(default_factory=list)  # HTTP attempts to record
    pages: list[FetchResult] = field(default_factory=list)  # documents to extract
    archived: list[FetchResult] = field(default_factory=list)  # archived, not fetched (ingest)
    recogniser: str | None = "rules"
    versioning: bool = True  # False: a reprocess (versions rewritten in place at load)
    page_time_limit_s: float = field(default_factory=page_time_limit)
    # pages not to extract again, with the reason: one ran past its limit or killed its worker
    given_up: dict[str, str] = field(default_factory=dict)
    attempts: int = 0  # deaths of its pool that no page explains (see StagingPool._seal)
    watched: bool = False  # a StagingPool watches its workers: say which page is being read


@dataclass(slots=True)
class Built:
    """A partial package and what the parent reports of it."""

    folder: Path
    manifest: Manifest
    dropped: list[tuple[str, str, str]]  # (stage, url, reason)
    warnings: list[str]


def usable_pages(pages: Iterable[FetchResult]) -> list[FetchResult]:
    """The fetched pages worth extracting: good answers to article requests or ingests."""
    return [p for p in pages if p.ok and p.purpose in ("article", "ingest")]


def fetched_work(
    home: Path,
    run_id: str,
    batch: str,
    urls: list[str],
    fetched: list[FetchResult],
    recogniser: str | None,
) -> BatchWork:
    """A fetched batch as work: copies of its usable pages (the caller may then empty the
    originals, which the fetch task's result also holds), its attempts without bodies.

    A page the fetch archived travels without its body: the worker reads it back from the
    raw archive (`page_body`), so the run's process holds and pickles no page bytes for the
    batches waiting for a worker."""
    return BatchWork(
        home,
        run_id,
        batch,
        urls,
        fetches=[replace(f, body=b"") for f in fetched],
        pages=[replace(p, body=b"") if p.archive else replace(p) for p in usable_pages(fetched)],
        recogniser=recogniser,
    )


def page_body(home: Path, page: FetchResult) -> FetchResult:
    """The page with its body, read back from the raw archive if it travelled without it."""
    if page.body or page.archive is None:
        return page
    from warehouse.raw_archive import read_document

    return replace(page, body=read_document(home, page.archive).body)


def build_package(work: BatchWork) -> Built:
    """Extract, enrich and model one batch; write its tables to the batch's partial folder."""
    from transforms.staging import staging_frame

    failures, dropped = _fetch_failures(work.fetches)
    articles: list[Article] = []
    quarantined: list[dict[str, Any]] = []
    warnings: list[str] = []
    for page in work.pages:
        found = extract_page(work, page)
        if isinstance(found, str):
            failures[f"extract: {found.split(' (')[0]}"] += 1
            dropped.append(("extract", page.url, found))
            quarantined.append(_quarantine_row(page, found))
            continue
        error = found.enrichment.error
        if error:
            # an article whose enrichment crashed still loads; the crash is counted, not hidden
            failures[f"enrich: {error.split(':')[0]}"] += 1
            warnings.append(f"enrichment failed for {found.url}: {error}")
        articles.append(found)
    articles = list({record_key(a): a for a in articles}.values())
    frames = batch_tables(articles, work.fetches, work.run_id, work.archived)
    frames["gate"] = staging_frame(articles)
    frames["quarantine"] = pl.DataFrame(quarantined, schema=QUARANTINE_SCHEMA)
    folder = partial_dir(work.home, work.run_id, work.batch)
    if folder.exists():  # a batch retried after its worker died
        shutil.rmtree(folder)
    write_tables(folder, frames)
    manifest = _manifest(work, articles, failures)
    del articles, frames
    release_memory()  # a worker's heap goes back to the size of its stack between batches
    return Built(folder, manifest, dropped, warnings)


def extract_page(work: BatchWork, page: FetchResult) -> Article | str:
    """The page's article, or why there is none: given up before (its worker died on it), its
    archived body lost, the extractor's reason, or its time limit.

    The extraction stack is imported here, not by the module: the run's own process hands
    batches to the workers and never needs it (about 30 MB) unless a small run builds its
    batches in-process."""
    from flows.staging.extract import extract_one, work_item

    given_up = work.given_up.get(page.url)
    if given_up is not None:
        return given_up
    try:
        page = page_body(work.home, page)
    except Exception as exc:  # lost or damaged: OSError, warcio's, zlib's errors, ...
        return f"archived body unreadable ({type(exc).__name__}: {exc})"
    limit = work.page_time_limit_s
    try:
        watch = on_page(work.home, work.batch, page.url) if work.watched else nullcontext()
        with watch, time_limit(limit):
            return extract_one(work_item(page, work.recogniser))
    except PageTimeout:
        return timeout_reason(limit)


def _fetch_failures(
    fetches: Sequence[FetchResult],
) -> tuple[Counter[str], list[tuple[str, str, str]]]:
    """Failed fetches by reason, and the article URLs they cost, as (stage, url, reason)."""
    failures: Counter[str] = Counter()
    dropped: list[tuple[str, str, str]] = []
    for f in fetches:
        if f.outcome in ("ok", "not_modified"):
            continue
        failures[f"{f.outcome} ({f.status})" if f.outcome == "http_error" else f.outcome] += 1
        if f.purpose == "article":
            dropped.append(("fetch", f.url, f"{f.outcome}: {f.error or f.status}"))
    return failures, dropped


def _quarantine_row(page: FetchResult, reason: str) -> dict[str, Any]:
    return {
        "url": page.url,
        "article_key": None,
        "stage": "extract",
        "expectation": None,
        "reason": reason,
        "record": f'{{"source_name": {_json(page.source_name)}}}',
    }


def _manifest(work: BatchWork, articles: list[Article], failures: Counter[str]) -> Manifest:
    kept = (*work.fetches, *work.archived)
    return Manifest(
        run_id=work.run_id,
        batch=work.batch,
        urls=list(work.urls),
        outcomes=dict(Counter(f.outcome for f in work.fetches)),
        failures=dict(failures),
        warc_files=sorted({f.archive.warc_file for f in kept if f.archive is not None}),
        extracted=len(articles),
        sources=sorted(
            {a.source_name for a in articles if a.source_name}
            | {f.source_name for f in kept if f.source_name}
        ),
        retry=sorted(
            {
                f.url
                for f in work.fetches
                if f.purpose == "article"
                and f.outcome not in ("ok", "not_modified")
                and f.status not in (404, 410)  # gone is an answer; the rest may pass
            }
        ),
        versioning=work.versioning,
    )


def _json(value: str | None) -> str:
    import json

    return json.dumps(value)


def finish_package(built: Built, now: datetime) -> tuple[Package, list[tuple[str, str, str]]]:
    """The row gate over the batch, then the rename that makes the package whole. Returns the
    package and the rows the gate held back, as (stage, url, reason)."""
    from expectations.row_gate import gate_package

    gate_package(built.folder, now)
    package = seal(built.folder, built.manifest)
    held = pl.read_parquet(package.file("quarantine")).filter(pl.col("stage") == "validate")
    return package, [("quarantine", u, r) for u, r in held.select("url", "reason").iter_rows()]


def stage_batch(work: BatchWork, now: datetime) -> Package:
    """A whole batch to a sealed package, in one call (a Dask worker)."""
    package, _ = finish_package(build_package(work), now)
    return package
