"""Local inputs with no network: HTML files, WARC files (e.g. CC-NEWS), plain-text articles.

Each document becomes a FetchResult with purpose "ingest", so the rest of the pipeline (archive,
extraction, model, load) treats it like a page we fetched.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from transforms.discover import parse_date
from transforms.metadata import parse_html, read_page_meta
from transforms.records import FetchResult
from transforms.urls import host_of, normalise_url
from transforms.vocabulary import OUTCOME_OK, OUTCOME_PARSE_ERROR
from warehouse.warc_reader import read_warc

logger = logging.getLogger("gazette.ingest")

LOCAL_SOURCE = "local files"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc.gz")
TEXT_SUFFIXES = (".txt", ".text")


class IngestError(ValueError):
    """An input we cannot read at all (the message names the file)."""


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, folders walked (sorted, so reruns see the same order)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.name.lower().endswith(HTML_SUFFIXES + WARC_SUFFIXES + TEXT_SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder")
    return files


def _document(url: str, body: bytes, content_type: str, source: str, at: datetime) -> FetchResult:
    return FetchResult(
        url=url,
        purpose="ingest",
        source_name=source,
        final_url=url,
        host=host_of(url) if url.startswith("http") else "local",
        status=None,
        content_type=content_type,
        outcome=OUTCOME_OK,
        error=None,
        bytes=len(body),
        elapsed_ms=0,
        fetched_at=at,
        body=body,
    )


def read_inputs(paths: list[Path]) -> Iterator[FetchResult]:
    """Every document in `paths`; WARC files yield one per HTML response record."""
    now = datetime.now(UTC)
    for path in expand_paths(paths):
        name = path.name.lower()
        if name.endswith(WARC_SUFFIXES):
            yield from _warc_documents(path)
            continue
        body = path.read_bytes()
        file_url = path.resolve().as_uri()
        if name.endswith(TEXT_SUFFIXES):
            yield _document(file_url, body, "text/plain", LOCAL_SOURCE, now)
            continue
        url = file_url
        tree = parse_html(body)
        if tree is not None:
            canonical = read_page_meta(tree).canonical or ""
            url = normalise_url(canonical) or file_url  # a saved page keeps its web identity
        source = host_of(url) if url.startswith("http") else LOCAL_SOURCE
        yield _document(url, body, "text/html", source, now)


def _warc_documents(path: Path) -> Iterator[FetchResult]:
    """The HTML documents of a WARC file; a record that cannot be read comes out as a broken
    document (outcome parse_error, its file, offset and reason) and the file goes on."""
    counts: Counter[str] = Counter()
    for record in read_warc(path):
        counts["records"] += 1
        doc = record.document
        if doc is None:
            counts["broken"] += 1
            url = normalise_url(record.url or "") or (
                f"{path.resolve().as_uri()}#offset={record.offset}"
            )
            place = f"{path.name} at offset {record.offset}"
            yield _broken(url, f"unreadable archive record ({place}: {record.problem})")
            continue
        if doc.record_type not in ("response", "resource"):
            continue
        if doc.purpose not in (None, "article"):  # gazette's own archive: feeds, robots.txt
            continue
        if doc.record_type == "response" and doc.status != 200:
            continue
        kind = (doc.content_type or "").lower()
        if "html" not in kind:
            continue
        url = normalise_url(doc.url)
        if not url:
            continue
        counts["documents"] += 1
        when = parse_date(doc.fetched_at) or datetime.now(UTC)
        # gazette's own archive names the source: ingesting it rebuilds a lost warehouse
        yield _document(url, doc.body, "text/html", doc.source_name or host_of(url), when)
    logger.info(
        "%s: %d records, %d HTML documents, %d unreadable",
        path.name,
        counts["records"],
        counts["documents"],
        counts["broken"],
    )


def _broken(url: str, reason: str) -> FetchResult:
    broken = _document(url, b"", "application/warc", host_of(url), datetime.now(UTC))
    broken.outcome, broken.error = OUTCOME_PARSE_ERROR, reason
    return broken
