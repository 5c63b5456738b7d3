"""Run extraction over a batch of fetched pages, in a process pool when it pays off.

trafilatura holds the GIL (2 threads ~0.95x, 2 processes ~1.9x), so CPU-bound work goes to
processes; tiny batches stay in-process because starting workers costs more than they save.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
    items = [
        (p.body, p.url, p.fetched_at, p.candidate, p.source_name, p.content_type, recogniser)
        for p in pages
    ]
    workers = workers or os.cpu_count() or 1
    outcomes = []
    if len(items) < POOL_THRESHOLD or workers < 2:
        for item in items:
            outcomes.append(_extract_one(item))
            if on_done:
                on_done(1)
    else:
        # spawn, not fork: the parent runs threads (Prefect, httpx) that fork would copy mid-lock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for outcome in pool.map(_extract_one, items, chunksize=8):
                outcomes.append(outcome)
                if on_done:
                    on_done(1)
    records: list[dict[str, Any]] = []
    failures: list[ExtractFailure] = []
    for page, (ok, value) in zip(pages, outcomes, strict=True):
        if ok:
            records.append(value)
        else:
            failures.append(ExtractFailure(page.url, value, page.source_name))
    return records, failures
