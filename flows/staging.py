"""Batches to staged packages: the plain function a local pool worker or a Dask worker runs,
and the pool that keeps the cores extracting while fetching goes on.

A batch's life: its pages are extracted, enriched and modelled into the batch's rows
(`build_package`, CPU: a worker process), the rows pass the row-level gate and the package is
sealed (`finish_package`, in one thread of the parent: GX is imported once), and then
nothing of the batch stays in memory. `stage_batch` is both halves in one call, for a worker
that does the whole batch (Dask).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from flows.page_limit import (
    PageTimeout,
    clear_watch,
    forget,
    kill,
    memory_reason,
    on_page,
    on_which_page,
    overdue,
    page_memory_limit_mb,
    page_time_limit,
    time_limit,
    timeout_reason,
)
from transforms.article import Article
from transforms.model import QUARANTINE_SCHEMA, record_key
from transforms.records import FetchResult
from transforms.tables import batch_tables
from warehouse.packages import Manifest, Package, partial_dir, seal, write_tables

WATCH_EVERY_S = 1.0  # how often the run's process looks for a worker stuck on one page
MAX_UNEXPLAINED_DEATHS = 3
POOL_THRESHOLD = 24  # pages; below this a pool's start-up (~1 s) costs more than it saves


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
    """Extract, enrich and model one batch; write its tables to the batch's partial folder.

    The extraction stack is imported here, not by the module: the run's own process hands
    batches to the workers and never needs it (about 30 MB) unless a small run builds its
    batches in-process."""
    from flows.extracting import extract_one, work_item
    from transforms.staging import staging_frame

    records: list[Article] = []
    quarantined: list[dict[str, Any]] = []
    failures: Counter[str] = Counter()
    dropped: list[tuple[str, str, str]] = []
    warnings: list[str] = []
    for f in work.fetches:
        if f.purpose == "article" and f.outcome not in ("ok", "not_modified"):
            failures[f"{f.outcome} ({f.status})" if f.outcome == "http_error" else f.outcome] += 1
            dropped.append(("fetch", f.url, f"{f.outcome}: {f.error or f.status}"))
        elif f.outcome not in ("ok", "not_modified"):
            failures[f"{f.outcome} ({f.status})" if f.outcome == "http_error" else f.outcome] += 1
    limit = work.page_time_limit_s
    for page in work.pages:
        value: Article | str | None = work.given_up.get(page.url)
        if value is None:
            try:
                page = page_body(work.home, page)
            except Exception as exc:  # lost or damaged: OSError, warcio's, zlib's errors, ...
                value = f"archived body unreadable ({type(exc).__name__}: {exc})"
        if value is None:
            try:
                watch = on_page(work.home, work.batch, page.url) if work.watched else nullcontext()
                with watch, time_limit(limit):
                    value = extract_one(work_item(page, work.recogniser))
            except PageTimeout:
                value = timeout_reason(limit)
        if isinstance(value, str):
            failures[f"extract: {value.split(' (')[0]}"] += 1
            dropped.append(("extract", page.url, value))
            quarantined.append(
                {
                    "url": page.url,
                    "article_key": None,
                    "stage": "extract",
                    "expectation": None,
                    "reason": value,
                    "record": f'{{"source_name": {_json(page.source_name)}}}',
                }
            )
            continue
        error = value.enrichment.error
        if error:
            # an article whose enrichment crashed still loads; the crash is counted, not hidden
            failures[f"enrich: {error.split(':')[0]}"] += 1
            warnings.append(f"enrichment failed for {value.url}: {error}")
        records.append(value)
    records = list({record_key(r): r for r in records}.values())
    frames = batch_tables(records, work.fetches, work.run_id, work.archived)
    frames["gate"] = staging_frame(records)
    frames["quarantine"] = pl.DataFrame(quarantined, schema=QUARANTINE_SCHEMA)
    folder = partial_dir(work.home, work.run_id, work.batch)
    if folder.exists():  # a batch retried after its worker died
        shutil.rmtree(folder)
    write_tables(folder, frames)
    warc_files = {
        f.archive.warc_file for f in (*work.fetches, *work.archived) if f.archive is not None
    }
    manifest = Manifest(
        run_id=work.run_id,
        batch=work.batch,
        urls=list(work.urls),
        outcomes=dict(Counter(f.outcome for f in work.fetches)),
        failures=dict(failures),
        warc_files=sorted(warc_files),
        extracted=len(records),
        sources=sorted(
            {r.source_name for r in records if r.source_name}
            | {f.source_name for f in (*work.fetches, *work.archived) if f.source_name}
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
    del records, frames
    release_memory()  # a worker's heap goes back to the size of its stack between batches
    return Built(folder, manifest, dropped, warnings)


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


@dataclass(slots=True)
class Staged:
    """What the pool made of a run's batches."""

    packages: list[Package] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)  # batches lost, by reason


def worker_context() -> multiprocessing.context.BaseContext:
    """Where pool workers come from. Not forked from this process: it runs threads (Prefect,
    httpx) a fork would copy mid-lock. Forked from a fork server instead, a fresh single-thread
    process that has loaded the extraction stack and its models once (flows/pool_preload.py),
    so workers share them; spawned (each loads its own) where there is no fork server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["flows.pool_preload"])
    return context


def stop_fork_server() -> None:
    """Let the fork server and its models go once staging is done: the load and validation
    that follow do not need them (a new pool starts it again)."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # Python has no public stop
    if stop is not None:
        stop()


class StagingPool:
    """Batches handed in as they are fetched become packages: built by one worker process
    per core, gated and sealed by one thread here. The process pool starts once enough pages
    are waiting to pay for its start-up; a small run stays in-process. `backlog` is what
    fetching may run ahead by (page bodies in memory)."""

    def __init__(
        self,
        now: datetime,
        workers: int | None = None,
        on_staged: Callable[[Package, Built, list[tuple[str, str, str]]], None] | None = None,
    ) -> None:
        self.now = now
        self.workers = workers or os.cpu_count() or 1
        self.on_staged = on_staged
        self._memory_mb = page_memory_limit_mb()  # a worker past it: its page given up
        self._pool: ProcessPoolExecutor | None = None
        self._sealer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazette-seal")
        self._pending: list[Future] = []
        self._waiting: list[BatchWork] = []  # held until the pool starts
        self.staged = Staged()
        self.handed_in = 0  # pages
        self._finished = 0
        self._batches = 0
        self._sealed = 0
        self._lock = threading.Condition()
        self._building: dict[str, BatchWork] = {}  # by batch, while a pool holds them
        self._watching = threading.Event()
        self._watcher: threading.Thread | None = None
        self._blamed: dict[int, set[str]] = {}  # by id of a dead pool: the batches to blame
        self._replacing = threading.Lock()  # the sealer and the submitting thread both may
        self._home = Path(".")

    def __enter__(self) -> StagingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._watching.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            stop_fork_server()
        self._sealer.shutdown(wait=True)
        if self._watcher is not None:
            self._watcher.join()
            clear_watch(self._home)

    def submit(self, work: BatchWork) -> None:
        with self._lock:
            self.handed_in += len(work.pages)
            self._batches += 1
        if self.workers < 2:  # one core: no pool to feed
            self._inline(work)
            return
        self._waiting.append(work)
        waiting_pages = sum(len(w.pages) for w in self._waiting)
        if self._pool is None and waiting_pages < POOL_THRESHOLD:
            return  # built here, in `finish` or when the pool starts
        if self._pool is None:
            self._pool = self._new_pool()
        waiting, self._waiting = self._waiting, []
        for item in waiting:
            self._hand_to_pool(item)

    def _hand_to_pool(self, work: BatchWork) -> None:
        self._home = work.home
        work.watched = True
        self._building[work.batch] = work
        pool = self._pool
        assert pool is not None
        try:
            future = pool.submit(build_package, work)
        except BrokenProcessPool:  # a worker died: the next pool takes the batch
            pool = self._replace(pool)
            future = pool.submit(build_package, work)
        future.add_done_callback(
            lambda f, w=work, p=pool: self._pending.append(self._sealer.submit(self._seal, f, w, p))
        )

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch, name="gazette-page-watch", daemon=True
            )
            self._watcher.start()
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=worker_context())

    def _pids(self, pool: ProcessPoolExecutor | None, alive: bool = False) -> set[int]:
        processes = getattr(pool, "_processes", None) or {}  # the executor's own table
        return {pid for pid, p in processes.items() if not alive or p.exitcode is None}

    def _watch(self) -> None:
        """Kill a worker still on one page well past the page's limit (a C call that the
        worker's own timer cannot interrupt): its page is given up, its pool replaced."""
        while not self._watching.wait(WATCH_EVERY_S):
            building = list(self._building.values())
            if not building:
                continue
            limit = max(w.page_time_limit_s for w in building)
            memory = self._memory_mb
            for late in overdue(self._home, limit, self._pids(self._pool, alive=True), memory):
                work = self._building.get(late.batch)
                if work is not None:
                    work.given_up[late.url] = (
                        memory_reason(memory)
                        if late.by == "memory"
                        else timeout_reason(work.page_time_limit_s)
                    )
                kill(late.pid)

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new pool for a dead one (once, however many of its batches report it, from
        either thread). A worker that died of its own (a signal other than the executor's
        SIGTERM to the rest) was on a page, if its file says so: that page is given up and
        its batch is to blame."""
        with self._replacing:
            if self._pool is broken:
                self._pool = self._successor(broken)
        assert self._pool is not None
        return self._pool

    def _successor(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """The pool after a dead one; each dead worker's last page given up."""
        blamed: set[str] = set()
        for pid, process in (getattr(broken, "_processes", None) or {}).items():
            if process.exitcode in (None, -signal.SIGTERM):
                continue  # alive, or ended by the executor because another one died
            page = on_which_page(self._home, pid)
            work = self._building.get(page[2]) if page else None
            if page and work is not None:
                work.given_up.setdefault(page[3], "worker died on this page")
                blamed.add(work.batch)
        for pid in self._pids(broken):
            forget(self._home, pid)
        self._blamed[id(broken)] = blamed
        broken.shutdown(wait=False, cancel_futures=True)
        return self._new_pool()

    def _seal(
        self, future: Future, work: BatchWork, pool: ProcessPoolExecutor | None = None
    ) -> None:
        try:
            built = future.result()
            package, held = finish_package(built, self.now)
        except BrokenProcessPool:
            # its pool died (a page killed a worker, or the watch did): built again, without
            # the page that was being extracted. A batch is lost only after three deaths of a
            # pool that nothing else explains (no page found: the worker died between pages)
            if pool is not None:
                self._replace(pool)
            blamed = self._blamed.get(id(pool), set())
            if not blamed:
                work.attempts += 1
            if work.attempts < MAX_UNEXPLAINED_DEATHS:
                self._hand_to_pool(work)
                return
            self.staged.failed["stage batch failed: BrokenProcessPool"] += 1
        except Exception as exc:  # a batch lost: its pages are archived, the next run retries
            self.staged.failed[f"stage batch failed: {type(exc).__name__}"] += 1
        else:
            self.staged.packages.append(package)
            if self.on_staged:
                self.on_staged(package, built, held)
            release_memory()
        self._building.pop(work.batch, None)
        with self._lock:
            self._finished += len(work.pages)
            self._sealed += 1
            self._lock.notify_all()

    def _inline(self, work: BatchWork) -> None:
        done: Future = Future()
        try:
            done.set_result(build_package(work))
        except Exception as exc:
            done.set_exception(exc)
        self._seal(done, work)

    def backlog(self) -> int:
        with self._lock:
            return self.handed_in - self._finished

    def wait_for_room(self, limit: int) -> None:
        """Block until fewer than `limit` pages wait for staging."""
        with self._lock:
            self._lock.wait_for(lambda: self.handed_in - self._finished < limit)

    def finish(self) -> Staged:
        """Wait for every batch handed in; the packages in batch order."""
        for work in self._waiting:  # a small run: the pool never started
            self._inline(work)
        self._waiting = []
        with self._lock:
            self._lock.wait_for(lambda: self._sealed >= self._batches)
        self.staged.packages.sort(key=lambda p: p.manifest.batch)
        return self.staged


def fetch_into(
    pool: StagingPool,
    batches: Sequence[Any],
    start_fetch: Callable[[int], Any],
    next_done: Callable[[list[Any]], Any],
    to_work: Callable[[int, Any], BatchWork],
    max_fetching: int,
    max_ahead: int,
    on_fetched: Callable[[int], None] | None = None,
) -> Counter[str]:
    """Fetch batches (at most `max_fetching` at once) and hand each, once fetched, to the pool;
    fetching runs ahead of staging by at most `max_ahead` pages (bodies in memory). The
    orchestrator supplies how a fetch starts (`start_fetch(i)` -> future), how the next
    finished one is awaited, and how a fetched batch becomes work. Returns failed batches by
    reason."""
    failed: Counter[str] = Counter()
    following = 0
    running: list[Any] = []
    index: dict[int, int] = {}
    while following < len(batches) or running:
        while following < len(batches) and len(running) < max_fetching:
            if pool.backlog() >= max_ahead:
                if running:
                    break  # take in what is fetched first
                pool.wait_for_room(max_ahead)
            future = start_fetch(following)
            index[id(future)] = following
            running.append(future)
            following += 1
        future = next_done(running)
        running.remove(future)
        i = index.pop(id(future))
        try:
            fetched = future.result()
        except Exception as exc:
            failed[f"fetch batch failed: {type(exc).__name__}"] += 1
            continue
        finally:
            if on_fetched:
                on_fetched(len(batches[i]))
        pool.submit(to_work(i, fetched))
        fetched.clear()  # the work holds its own copies: the task's result lets go of them
    return failed
