"""A hostile site on 127.0.0.1, run through the whole pipeline: what it tries is refused,
capped or quarantined with a reason, and the rest of the run loads.

Each case here is one that an earlier revision got wrong (see issue 17)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.siteserver import Site, start
from tests.test_bad_inputs import article, feed, sources_toml
from warehouse.db import connect

SECRET = "s3cret-pa55"


@pytest.fixture()
def hostile():
    site = Site()
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
    site.add("/with-password.html", article("A link that carried a password"))
    site.add("/plain.html", article("A plain link"))
    server = start(site)
    with_password = site.url("/with-password.html").replace("http://", f"http://reader:{SECRET}@")
    site.add(
        "/feed.xml",
        feed(site, [with_password, "/plain.html"]),
        Content_Type="application/rss+xml",
    )
    yield site
    server.shutdown()
    server.server_close()


def _text_holding(path: Path, needle: str) -> list[str]:
    """Every table (warehouse) or file (exports) with a value that contains `needle`."""
    con = duckdb.connect()
    found = []
    for parquet in sorted(path.rglob("*.parquet")):
        hit = con.execute(
            "select count(*) from read_parquet(?) t where t::varchar like ?",
            [str(parquet), f"%{needle}%"],
        ).fetchone()[0]
        if hit:
            found.append(str(parquet.relative_to(path)))
    return found


def test_credentials_in_a_feed_link_are_never_sent_nor_stored(prefect_harness, hostile, tmp_path):
    from flows.nightly import nightly_news

    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(hostile))
    nightly_news(sources_file=sources, home=tmp_path)
    assert hostile.authorizations == []  # no Basic auth went out with the link
    assert "/with-password.html" in hostile.hits  # the page itself was fetched, without it
    con = connect(tmp_path, read_only=True)
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where not temporary"
    ).fetchall()
    holding = [
        f"{schema}.{table}"
        for schema, table in tables
        if con.execute(
            f'select count(*) from "{schema}"."{table}" t where t::varchar like ?', [f"%{SECRET}%"]
        ).fetchone()[0]
    ]
    urls = {u for (u,) in con.execute("select url from fact_article").fetchall()}
    feed_error = con.execute("select error from fact_fetch where purpose = 'feed'").fetchone()[0]
    con.close()
    assert holding == []
    assert _text_holding(tmp_path / "exports", SECRET) == []
    assert urls == {hostile.url("/with-password.html"), hostile.url("/plain.html")}
    assert feed_error == "credentials removed from 1 link"
