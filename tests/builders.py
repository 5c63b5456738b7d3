"""Shared test builders: articles, fetches, and records staged as a real package and loaded by
the real loader. Tests import helpers from here, never from another test file."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from trafilatura.deduplication import content_fingerprint

from transforms.article import Article
from transforms.model import (
    DQ_RESULT_SCHEMA,
    QUARANTINE_SCHEMA,
    SourceInfo,
    build_dim_source,
)
from transforms.records import FetchResult
from transforms.staging import staging_frame
from transforms.tables import batch_tables
from warehouse.load import LoadCounts, load_packages
from warehouse.packages import Manifest, partial_dir, seal, write_tables


def load_records(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[Article],
    fetches: Sequence[FetchResult],
    sources: Sequence[SourceInfo],
    run_id: str,
    now: datetime,
    versioning: bool = True,
    archived: Sequence[FetchResult] = (),
) -> LoadCounts:
    """One run's records as one package (what a batch leaves on disk), loaded in one go."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = partial_dir(Path(tmp), run_id, "b000000")
        frames = batch_tables(records, fetches, run_id, archived)
        frames["gate"] = staging_frame(list(records))
        frames["quarantine"] = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        frames["dq_result"] = pl.DataFrame(schema=DQ_RESULT_SCHEMA)
        write_tables(folder, frames)
        package = seal(folder, Manifest(run_id, "b000000"))
        dim_source = build_dim_source(sources, run_id, now)
        return load_packages(con, [package], dim_source, run_id, now, versioning)


NOW = datetime(2026, 11, 26, tzinfo=UTC)
SOURCES = [SourceInfo("Herald", "http://herald.test/")]


def article(url: str, **fields: Any) -> Article:
    """An article with every field set as an extractor would set it; `fields` override."""
    text = fields.pop("text", "T body text of the article")
    title = fields.get("title", "T")
    base: dict[str, Any] = {
        "url": url,
        "canonical_url": None,
        "source_name": "Herald",
        "title": title,
        "title_source": "og:title",
        "description": None,
        "language": "en",
        "language_declared": "en",
        "language_detected": "en",
        "text": text,
        "text_markdown": text,
        "word_count": len(text.split()),
        "paragraph_count": 1,
        "image_count": 0,
        "tone": None,
        "positive_share": None,
        "negative_share": None,
        "published_at": datetime(2026, 11, 4, 8, tzinfo=UTC),
        "published_at_source": "jsonld",
        "published_at_precision": "minute",
        "published_local_date": date(2026, 11, 4),
        "dates_rejected": 0,
        "authors": ("Ana Ruiz",),
        "organisations": (),
        "authors_source": "meta",
        "modified_at": None,
        "fetched_at": NOW,
        "content_hash": f"hash-{title}",
        "simhash": content_fingerprint(f"{url} {text} " * 5),
        "extractor": "trafilatura",
        "extractor_version": "2",
        "extraction_method": "fast",
        "encoding": "utf-8",
        "encoding_source": "http_header",
        "is_paywalled": False,
        "robots_decision": None,
        "robots_directives": None,
        "license_url": None,
        "image_credits": (),
        "tags": (),
    }
    return Article(**{**base, **fields})


def record(url: str, title: str = "T", authors: Sequence[str] = ("Ana Ruiz",)) -> Article:
    """A Herald article whose text and hash follow its title."""
    return article(
        url, title=title, text=f"{title} body text of the article", authors=tuple(authors)
    )


def fetch(url: str) -> FetchResult:
    return FetchResult(
        url, "article", "Herald", url, "herald.test", 200, "text/html", "ok", None, 10, 5, NOW
    )
