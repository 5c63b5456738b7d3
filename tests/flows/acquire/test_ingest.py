"""`gazette ingest`: local HTML, WARC and plain-text articles load with no network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.builders import ingest_page
from tests.conftest import SHARED
from transforms.records import FetchResult
from warehouse.db import connect, query_frame, scalar
from warehouse.raw_archive import WarcArchive


def make_warc(path: Path) -> None:
    """A small CC-NEWS-like WARC: one HTML response, one image response."""
    now = datetime(2026, 10, 3, tzinfo=UTC)
    with WarcArchive(path.parent, path.name.removesuffix(".warc.gz"), now) as archive:
        for url, body, kind in [
            (
                "https://river.example/2026/10/03/flood-wall.html",
                ingest_page("Flood wall"),
                "text/html",
            ),
            ("https://river.example/logo.png", b"\x89PNG....", "image/png"),
        ]:
            archive.write_response(
                FetchResult(
                    url,
                    "article",
                    None,
                    url,
                    "river.example",
                    200,
                    kind,
                    "ok",
                    None,
                    len(body),
                    1,
                    now,
                    body,
                    {"content-type": kind},
                )
            )


def test_html_warc_and_text_files_load_and_reingest_adds_nothing(prefect_harness, tmp_path):
    from flows.nightly import ingest_local

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "saved.html").write_bytes(
        ingest_page("Saved page", "https://saved.example/a.html?utm_source=x")
    )
    (inputs / "no-canonical.html").write_bytes(ingest_page("Local only"))
    (inputs / "note.txt").write_text(
        "date 2026-09-30 The ferry strike ended on Monday. Unions said crews would return "
        "on the early sailings after three days of talks with the operator.\n\nThe operator "
        "said timetables would be back to normal by Wednesday, and that passengers holding "
        "tickets for cancelled crossings could claim a refund at any harbour office."
    )
    (inputs / "broken.txt").write_text("no header here, just words")
    warc_dir = tmp_path / "warcs"
    make_warc(warc_dir / "cc-news.warc.gz")
    warc = next(warc_dir.rglob("*.warc.gz"))
    home = tmp_path / "home"

    summary = ingest_local(paths=[inputs, warc], home=home)
    con = connect(home, read_only=True)
    rows = query_frame(
        con,
        "select url, title, published_date_key, published_at_source from fact_article order by url",
    ).rows()
    quarantined = con.execute("select stage, reason from ops.quarantine").fetchall()
    archived = scalar(con, "select count(*) from raw.fetch where purpose = 'ingest'")
    fetches = scalar(con, "select count(*) from fact_fetch")
    con.close()
    by_title = {r[1]: r for r in rows}
    assert by_title["Saved page"][0] == "https://saved.example/a.html"
    assert by_title["Local only"][0].startswith("file:///")
    assert by_title["Flood wall"][0] == "https://river.example/2026/10/03/flood-wall.html"
    assert by_title["The ferry strike ended on Monday."][2:] == (20260930, "text_header")
    assert len(rows) == 4
    assert quarantined == [("extract", "text document without a 'date YYYY-MM-DD' header")]
    assert archived == 5  # every input document is in the raw archive, failures included
    assert fetches == 0  # ingest is not an HTTP attempt
    assert summary.dq_verdict == "pass"

    again = ingest_local(paths=[inputs, warc], home=home)
    assert again.load is not None and again.load.articles_new == again.load.articles_changed == 0
    con = connect(home, read_only=True)
    assert scalar(con, "select count(*) from raw.fetch where purpose = 'ingest'") == archived
    con.close()


@pytest.mark.skipif(
    not (SHARED / "seed").is_dir(), reason="needs ../shared/seed (not in this checkout)"
)
def test_seed_article_is_dated_from_its_header(prefect_harness, tmp_path):
    from flows.nightly import ingest_local

    seed = sorted((SHARED / "seed").glob("*.txt"))[0]
    ingest_local(paths=[seed], home=tmp_path)
    con = connect(tmp_path, read_only=True)
    ((day, text, title),) = con.execute(
        "select published_date_key, text, title from fact_article"
    ).fetchall()
    con.close()
    assert day == 20231214
    assert "Kata'ib Hezbollah" in text
    assert title.startswith("U.S. force have come under attack 97 times")
