"""One page to one record: extraction and enrichment as a plain function a worker runs.

trafilatura holds the GIL (2 threads ~0.95x, 2 processes ~1.9x), so this runs in worker
processes (flows/staging.py); `extract_pages` is the same over a list, for benchmarks.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from transforms.enrich import enrich_record
from transforms.extract import ExtractionError, extract_article
from transforms.records import Candidate, FetchResult
from transforms.textdoc import text_article

# body, url, fetched_at, candidate, source, content type, recogniser, headers, robots decision
WorkItem = tuple[
    bytes,
    str,
    datetime,
    Candidate | None,
    str | None,
    str | None,
    str | None,
    dict[str, str],
    str | None,
]


@dataclass(slots=True)
class ExtractFailure:
    url: str
    reason: str
    source_name: str | None


def work_item(page: FetchResult, recogniser: str | None) -> WorkItem:
    return (
        page.body,
        page.url,
        page.fetched_at,
        page.candidate,
        page.source_name,
        page.content_type,
        recogniser,
        page.headers,
        page.robots_decision,
    )


def extract_one(item: WorkItem) -> tuple[bool, Any]:
    """(True, record) or (False, reason): a page that breaks the extractor is a failure with
    its reason, never an exception that ends the batch."""
    body, url, fetched_at, candidate, source_name, content_type, recogniser, headers, robots = item
    try:
        if (content_type or "").startswith("text/plain"):
            record = text_article(body, url, fetched_at, source_name, content_type)
        else:
            record = extract_article(
                body, url, fetched_at, candidate, source_name, content_type, headers, robots
            )
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
    pages: list[FetchResult], workers: int | None = None, recogniser: str | None = "rules"
) -> tuple[list[dict[str, Any]], list[ExtractFailure]]:
    """Records for the pages, failures (with reasons) for the rest, in input order."""
    items = [work_item(p, recogniser) for p in pages]
    workers = workers or os.cpu_count() or 1
    if workers < 2:
        outcomes = [extract_one(item) for item in items]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            outcomes = list(pool.map(extract_one, items, chunksize=8))
    records: list[dict[str, Any]] = []
    failures: list[ExtractFailure] = []
    for page, (ok, value) in zip(pages, outcomes, strict=True):
        if ok:
            records.append(value)
        else:
            failures.append(ExtractFailure(page.url, value, page.source_name))
    return records, failures
