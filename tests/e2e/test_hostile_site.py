"""A hostile site on 127.0.0.1, run through the whole pipeline (and again): what it tries is
refused, capped or quarantined with a reason, and the rest of the run loads.

Each case here is one that an earlier revision got wrong (issue 17); the guards that held
before (XXE, gzip bombs, redirects to private addresses, loops, slow bodies) are in
tests/e2e/test_bad_inputs.py and tests/flows/acquire/test_fetching.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.hostile_site import SECRET, hostile_sites, hostile_sources
from warehouse.db import connect


@pytest.fixture(scope="module")
def hostile(prefect_harness, tmp_path_factory):
    """The site, a second host that forbids everything in a robots.txt larger than
    max_bytes, and the home after one run and a rerun (the marts after each)."""
    from flows.nightly import nightly_news
    from tests.runs import mart_counts

    site, walled, servers = hostile_sites()
    home = tmp_path_factory.mktemp("hostile")
    sources = home / "sources.toml"
    sources.write_text(hostile_sources(site))
    summary = nightly_news(sources_file=sources, home=home)
    first = mart_counts(home)
    nightly_news(sources_file=sources, home=home)
    yield site, walled, home, summary, (first, mart_counts(home))
    for server in servers:
        server.shutdown()
        server.server_close()


def _fetches(home: Path, path: str, run_id: str) -> list[tuple[str, str | None]]:
    con = connect(home, read_only=True)
    try:
        return con.execute(
            "select outcome, error from fact_fetch where url like ? and run_id = ? "
            "order by attempt",
            [f"%{path}", run_id],
        ).fetchall()
    finally:
        con.close()


def _files_holding(path: Path, needle: str) -> list[str]:
    con = duckdb.connect()
    return [
        str(parquet.relative_to(path))
        for parquet in sorted(path.rglob("*.parquet"))
        if con.execute(
            "select count(*) from read_parquet(?) t where t::varchar like ?",
            [str(parquet), f"%{needle}%"],
        ).fetchone()[0]
    ]


def test_credentials_in_a_feed_link_are_never_sent_nor_stored(hostile):
    site, _, home, summary, _ = hostile
    assert site.authorizations == []  # no Basic auth went out with the link
    assert "/with-password.html" in site.hits  # the page itself was fetched, without them
    con = connect(home, read_only=True)
    tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    holding = [
        f"{schema}.{table}"
        for schema, table in tables
        if con.execute(
            f'select count(*) from "{schema}"."{table}" t where t::varchar like ?', [f"%{SECRET}%"]
        ).fetchone()[0]
    ]
    urls = {u for (u,) in con.execute("select url from fact_article").fetchall()}
    con.close()
    assert holding == []
    assert _files_holding(home / "exports", SECRET) == []
    assert site.url("/with-password.html") in urls
    assert _fetches(home, "/feed.xml", summary.run_id) == [
        ("ok", "credentials removed from 1 link")
    ]


def test_a_page_that_is_one_long_line_loads_and_the_run_goes_on(hostile):
    """It took the tone scorer a minute a 200 KB line (its cost is the square of a
    sentence's length), and with no limit per page the run waited on it."""
    site, _, home, _, _ = hostile
    con = connect(home, read_only=True)
    urls = {u for (u,) in con.execute("select url from fact_article").fetchall()}
    statuses = {s for (s,) in con.execute("select status from ops.etl_run").fetchall()}
    con.close()
    assert site.url("/one-line.html") in urls
    assert site.url("/plain.html") in urls
    assert statuses == {"succeeded"}


def test_a_robots_txt_over_max_bytes_still_keeps_us_out(hostile):
    _, walled, home, summary, _ = hostile
    assert "/a.html" not in walled.hits
    [(outcome, _)] = _fetches(home, walled.url("/a.html").split("//", 1)[1], summary.run_id)
    assert outcome == "robots_disallowed"


def test_documents_read_only_in_part_say_so(hostile):
    home, run_id = hostile[2], hostile[3].run_id
    [(outcome, error)] = _fetches(home, "/bomb.xml", run_id)
    assert outcome == "parse_error" and "amplification" in error
    [(outcome, error)] = _fetches(home, "/sitemap.xml.gz", run_id)
    assert outcome == "too_large" and error == "body exceeds max_bytes 1000000 (decoded)"


def test_the_rerun_converges_and_fetches_no_page_given_up_for_good(hostile):
    """A page quarantined for a reason a refetch cannot change was fetched and quarantined
    again every run. It now stays out until a sign of change, and the marts do not move."""
    site, _, home, _, (first, second) = hostile
    assert second == first
    assert site.hits.count("/thin.html") == 1 and site.hits.count("/paper.html") == 1
    assert site.hits.count("/plain.html") == 1
    con = connect(home, read_only=True)
    held = con.execute("select url from ops.quarantine").fetchall()
    con.close()
    assert held == [(site.url("/thin.html"),)]
