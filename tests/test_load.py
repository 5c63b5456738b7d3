"""Loading into a real DuckDB file: idempotent, changes replace, all-or-nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from transforms.model import SourceInfo, model_tables
from transforms.records import FetchResult
from warehouse.db import connect, scalar
from warehouse.load import load_star

NOW = datetime(2026, 11, 26, tzinfo=UTC)
SOURCES = [SourceInfo("Herald", "http://herald.test/")]


def record(url: str, title: str = "T", authors=("Ana Ruiz",)) -> dict:
    text = f"{title} body text of the article"
    return {
        "url": url,
        "source_name": "Herald",
        "title": title,
        "text": text,
        "word_count": len(text.split()),
        "paragraph_count": 1,
        "image_count": 0,
        "authors": list(authors),
        "published_local_date": date(2026, 11, 4),
        "published_at": datetime(2026, 11, 4, 8, tzinfo=UTC),
        "fetched_at": NOW,
        "content_hash": f"hash-{title}",
        "extractor": "trafilatura",
        "extractor_version": "2",
    }


def fetch(url: str) -> FetchResult:
    return FetchResult(
        url, "article", "Herald", url, "herald.test", 200, "text/html", "ok", None, 10, 5, NOW
    )


def counts(con) -> dict[str, int]:
    tables = [
        "dim_source",
        "dim_date",
        "dim_author",
        "fact_article",
        "bridge_article_author",
        "fact_fetch",
    ]
    return {t: scalar(con, f"select count(*) from {t}") for t in tables}


def test_second_load_of_same_records_adds_only_fetch_rows(tmp_path):
    con = connect(tmp_path)
    records = [record("http://herald.test/a"), record("http://herald.test/b")]
    first = load_star(
        con, model_tables(records, [fetch("http://herald.test/a")], SOURCES, "r1", NOW)
    )
    before = counts(con)
    second = load_star(
        con, model_tables(records, [fetch("http://herald.test/a")], SOURCES, "r2", NOW)
    )
    after = counts(con)
    assert (first.articles_new, second.articles_new, second.articles_changed) == (2, 0, 0)
    assert {k: v for k, v in after.items() if k != "fact_fetch"} == {
        k: v for k, v in before.items() if k != "fact_fetch"
    }
    assert after["fact_fetch"] == before["fact_fetch"] + 1
    assert con.execute("select distinct run_id from fact_article").fetchall() == [("r1",)]


def test_changed_article_replaces_row_and_its_authors(tmp_path):
    con = connect(tmp_path)
    load_star(con, model_tables([record("http://herald.test/a")], [], SOURCES, "r1", NOW))
    changed = record("http://herald.test/a", title="New", authors=("Tom Lee", "Ana Ruiz"))
    result = load_star(con, model_tables([changed], [], SOURCES, "r2", NOW))
    assert (result.articles_new, result.articles_changed) == (0, 1)
    assert con.execute("select title, run_id from fact_article").fetchall() == [("New", "r2")]
    names = con.execute(
        "select author_name from bridge_article_author join dim_author using (author_key) "
        "order by author_order"
    ).fetchall()
    assert names == [("Tom Lee",), ("Ana Ruiz",)]


def test_failed_load_leaves_previous_state(tmp_path, monkeypatch):
    con = connect(tmp_path)
    load_star(con, model_tables([record("http://herald.test/a")], [], SOURCES, "r1", NOW))
    before = counts(con)
    import warehouse.load as load

    real = load._insert_new

    def crash_on_fetch(con, table, frame):
        if table == "fact_fetch":
            raise RuntimeError("disk full")
        return real(con, table, frame)

    monkeypatch.setattr(load, "_insert_new", crash_on_fetch)
    tables = model_tables(
        [record("http://herald.test/z")], [fetch("http://herald.test/z")], SOURCES, "r2", NOW
    )
    with pytest.raises(RuntimeError, match="disk full"):
        load_star(con, tables)
    assert counts(con) == before
