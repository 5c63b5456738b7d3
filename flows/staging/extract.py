"""One page to one article: extraction and enrichment as a plain function a worker runs.

trafilatura holds the GIL (2 threads ~0.95x, 2 processes ~1.9x), so this runs in worker
processes (flows/staging.py); `extract_pages` is the same over a list, for benchmarks.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from transforms.article import Article
from transforms.enrich import enrich_article
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


def extract_one(item: WorkItem) -> Article | str:
    """The page's article, or the reason it is none: a page that breaks the extractor is a
    failure with its reason, never an exception that ends the batch."""
    body, url, fetched_at, candidate, source_name, content_type, recogniser, headers, robots = item
    try:
        if (content_type or "").startswith("text/plain"):
            article = text_article(body, url, fetched_at, source_name, content_type, robots)
        else:
            article = extract_article(
                body, url, fetched_at, candidate, source_name, content_type, headers, robots
            )
    except ExtractionError as exc:
        return str(exc)
    except Exception as exc:  # a page that crashes the extractor must not end the run
        return f"extractor crashed: {type(exc).__name__}: {exc}"
    return enrich_article(article, recogniser) if recogniser else article


def extract_pages(
    pages: list[FetchResult], workers: int | None = None, recogniser: str | None = "rules"
) -> tuple[list[Article], list[ExtractFailure]]:
    """Articles for the pages, failures (with reasons) for the rest, in input order."""
    items = [work_item(p, recogniser) for p in pages]
    workers = workers or os.cpu_count() or 1
    if workers < 2:
        outcomes = [extract_one(item) for item in items]
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            outcomes = list(pool.map(extract_one, items, chunksize=8))
    articles: list[Article] = []
    failures: list[ExtractFailure] = []
    for page, outcome in zip(pages, outcomes, strict=True):
        if isinstance(outcome, str):
            failures.append(ExtractFailure(page.url, outcome, page.source_name))
        else:
            articles.append(outcome)
    return articles, failures
