"""Loading into a real DuckDB file: idempotent, changes replace, all-or-nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from trafilatura.deduplication import content_fingerprint

from tests.builders import NOW, SOURCES, fetch, load_records, record
from transforms.model import SourceInfo
from warehouse.db import connect, scalar


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
    first = load_records(con, records, [fetch("http://herald.test/a")], SOURCES, "r1", NOW)
    before = counts(con)
    second = load_records(con, records, [fetch("http://herald.test/a")], SOURCES, "r2", NOW)
    after = counts(con)
    assert (first.articles_new, second.articles_new, second.articles_changed) == (2, 0, 0)
    assert {k: v for k, v in after.items() if k != "fact_fetch"} == {
        k: v for k, v in before.items() if k != "fact_fetch"
    }
    assert after["fact_fetch"] == before["fact_fetch"] + 1
    assert con.execute("select distinct run_id from fact_article").fetchall() == [("r1",)]


def test_changed_article_becomes_a_new_version_with_its_edit(tmp_path):
    con = connect(tmp_path)
    load_records(con, [record("http://herald.test/a")], [], SOURCES, "r1", NOW)
    changed = record("http://herald.test/a", title="New", authors=("Tom Lee", "Ana Ruiz"))
    correction = "\nCorrection: an earlier version misspelled the ferry's name."
    changed = replace(changed, text=changed.text + correction)
    result = load_records(con, [changed], [], SOURCES, "r2", NOW)
    assert (result.articles_new, result.articles_changed) == (0, 1)
    versions = con.execute(
        "select version, title, is_current, valid_to is null, run_id from fact_article "
        "order by version"
    ).fetchall()
    assert versions == [(1, "T", False, False, "r1"), (2, "New", True, True, "r2")]
    edit = con.execute(
        "select from_version, to_version, headline_changed, body_changed, correction_notice, "
        "chars_added > 0 from fact_article_edit"
    ).fetchall()
    assert edit == [
        (1, 2, True, True, "Correction: an earlier version misspelled the ferry's name.", True)
    ]
    names = con.execute(
        "select author_name from bridge_article_author join dim_author using (author_key) "
        "order by author_order"
    ).fetchall()
    assert names == [("Tom Lee",), ("Ana Ruiz",)]


def test_reprocess_rewrites_the_current_version_in_place(tmp_path):
    con = connect(tmp_path)
    load_records(con, [record("http://herald.test/a")], [], SOURCES, "r1", NOW)
    better = record("http://herald.test/a", title="Better title")
    load_records(con, [better], [], SOURCES, "r2", NOW, versioning=False)
    assert con.execute("select version, title, is_current from fact_article").fetchall() == [
        (1, "Better title", True)
    ]
    assert scalar(con, "select count(*) from fact_article_edit") == 0


def test_changed_source_settings_start_a_new_source_version(tmp_path):
    con = connect(tmp_path)
    load_records(con, [record("http://herald.test/a")], [], SOURCES, "r1", NOW)
    moved = [SourceInfo("Herald", "http://herald.test/", feeds=("http://herald.test/rss",))]
    later = datetime(2026, 11, 27, tzinfo=UTC)
    load_records(con, [record("http://herald.test/b")], [], moved, "r2", later)
    rows = con.execute(
        "select source_key, version, is_current, valid_to from dim_source order by version"
    ).fetchall()
    assert [(v, c) for _, v, c, _ in rows] == [(1, False), (2, True)]
    assert rows[0][3] == later
    by_article = dict(con.execute("select url, source_key from fact_article").fetchall())
    assert by_article["http://herald.test/a"] == rows[0][0]  # the version in force then
    assert by_article["http://herald.test/b"] == rows[1][0]
    load_records(con, [], [], moved, "r3", later)
    assert scalar(con, "select count(*) from dim_source") == 2  # unchanged: no new version


def test_near_duplicates_share_a_story_and_the_first_publisher_is_marked(tmp_path):
    con = connect(tmp_path)
    wire = " ".join(f"word{i} of the wire story about the central bank" for i in range(60))
    first = record("http://herald.test/wire")
    first = replace(
        first,
        text=wire,
        simhash=content_fingerprint(wire),
        content_hash="w1",
        published_at=datetime(2026, 11, 5, 13, tzinfo=UTC),
    )
    load_records(con, [first], [], SOURCES, "r1", NOW)
    ledger = [SourceInfo("Ledger", "http://ledger.test/")]
    copy = record("http://ledger.test/rates")
    copy = replace(
        copy,
        source_name="Ledger",
        text=wire + " (Agency)",
        simhash=content_fingerprint(wire + " (Agency)"),
        content_hash="w2",
        published_at=datetime(2026, 11, 5, 14, tzinfo=UTC),
    )
    other = record("http://ledger.test/other")
    other_text = "a completely different story about ferries and harbours " * 20
    other = replace(
        other,
        source_name="Ledger",
        text=other_text,
        simhash=content_fingerprint(other_text),
        content_hash="o1",
    )
    load_records(con, [copy, other], [], ledger, "r2", NOW)
    rows = dict(
        (url, (story, first_flag))
        for url, story, first_flag in con.execute(
            "select url, story_key, is_first_in_story from fact_article"
        ).fetchall()
    )
    assert rows["http://herald.test/wire"][0] == rows["http://ledger.test/rates"][0]
    assert rows["http://ledger.test/other"][0] != rows["http://herald.test/wire"][0]
    assert rows["http://herald.test/wire"][1] is True
    assert rows["http://ledger.test/rates"][1] is False


def test_url_variants_and_same_site_canonical_collapse_into_one_article(tmp_path):
    con = connect(tmp_path)
    a = record("https://www.herald.test/a.html")
    b = record("http://m.herald.test/a.html")
    c = record("https://herald.test/print/a.html")
    c = replace(c, canonical_url="https://herald.test/a.html")
    foreign = record("https://mirror.test/a.html")
    # another site cannot claim it
    foreign = replace(foreign, canonical_url="https://herald.test/a.html")
    load_records(con, [a, b, c, foreign], [], SOURCES, "r1", NOW)
    assert scalar(con, "select count(distinct article_key) from fact_article") == 2


def test_failed_load_leaves_previous_state(tmp_path, monkeypatch):
    con = connect(tmp_path)
    load_records(con, [record("http://herald.test/a")], [], SOURCES, "r1", NOW)
    before = counts(con)
    import warehouse.load as load

    real = load._insert_new

    def crash_on_fetch(con, table, staged):
        if table == "fact_fetch":
            raise RuntimeError("disk full")
        return real(con, table, staged)

    monkeypatch.setattr(load, "_insert_new", crash_on_fetch)
    with pytest.raises(RuntimeError, match="disk full"):
        load_records(
            con,
            [record("http://herald.test/z")],
            [fetch("http://herald.test/z")],
            SOURCES,
            "r2",
            NOW,
        )
    assert counts(con) == before


def test_a_load_leaves_none_of_its_working_tables_on_the_connection(tmp_path):
    """One process that loads night after night (gazette serve, a backfill) kept every
    night's staged rows in temporary tables until the next night replaced them inside its own
    transaction: at 100k articles the fourth night ran out of DuckDB's memory. A table the
    caller made stays."""
    con = connect(tmp_path)
    con.execute("create temp table mine as select 1 as x")
    for night, url in enumerate(("http://herald.test/a", "http://herald.test/b")):
        load_records(con, [record(url)], [fetch(url)], SOURCES, f"r{night}", NOW)
        left = con.execute("select table_name from duckdb_tables() where temporary").fetchall()
        assert left == [("mine",)]
    assert scalar(con, "select count(*) from fact_article") == 2


def test_reprocessing_keeps_what_robots_txt_said_at_fetch_time(tmp_path):
    """Re-extraction from the archive cannot ask robots.txt again: the fetch's answer stays,
    the rights read from the page itself are read anew."""
    con = connect(tmp_path)
    fetched = record("http://herald.test/a")
    fetched = replace(fetched, robots_decision="allowed", robots_directives=None)
    load_records(con, [fetched], [], SOURCES, "r1", NOW)
    again = record("http://herald.test/a")
    again = replace(again, robots_decision=None, robots_directives="noarchive")
    load_records(con, [again], [], SOURCES, "r2", NOW, versioning=False)
    rows = con.execute(
        "select robots_decision, robots_directives from fact_article where is_current"
    ).fetchall()
    con.close()
    assert rows == [("allowed", "noarchive")]


def test_entity_aliases_merge_within_a_small_memory_when_every_package_names_them(tmp_path):
    """A night where every package names the same entities (a wire story, a busy name): the
    merge gathered every package's alias list before deduplicating, which grew with the night
    and ran a 50,400-page night out of 256 MB. 400 packages of 1,000 entities in 64 MB."""
    from warehouse.load import _merge_entities

    con = connect(tmp_path)
    con.execute("set memory_limit = '64MB'")
    con.execute(
        """
        create temp table stg_dim_entity as
        select 'e' || e::varchar as entity_key, 'person' as entity_type,
               'Name ' || e::varchar as name,
               ['Alias ' || e::varchar, 'A. ' || e::varchar, 'Mr ' || (e + p % 2)::varchar]
                   as aliases,
               null::varchar as country_code, null::decimal(9, 6) as latitude,
               null::decimal(9, 6) as longitude, null::bigint as geonames_id,
               'rules' as resolution, 'r1' as run_id, p as seq
        from range(400) a(p), range(1000) b(e)
        """
    )
    _merge_entities(con)
    assert scalar(con, "select count(*) from dim_entity") == 1000
    assert con.execute("select aliases from dim_entity where entity_key = 'e7'").fetchone()[0] == [
        "A. 7",
        "Alias 7",
        "Mr 7",
        "Mr 8",
    ]
    con.close()
