"""WARC files read record by record, each record standing alone.

warcio reads a file as one stream: a record whose Content-Length is too short ends the file
with ArchiveLoadFailed, one whose Content-Length is too long swallows the records after it,
and one cut off at the end of the file reads as a shorter record. Here the record boundaries
are checked (a block must be followed by CRLF CRLF, WARC/1.1 section 4), a broken record is
found again from where the next record starts, `WARC-Block-Digest` and `WARC-Payload-Digest`
are verified when present (by warcio, on the one record), and every problem comes out as a
record with its offset and reason, not as an exception.

A gzipped file is read a gzip member at a time (one record a member, as the standard
recommends); a member that does not inflate is skipped to the next member's magic bytes.
"""

from __future__ import annotations

import io
import mmap
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from warehouse.raw_archive import ArchivedDocument, document_of

MAX_RECORD_BYTES = 64 * 1024 * 1024  # a record larger than this is skipped, not read
_CHUNK = 1024 * 1024
_NEXT_RECORD = re.compile(rb"\r\n\r\n(?=WARC/1\.[01]\r\n)")
_GZIP_MAGIC = b"\x1f\x8b\x08"


@dataclass(slots=True)
class WarcRecord:
    """One record: its document, or why it could not be read."""

    offset: int  # where it starts in the file (compressed offset for .gz)
    document: ArchivedDocument | None = None
    problem: str | None = None
    url: str | None = None  # WARC-Target-URI, when its header could be read


def read_warc(path: Path, max_record_bytes: int = MAX_RECORD_BYTES) -> Iterator[WarcRecord]:
    with open(path, "rb") as handle:
        magic = handle.read(2)
        handle.seek(0)
        if magic == _GZIP_MAGIC[:2]:
            for offset, data, problem in _members(handle, max_record_bytes):
                if problem is not None:
                    yield _broken(offset, data, problem)
                    continue
                # one record a member: its Content-Length must end it as well
                for _, record, trouble in _split(data, max_record_bytes):
                    if trouble is None:
                        yield _record(offset, record)
                    else:
                        yield _broken(offset, record, trouble)
        else:
            for offset, data, problem in _plain_records(handle, max_record_bytes):
                yield _record(offset, data) if problem is None else _broken(offset, data, problem)


def _members(handle: BinaryIO, cap: int) -> Iterator[tuple[int, bytes, str | None]]:
    """(compressed offset, inflated bytes, problem) for each gzip member."""
    buffer, base = b"", 0  # buffer starts at file offset `base`
    eof = False
    while True:
        if not eof and len(buffer) < _CHUNK:
            more = handle.read(_CHUNK)
            eof = not more
            buffer += more
        if not buffer:
            return
        start = base
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts, size, used = [], 0, 0
        problem = None
        try:
            pending = buffer
            while True:
                data = inflater.decompress(pending, cap + 1 - size)
                parts.append(data)
                size += len(data)
                if size > cap:
                    problem = f"record over {cap} bytes inflated: skipped"
                    break
                if inflater.eof:
                    used = len(buffer) - len(inflater.unused_data)
                    break
                if inflater.unconsumed_tail:
                    pending = inflater.unconsumed_tail
                    continue
                more = b"" if eof else handle.read(_CHUNK)
                if not more:
                    eof = True
                    problem = "gzip member cut off at the end of the file"
                    used = len(buffer)
                    break
                buffer += more
                pending = more
        except zlib.error as exc:
            problem = f"gzip member does not inflate ({exc})"
        if problem is not None and not inflater.eof:
            # on to the next member's magic bytes, read a chunk at a time
            skip = buffer.find(_GZIP_MAGIC, 1)
            while skip < 0 and not eof:
                more = handle.read(_CHUNK)
                eof = not more
                keep = max(1, len(buffer) - 2)  # the magic may straddle two chunks
                buffer, base = buffer[keep:] + more, base + keep
                skip = buffer.find(_GZIP_MAGIC, 1)
            used = skip if skip > 0 else len(buffer)
        yield start, b"".join(parts), problem
        buffer, base = buffer[used:], base + used


def _plain_records(handle: BinaryIO, cap: int) -> Iterator[tuple[int, bytes, str | None]]:
    """(offset, record bytes, problem) for each record of an uncompressed WARC (mapped, not
    read: the page cache holds the file, not the heap)."""
    if os.fstat(handle.fileno()).st_size == 0:
        return
    yield from _split(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ), cap)


def _split(data: bytes | mmap.mmap, cap: int) -> Iterator[tuple[int, bytes, str | None]]:
    """Records in a run of WARC bytes, each checked against where the next one starts."""
    position = 0
    while position < len(data):
        if data[position : position + 2] == b"\r\n":  # blank lines between records
            position += 2
            continue
        head_end = data.find(b"\r\n\r\n", position)
        if data[position : position + 7] != b"WARC/1." or head_end < 0:
            following = _NEXT_RECORD.search(data, position)
            if following is None:
                yield position, data[position:], "not a WARC record (no WARC/1.x header)"
                return
            yield position, data[position : following.start()], "not a WARC record"
            position = following.end()
            continue
        header = data[position:head_end].decode("latin-1")
        match = re.search(r"(?im)^content-length:\s*(\d+)\s*$", header)
        length = int(match.group(1)) if match else -1
        block = head_end + 4
        end = block + length
        if length < 0:
            problem: str | None = "no Content-Length"
        elif length > cap:
            problem = f"record of {length} bytes over the {cap}-byte cap: skipped"
        elif end > len(data):
            following = _NEXT_RECORD.search(data, block)
            problem = (
                f"Content-Length {length} runs past the record's end"
                if following
                else f"record cut off at the end of the file ({len(data) - block} of "
                f"{length} bytes)"
            )
        elif data[end : end + 4] != b"\r\n\r\n" and end != len(data):
            problem = f"Content-Length {length} does not end the record"
        else:
            problem = None
        if problem is None:
            yield position, data[position:end], None
            position = end + 4
            continue
        following = _NEXT_RECORD.search(data, block)
        stop = following.start() if following else len(data)
        yield position, data[position:stop], problem
        position = following.end() if following else len(data)


def _target(data: bytes) -> str | None:
    match = re.search(rb"(?im)^warc-target-uri:\s*<?([^\r\n>]+)>?\s*$", data[:65536])
    return match.group(1).decode("utf-8", "replace") if match else None


def _broken(offset: int, data: bytes, problem: str) -> WarcRecord:
    return WarcRecord(offset, None, problem, _target(data))


def _record(offset: int, data: bytes) -> WarcRecord:
    """The record's document, read by warcio on this record alone, digests checked."""
    url = _target(data)
    if not data.strip():
        return WarcRecord(offset, None, "empty gzip member", url)
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), check_digests=True)), None)
        if record is None:
            return WarcRecord(offset, None, "no record", url)
        document = document_of(record)
    except Exception as exc:  # warcio's parse errors have no common base worth naming
        return WarcRecord(offset, None, f"unreadable record ({type(exc).__name__}: {exc})", url)
    checker = record.digest_checker
    if checker.passed is False:
        return WarcRecord(offset, None, f"digest mismatch ({'; '.join(checker.problems)})", url)
    return WarcRecord(offset, document, None, url)
