"""The raw WARC archive: what goes in comes back byte for byte, and damage is detected."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from transforms.records import FetchResult
from warehouse.raw_archive import WarcArchive, iter_documents, read_document

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def response(body: bytes, **changes) -> FetchResult:
    result = FetchResult(
        url="http://n.test/a.html",
        purpose="article",
        source_name="S",
        final_url="http://n.test/b.html",
        host="n.test",
        status=200,
        content_type="text/html; charset=utf-8",
        outcome="ok",
        error=None,
        bytes=len(body),
        elapsed_ms=3,
        fetched_at=NOW,
        body=body,
        headers={
            "content-type": "text/html; charset=utf-8",
            "etag": '"v1"',
            "content-encoding": "gzip",
        },
    )
    return replace(result, **changes)


def test_response_round_trip_keeps_bytes_headers_and_final_url(tmp_path):
    body = "<html>café</html>".encode()
    with WarcArchive(tmp_path, "run-1", NOW) as archive:
        first = archive.write_response(response(body))
        second = archive.write_response(response(b"<html>404</html>", status=404))
    assert first.warc_file == second.warc_file == "raw/2026/11/26/run-1.warc.gz"
    assert second.offset == first.offset + first.length
    doc = read_document(tmp_path, first)
    assert doc.body == body
    assert doc.url == "http://n.test/b.html"
    assert doc.status == 200
    assert doc.headers["etag"] == '"v1"'
    assert "content-encoding" not in doc.headers  # we store the decoded body
    assert read_document(tmp_path, second).status == 404
    with open(tmp_path / first.warc_file, "rb") as handle:
        assert [d.status for d in iter_documents(handle)] == [200, 404]


def test_truncated_body_is_marked(tmp_path):
    with WarcArchive(tmp_path, "run-2", NOW) as archive:
        ref = archive.write_response(response(b"x" * 100, truncated=True, outcome="too_large"))
    raw = (tmp_path / ref.warc_file).read_bytes()
    import gzip

    assert b"WARC-Truncated: length" in gzip.decompress(raw)


def test_damaged_archive_is_detected(tmp_path):
    with WarcArchive(tmp_path, "run-3", NOW) as archive:
        ref = archive.write_response(response(b"<html>original</html>"))
    with pytest.raises(ValueError, match="sha256 mismatch"):
        read_document(tmp_path, replace(ref, sha256="0" * 64))


def test_resource_records_for_local_files(tmp_path):
    with WarcArchive(tmp_path, "run-4", NOW) as archive:
        ref = archive.write_resource(
            "file:///x/a.txt", b"date 2023-12-14 text", "text/plain", NOW, "file:///x/a.txt"
        )
    doc = read_document(tmp_path, ref)
    assert (doc.record_type, doc.content_type, doc.body) == (
        "resource",
        "text/plain",
        b"date 2023-12-14 text",
    )
