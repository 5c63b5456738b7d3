"""A WARC file read record by record: a record with a wrong Content-Length, a digest that
does not match, a file cut short or a gzip member that does not inflate is one broken record
with its offset and reason, and every other record of the file (and the other files) loads."""

from __future__ import annotations

import gzip
import io
import re
import zlib

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.builders import ingest_page
from warehouse.db import connect
from warehouse.warc_reader import read_warc


def warc(numbers: range, gz: bool) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for n in numbers:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
        record = writer.create_warc_record(
            f"https://wire.example/2026/10/{n}.html",
            "response",
            payload=io.BytesIO(ingest_page(f"Wire story {n}")),
            http_headers=headers,
        )
        writer.write_record(record)
    return out.getvalue()


def relength(record: bytes, by: int) -> bytes:
    """The record's WARC Content-Length (its first) changed by `by`."""
    found = re.search(rb"Content-Length: (\d+)", record)
    return (
        record[: found.start(1)] + str(int(found.group(1)) + by).encode() + record[found.end(1) :]
    )


def second_record_relengthed(raw: bytes, by: int) -> bytes:
    second = [m.start() for m in re.finditer(rb"WARC/1\.", raw)][1]
    return raw[:second] + relength(raw[second:], by)


def members(raw: bytes) -> list[bytes]:
    found = []
    while raw:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        found.append(inflater.decompress(raw))
        raw = inflater.unused_data
    return found


def outcome(path) -> list[str | None]:
    return [r.problem and r.problem.split(" (")[0] for r in read_warc(path)]


def test_each_record_stands_alone(tmp_path):
    plain = warc(range(4), gz=False)
    cases = {
        "short.warc": second_record_relengthed(plain, -30),
        "long.warc": second_record_relengthed(plain, +500),  # swallowed the next ones
        "cut.warc": plain[:-60],
        "cut.warc.gz": warc(range(4), gz=True)[:-30],
    }
    parts = members(warc(range(4), gz=True))
    cases["short.warc.gz"] = b"".join(
        gzip.compress(relength(m, -20) if i == 1 else m) for i, m in enumerate(parts)
    )
    gz = warc(range(4), gz=True)
    cases["garbled.warc.gz"] = gz[:200] + b"garbage!" + gz[200:]
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    for name in ("short.warc", "long.warc", "short.warc.gz"):
        problems = outcome(tmp_path / name)
        assert len(problems) == 4 and problems[1].endswith("does not end the record"), name
        assert problems[0] is None and problems[2:] == [None, None], name
    assert outcome(tmp_path / "cut.warc")[:3] == [None] * 3
    assert outcome(tmp_path / "cut.warc")[3].startswith("record cut off at the end of the file")
    assert outcome(tmp_path / "cut.warc.gz") == [None] * 3 + [
        "gzip member cut off at the end of the file"
    ]
    garbled = list(read_warc(tmp_path / "garbled.warc.gz"))
    assert garbled[0].problem.startswith("gzip member does not inflate")
    assert [r.document.url for r in garbled[1:]] == [
        f"https://wire.example/2026/10/{n}.html" for n in (1, 2, 3)
    ]
    broken = list(read_warc(tmp_path / "long.warc"))[1]
    assert broken.url == "https://wire.example/2026/10/1.html" and broken.offset > 0


def test_a_block_that_does_not_match_its_digest_is_broken(tmp_path):
    raw = warc(range(2), gz=False).replace(b"Wire story 1", b"Wire st0ry 1")
    (tmp_path / "tampered.warc").write_bytes(raw)
    assert [p and p.split(" (")[0] for p in outcome(tmp_path / "tampered.warc")] == [
        None,
        "digest mismatch",
    ]


def test_a_broken_record_is_quarantined_and_the_other_files_load(prefect_harness, tmp_path):
    """A record with a short Content-Length raised ArchiveLoadFailed: the ingest exited 1 and
    loaded nothing, good files included."""
    from flows.nightly import ingest_local

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a-good.warc.gz").write_bytes(warc(range(0, 3), gz=True))
    (inputs / "b-broken.warc").write_bytes(second_record_relengthed(warc(range(3, 6), False), -30))
    home = tmp_path / "home"
    ingest_local([inputs], home)
    con = connect(home, read_only=True)
    urls = sorted(u for (u,) in con.execute("select url from fact_article").fetchall())
    held = con.execute("select url, reason from ops.quarantine").fetchall()
    con.close()
    assert urls == [f"https://wire.example/2026/10/{n}.html" for n in (0, 1, 2, 3, 5)]
    [(url, reason)] = held
    assert url == "https://wire.example/2026/10/4.html"
    assert reason.startswith("unreadable archive record (b-broken.warc at offset ")
    assert "does not end the record" in reason
