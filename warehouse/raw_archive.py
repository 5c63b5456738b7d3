"""The raw archive: every response we keep, as WARC records under <home>/raw/, before parsing.

Rows of `raw.fetch` point into these files (path, offset, length), so any mart row can be
re-derived from the bytes we fetched, with no network (`gazette reprocess`).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from transforms.model import evidence_candidate
from transforms.records import ArchiveRef, FetchResult
from transforms.urls import host_of
from transforms.vocabulary import OUTCOME_OK, OUTCOME_TOO_LARGE

# ISA-L's deflate at its level 3: 0.5 ms a page of CPU in the run's process against zlib's
# 3.4 at level 6, for files 11 % larger (bench/README.md, issue 38); any gzip reader reads them
GZIP_LEVEL = 3
# The body we store is decoded (no gzip), so these headers would describe it wrongly.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(slots=True)
class ArchivedDocument:
    """One record read back from a WARC file."""

    url: str
    status: int | None
    content_type: str | None
    headers: dict[str, str]
    body: bytes
    fetched_at: str | None
    record_type: str
    purpose: str | None = None  # WARC-Gazette-Purpose: article, feed, robots, ... (ours only)
    source_name: str | None = None  # WARC-Gazette-Source: the configured source (ours only)


class WarcArchive:
    """An append-only, gzipped WARC file for one writer (a task); thread-safe."""

    def __init__(self, home: Path, name: str, day: datetime) -> None:
        self.home = Path(home)
        relative = Path("raw") / f"{day:%Y/%m/%d}" / f"{name}.warc.gz"
        self.relative = str(relative)
        path = self.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - closed in close()
        self._writer = WARCWriter(None, gzip=False)  # makes records; _append writes them
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _append(self, record: object, body: bytes) -> ArchiveRef:
        """One gzip member per record, as WARC readers expect. Compressed outside the lock,
        so fetch threads compress in parallel (ISA-L releases the GIL as zlib does)."""
        plain = io.BytesIO()
        WARCWriter(plain, gzip=False).write_record(record)
        packer = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS + 16)
        member = packer.compress(plain.getbuffer()) + packer.flush()
        with self._lock:
            offset = self._file.tell()
            self._file.write(member)
            self._file.flush()
        return ArchiveRef(self.relative, offset, len(member), hashlib.sha256(body).hexdigest())

    def write_response(self, result: FetchResult) -> ArchiveRef:
        """An HTTP response (any status) with its headers; truncated bodies are marked."""
        headers = [(k, v) for k, v in result.headers.items() if k.lower() not in _DROP_HEADERS]
        headers.append(("Content-Length", str(len(result.body))))
        status_line = f"{result.status} {_reason(result.status)}"
        http_headers = StatusAndHeaders(status_line, headers, protocol="HTTP/1.1")
        warc_headers = {
            "WARC-Date": result.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Gazette-Requested-URI": result.url,
            "WARC-Gazette-Purpose": result.purpose,
        }
        if result.source_name:  # so the archive alone can rebuild a warehouse (ingest)
            warc_headers["WARC-Gazette-Source"] = quote(result.source_name, safe=" ")
        if result.truncated:
            reason = "length" if result.outcome == OUTCOME_TOO_LARGE else "time"
            warc_headers["WARC-Truncated"] = reason
        record = self._writer.create_warc_record(
            result.final_url,
            "response",
            payload=io.BytesIO(result.body),
            length=len(result.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )
        return self._append(record, result.body)

    def write_resource(
        self, uri: str, body: bytes, content_type: str, fetched_at: datetime, origin: str
    ) -> ArchiveRef:
        """A local document (ingest): the file's bytes, its type and where it came from."""
        record = self._writer.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict={
                "WARC-Date": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "WARC-Gazette-Origin": origin,
            },
        )
        return self._append(record, body)


def read_document(home: Path, ref: ArchiveRef) -> ArchivedDocument:
    """The record at `ref`, checked against its sha256."""
    with open(Path(home) / ref.warc_file, "rb") as handle:
        handle.seek(ref.offset)
        data = handle.read(ref.length)
    document = next(iter_documents(io.BytesIO(data)))
    digest = hashlib.sha256(document.body).hexdigest()
    if digest != ref.sha256:
        raise ValueError(f"{ref.warc_file}@{ref.offset}: sha256 mismatch (archive damaged)")
    return document


def iter_documents(stream: io.IOBase) -> Iterator[ArchivedDocument]:
    """response and resource records of a WARC stream (gzipped or not), in file order."""
    for record in ArchiveIterator(stream):
        if record.rec_type in ("response", "resource"):
            yield document_of(record)


def document_of(record: ArcWarcRecord) -> ArchivedDocument:
    """A warcio record as a document (its body read to the end, so digests get checked)."""
    status = None
    headers: dict[str, str] = {}
    content_type = record.rec_headers.get_header("Content-Type")
    if record.http_headers is not None:
        code = record.http_headers.get_statuscode()
        status = int(code) if code and code.isdigit() else None
        headers = {k.lower(): v for k, v in record.http_headers.headers}
        content_type = headers.get("content-type")
    return ArchivedDocument(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        status=status,
        content_type=content_type,
        headers=headers,
        body=record.content_stream().read(),
        fetched_at=record.rec_headers.get_header("WARC-Date"),
        record_type=record.rec_type,
        purpose=record.rec_headers.get_header("WARC-Gazette-Purpose"),
        source_name=unquote(source)
        if (source := record.rec_headers.get_header("WARC-Gazette-Source"))
        else None,
    )


def _reason(status: int | None) -> str:
    try:
        return HTTPStatus(status).phrase if status else "Unknown"
    except ValueError:
        return "Unknown"


def archived_page(home: Path, row: dict) -> FetchResult:
    """A page to extract again, rebuilt from its raw.fetch row and its archived bytes."""
    ref = ArchiveRef(row["warc_file"], row["warc_offset"], row["warc_length"], row["sha256"])
    document = read_document(home, ref)
    return FetchResult(
        url=row["url"],
        purpose=row["purpose"],
        source_name=row["source_name"],
        final_url=row["final_url"],
        host=host_of(row["url"]),
        status=document.status,
        content_type=row["content_type"],
        outcome=OUTCOME_OK,
        error=None,
        bytes=len(document.body),
        elapsed_ms=0,
        fetched_at=row["fetched_at"],
        body=document.body,
        headers=document.headers,  # X-Robots-Tag: what the rights columns read again
        candidate=evidence_candidate(row["evidence"]),
    )


def stage_archive(home: Path, run_id: str, stage: str, now: datetime) -> WarcArchive:
    """A WARC file of one stage of a run (discover, fetch, ingest), named so that no two
    tasks or threads share one."""
    return WarcArchive(home, f"{run_id}-{stage}-{secrets.token_hex(3)}", now)
