"""The pool that keeps the cores extracting while fetching goes on: batches handed in as they
are fetched become packages, built by worker processes (flows/staging/build.py) and gated and
sealed by one thread of the run's process; a worker stuck on one page is found and killed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.staging.build import BatchWork, Built, build_package, finish_package, release_memory
from flows.staging.page_limit import (
    clear_watch,
    forget,
    kill,
    memory_reason,
    on_which_page,
    overdue,
    page_memory_limit_mb,
    timeout_reason,
)
from warehouse.packages import Package

WATCH_EVERY_S = 1.0  # how often the run's process looks for a worker stuck on one page
MAX_UNEXPLAINED_DEATHS = 3
POOL_THRESHOLD = 24  # pages; below this a pool's start-up (~1 s) costs more than it saves


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
    context.set_forkserver_preload(["flows.staging.preload"])
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
