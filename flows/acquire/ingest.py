"""Local inputs with no network: HTML files, WARC files (e.g. CC-NEWS), plain-text articles.

Each document becomes a FetchResult with purpose "ingest", so the rest of the pipeline (archive,
extraction, model, load) treats it like a page we fetched.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from flows.staging.build import BatchWork
from transforms.batches import batch_name
from transforms.discover import parse_date
from transforms.metadata import parse_html, read_page_meta
from transforms.records import ArchiveRef, FetchResult
from transforms.urls import host_of, normalise_url
from transforms.vocabulary import OUTCOME_OK, OUTCOME_PARSE_ERROR
from warehouse.raw_archive import stage_archive
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


def document_batches(
    paths: list[Path],
    home: Path,
    run_id: str,
    recogniser: str | None,
    known: dict[tuple[str, str], ArchiveRef],
    seen: Callable[[FetchResult], None],
    batch_size: int,
) -> Iterator[BatchWork]:
    """Local files read one document at a time, archived first (a document `known` to the
    archive by URL and digest is not copied again), handed on `batch_size` to a batch; `seen`
    hears of every document, readable or not."""
    with stage_archive(home, run_id, "ingest", datetime.now(UTC)) as archive:
        documents: list[FetchResult] = []
        index = 0
        for doc in read_inputs(paths):
            if doc.ok:  # a broken archive record goes on unarchived, quarantined with its reason
                digest = hashlib.sha256(doc.body).hexdigest()
                doc.archive = known.get((doc.url, digest)) or archive.write_resource(
                    doc.url, doc.body, doc.content_type or "", doc.fetched_at, doc.url
                )
            seen(doc)
            documents.append(doc)
            if len(documents) == batch_size:
                yield _documents_work(home, run_id, recogniser, batch_name("i", index), documents)
                documents, index = [], index + 1
        if documents:
            yield _documents_work(home, run_id, recogniser, batch_name("i", index), documents)


def _documents_work(
    home: Path, run_id: str, recogniser: str | None, name: str, documents: list[FetchResult]
) -> BatchWork:
    return BatchWork(
        home,
        run_id,
        name,
        [d.url for d in documents],
        pages=documents,
        archived=[d for d in documents if d.ok],
        recogniser=recogniser,
        given_up={d.url: d.error or "unreadable" for d in documents if not d.ok},
    )


def host_homepage(name: str) -> str | None:
    """An ingested source named by its host gets that host's homepage; one named by gazette's
    own archive (a configured source's name) or a local file gets none."""
    if name == LOCAL_SOURCE or any(c.isspace() for c in name) or "." not in name:
        return None
    return normalise_url(f"https://{name}/")
