"""Run extraction over a batch of fetched pages, in a process pool when it pays off.

trafilatura holds the GIL (2 threads ~0.95x, 2 processes ~1.9x), so CPU-bound work goes to
processes; tiny batches stay in-process because starting workers costs more than they save.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from transforms.enrich import enrich_record
from transforms.extract import ExtractionError, extract_article
from transforms.records import Candidate, FetchResult
from transforms.textdoc import text_article

POOL_THRESHOLD = 24  # pages; below this a pool's start-up (~1 s) costs more than it saves


@dataclass(slots=True)
class ExtractFailure:
    url: str
    reason: str
    source_name: str | None


def _extract_one(
    item: tuple[bytes, str, datetime, Candidate | None, str | None, str | None, str | None],
) -> tuple[bool, Any]:
    body, url, fetched_at, candidate, source_name, content_type, recogniser = item
    try:
        if (content_type or "").startswith("text/plain"):
            record = text_article(body, url, fetched_at, source_name)
        else:
            record = extract_article(body, url, fetched_at, candidate, source_name)
    except ExtractionError as exc:
        return False, str(exc)
    except Exception as exc:  # a page that crashes the extractor must not end the run
        return False, f"extractor crashed: {type(exc).__name__}: {exc}"
    if recogniser:
        try:
            record.update(enrich_record(record, recogniser))
        except Exception as exc:  # the article is still good without its enrichment
            record["enrichment_error"] = f"{type(exc).__name__}: {exc}"
    return True, record


def extract_pages(
    pages: list[FetchResult],
    workers: int | None = None,
    recogniser: str | None = "rules",
    on_done: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
    """Records for usable pages, failures (with reasons) for the rest, in input order.

    Each record is enriched (entities, quotes, counts) in the same worker that extracted it,
    with `recogniser` (None skips enrichment)."""
    with ExtractionPool(recogniser, workers, on_done) as pool:
        pool.submit(pages)
        return pool.results()


def usable_pages(pages: list[FetchResult]) -> list[FetchResult]:
    """The fetched pages worth extracting: good answers to article requests or ingests."""
    return [p for p in pages if p.ok and p.purpose in ("article", "ingest")]


def drop_bodies(pages: list[FetchResult]) -> list[FetchResult]:
    """Once a page is archived and handed to extraction, the run keeps only its metadata: the
    same objects, emptied in place, since the fetch task's result holds them too (a copy left
    every page body of the run in memory, 250 KB a page)."""
    for page in pages:
        page.body = b""
    return pages


class ExtractionPool:
    """Extraction that starts while fetching goes on: fetched batches are handed in as they
    arrive and extracted by one worker process per core, so the CPUs work while the network
    waits. The pool starts once enough pages are waiting to pay for its start-up; a small run
    stays in-process. Results come back in the order pages were handed in."""

    def __init__(
        self,
        recogniser: str | None,
        workers: int | None = None,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        self.recogniser = recogniser
        self.workers = workers or os.cpu_count() or 1
        self.on_done = on_done
        self._pool: ProcessPoolExecutor | None = None
        # work items (body, url, ..., source_name, ...), made at hand-in: the caller may then
        # drop its pages' bodies; past extraction only a page's url and source are kept
        self._waiting: list[tuple] = []  # held until the pool starts
        self._inline: list[tuple[tuple, tuple[bool, Any]]] = []  # extracted here
        self._submitted: list[tuple[list[tuple[str, str | None]], Future]] = []
        self.handed_in = 0
        self._finished = 0
        self._lock = threading.Condition()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, pages: list[FetchResult]) -> None:
        self.handed_in += len(pages)
        self._waiting.extend(self._items(pages))
        if self.workers < 2:  # one core: extract now, in this process
            self._drain()
            return
        if self._pool is None and len(self._waiting) < POOL_THRESHOLD:
            return
        if self._pool is None:
            # spawn, not fork: the parent runs threads (Prefect, httpx) fork would copy mid-lock
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), CHUNK):
            chunk = waiting[start : start + CHUNK]
            future = self._pool.submit(_extract_chunk, chunk)
            future.add_done_callback(lambda _f, n=len(chunk): self._done(n))
            self._submitted.append(([_label(item) for item in chunk], future))

    def _done(self, n: int) -> None:
        with self._lock:
            self._finished += n
            self._lock.notify_all()
        if self.on_done:
            self.on_done(n)

    def wait_for_room(self, limit: int) -> None:
        """Block until fewer than `limit` pages wait for extraction."""
        with self._lock:
            self._lock.wait_for(lambda: self.handed_in - self._finished < limit)

    def backlog(self) -> int:
        """Pages handed in and not extracted yet: what fetching may run ahead by."""
        with self._lock:
            return self.handed_in - self._finished

    def _drain(self) -> None:
        """Extract the waiting pages here, in this process."""
        for item in self._waiting:
            self._inline.append((_label(item), _extract_one(item)))
            self._done(1)
        self._waiting = []

    def _items(self, pages: list[FetchResult]) -> list[tuple]:
        return [
            (
                p.body,
                p.url,
                p.fetched_at,
                p.candidate,
                p.source_name,
                p.content_type,
                self.recogniser,
            )
            for p in pages
        ]

    def results(self) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
        """Wait for every page handed in; records and failures (with reasons)."""
        self._drain()  # a small run: the pool never started
        outcomes = self._inline
        for chunk, future in self._submitted:
            outcomes.extend(zip(chunk, future.result(), strict=True))
        self._submitted, self._inline = [], []
        records: list[dict[str, Any]] = []
        failures: list[ExtractFailure] = []
        for (url, source_name), (ok, value) in outcomes:
            if ok:
                records.append(value)
            else:
                failures.append(ExtractFailure(url, value, source_name))
        return records, failures


def _label(item: tuple) -> tuple[str, str | None]:
    """(url, source_name) of a work item: what a failure is recorded with."""
    return item[1], item[4]


CHUNK = 8  # pages per pool submission: few round trips, and the two cores stay level


def _extract_chunk(items: list[tuple]) -> list[tuple[bool, Any]]:
    return [_extract_one(item) for item in items]
