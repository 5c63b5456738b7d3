"""A hostile site on 127.0.0.1, run through the whole pipeline once: what it tries is
refused, capped or quarantined with a reason, and the rest of the run loads.

Each case here is one that an earlier revision got wrong (issue 17); the guards that held
before (XXE, gzip bombs, redirects to private addresses, loops, slow bodies) are in
tests/test_bad_inputs.py and tests/test_fetching.py."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from tests.siteserver import Site, start
from tests.test_bad_inputs import article, feed, sources_toml
from warehouse.db import connect

SECRET = "s3cret-pa55"


def _amplified_feed(site: Site) -> bytes:
    """Nested entities past libxml2's amplification limit, then a valid item."""
    entities = (
        '<!ENTITY a "'
        + "a" * 60
        + '">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    return (
        f"<!DOCTYPE rss [{entities}]><rss><channel><item><title>&i;</title>"
        f"<link>{site.url('/behind-the-bomb.html')}</link></item>"
        f"<item><title>ok</title><link>{site.url('/after-the-bomb.html')}</link></item>"
        "</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def hostile(prefect_harness, tmp_path_factory):
    """The site, a second host that forbids everything in a robots.txt larger than
    max_bytes, and the home after one run."""
    from flows.nightly import nightly_news

    site, walled = Site(), Site()
    servers = [start(site), start(walled)]
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
    for name in ("with-password", "plain", "behind-the-bomb", "after-the-bomb", "listed"):
        site.add(f"/{name}.html", article(f"The {name} story"))
    one_line = "the council said the ferry was late again " * 22_000  # 0.9 MB, no full stop
    site.add("/one-line.html", f"<html><body><article><h1>One line</h1><p>{one_line}</p>")
    with_password = site.url("/with-password.html").replace("http://", f"http://reader:{SECRET}@")
    site.add(
        "/feed.xml",
        feed(site, [with_password, "/plain.html", "/one-line.html", walled.url("/a.html")]),
        Content_Type="application/rss+xml",
    )
    site.add("/bomb.xml", _amplified_feed(site), Content_Type="application/rss+xml")
    urlset = (
        "<urlset><url><loc>"
        + site.url("/listed.html")
        + "</loc></url>"
        + "<!-- padding -->" * 200_000
        + "</urlset>"
    )  # 3.2 MB decoded, past max_bytes 1 MB: a gzip sitemap over the decompression cap
    site.add("/sitemap.xml.gz", gzip.compress(urlset.encode()), Content_Type="application/gzip")
    walled.add(
        "/robots.txt",
        "User-agent: *\nDisallow: /\n" + "".join(f"Disallow: /x/{i}/\n" for i in range(120_000)),
        Content_Type="text/plain",
    )  # 2.1 MB
    walled.add("/a.html", article("Behind the wall"))
    home = tmp_path_factory.mktemp("hostile")
    sources = home / "sources.toml"
    sources.write_text(
        sources_toml(site).replace(
            f'feeds = ["{site.url("/feed.xml")}"]',
            f'feeds = ["{site.url("/feed.xml")}", "{site.url("/bomb.xml")}"]\n'
            f'sitemaps = ["{site.url("/sitemap.xml.gz")}"]',
        )
    )
    summary = nightly_news(sources_file=sources, home=home)
    yield site, walled, home, summary
    for server in servers:
        server.shutdown()
        server.server_close()


def _fetches(home: Path, path: str) -> list[tuple[str, str | None]]:
    con = connect(home, read_only=True)
    try:
        return con.execute(
            "select outcome, error from fact_fetch where url like ? order by attempt", [f"%{path}"]
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
    site, _, home, _ = hostile
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
    assert _fetches(home, "/feed.xml") == [("ok", "credentials removed from 1 link")]


def test_a_page_that_is_one_long_line_loads_and_the_run_goes_on(hostile):
    """It took the tone scorer a minute a 200 KB line (its cost is the square of a
    sentence's length), and with no limit per page the run waited on it."""
    site, _, home, _ = hostile
    con = connect(home, read_only=True)
    urls = {u for (u,) in con.execute("select url from fact_article").fetchall()}
    [(status,)] = con.execute("select status from ops.etl_run").fetchall()
    con.close()
    assert site.url("/one-line.html") in urls
    assert site.url("/plain.html") in urls
    assert status == "succeeded"


def test_a_robots_txt_over_max_bytes_still_keeps_us_out(hostile):
    _, walled, home, _ = hostile
    assert "/a.html" not in walled.hits
    [(outcome, _)] = _fetches(home, walled.url("/a.html").split("//", 1)[1])
    assert outcome == "robots_disallowed"


def test_documents_read_only_in_part_say_so(hostile):
    home = hostile[2]
    [(outcome, error)] = _fetches(home, "/bomb.xml")
    assert outcome == "parse_error" and "amplification" in error
    [(outcome, error)] = _fetches(home, "/sitemap.xml.gz")
    assert outcome == "too_large" and error == "body exceeds max_bytes 1000000 (decoded)"


def test_a_page_given_up_for_good_is_not_fetched_again_until_it_changes(prefect_harness, tmp_path):
    """A page quarantined for a reason a refetch cannot change was fetched and quarantined
    again every run (three rows after three runs). It now stays out until a sign of change,
    and the reruns converge: the marts do not move."""
    from flows.nightly import nightly_news
    from tests.test_bad_inputs import counts

    site = Site()
    server = start(site)
    try:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
        site.add("/good.html", article("A good story"))
        site.add("/thin.html", "<html><head><title>Thin</title></head><body><p>Hi.</p>")
        site.add("/paper.html", b"%PDF-1.7\n" + b"\x00binary" * 100, Content_Type="application/pdf")
        urls = ["/good.html", "/thin.html", "/paper.html"]
        site.add("/feed.xml", feed(site, urls), Content_Type="application/rss+xml")
        sources = tmp_path / "sources.toml"
        sources.write_text(sources_toml(site))
        nightly_news(sources_file=sources, home=tmp_path)
        after_first = counts(tmp_path)
        for _ in range(2):
            nightly_news(sources_file=sources, home=tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert site.hits.count("/thin.html") == 1
    assert site.hits.count("/paper.html") == 1
    assert site.hits.count("/good.html") == 1
    con = connect(tmp_path, read_only=True)
    held = con.execute("select count(*) from ops.quarantine").fetchone()[0]
    skipped = con.execute("select count(*) from fact_fetch where url like '%/thin.html'").fetchone()
    con.close()
    assert held == 1 and skipped == (1,)
    assert counts(tmp_path) == after_first
