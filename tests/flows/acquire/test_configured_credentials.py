"""user:password@ in a source's own URL: the operator's choice to send (to that origin, as
HTTP Basic auth), never something to store or export."""

from __future__ import annotations

import base64
from pathlib import Path

import duckdb

from flows.acquire.fetching import FetchPolicy
from flows.config import load_settings
from tests.builders import article_html, feed

SECRET = "op3rator-pa55"


def _holding(con: duckdb.DuckDBPyConnection, needle: str, catalog: str) -> list[str]:
    """Every table of a database file with a row whose text holds `needle`."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
    ).fetchall()
    return [
        f"{schema}.{table}"
        for schema, table in tables
        if con.execute(
            f'select count(*) from "{catalog}"."{schema}"."{table}" t where t::varchar like ?',
            [f"%{needle}%"],
        ).fetchone()[0]
    ]


def test_a_policy_sends_configured_credentials_to_their_origin_only(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        "[[sources]]\nname = 'Members Gazette'\n"
        f"homepage = 'https://reader:{SECRET}@news.example/'\n"
        f"feeds = ['https://reader:{SECRET}@news.example/members.xml']\n"
        "urls = ['https://news.example/free.html']\n"
    )
    settings = load_settings(sources)
    source = settings.sources[0]
    assert source.homepage == "https://news.example/"
    assert source.feeds == ["https://news.example/members.xml"]
    policy = settings.fetch_policy()
    assert SECRET not in repr(policy)  # never in a log line that prints the policy
    expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
    assert policy.basic_auth("https://news.example/2026/story.html") == expected
    assert policy.basic_auth("https://NEWS.example:443/x") == expected
    for elsewhere in (
        "http://news.example/x",  # another scheme: another origin
        "https://news.example:8443/x",
        "https://cdn.news.example/x",
        "https://evil.example/?https://news.example/",
    ):
        assert policy.basic_auth(elsewhere) is None, elsewhere
    assert FetchPolicy(user_agent="gazette").basic_auth("https://news.example/") is None


def test_credentials_in_a_sources_url_are_sent_but_never_stored_or_exported(
    prefect_harness, site, other_site, tmp_path
):
    from flows.nightly import nightly_news

    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    other_site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    site.add("/members.html", article_html("The members story about the harbour"))
    other_site.add("/wire.html", article_html("The wire story about the ferry"))
    site.add(
        "/members.xml",
        feed(site, ["/members.html", other_site.url("/wire.html")]),
        Content_Type="application/rss+xml",
    )
    with_secret = site.url("/members.xml").replace("http://", f"http://reader:{SECRET}@")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "Members Gazette"\nfeeds = ["{with_secret}"]\n'
    )
    home = tmp_path / "home"
    summary = nightly_news(sources_file=sources, home=home)
    assert summary.exit_code == 0

    token = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()
    assert site.authorizations and set(site.authorizations) == {token}  # sent to its origin
    assert "/members.html" in site.hits
    assert other_site.authorizations == [] and "/wire.html" in other_site.hits  # not elsewhere

    con = duckdb.connect()
    for name, path in (("live", home / "gazette.duckdb"), ("snap", _snapshot(home))):
        con.execute(f"attach '{path}' as {name} (read_only)")
        assert _holding(con, SECRET, name) == [], name
        assert _holding(con, "reader:", name) == [], name
    feeds = con.execute("select feeds from live.dim_source").fetchone()[0]
    assert feeds == [site.url("/members.xml")]
    urls = {u for (u,) in con.execute("select url from live.fact_article").fetchall()}
    assert urls == {site.url("/members.html"), other_site.url("/wire.html")}
    for exported in (home / "exports").rglob("*"):
        if exported.is_file() and exported.suffix in (".parquet", ".json", ".csv"):
            assert SECRET.encode() not in exported.read_bytes(), exported
            if exported.suffix == ".parquet":
                assert not con.execute(
                    "select count(*) from read_parquet(?) t where t::varchar like ?",
                    [str(exported), f"%{SECRET}%"],
                ).fetchone()[0], exported


def _snapshot(home: Path) -> Path:
    path = home / "exports" / "gazette.duckdb"
    assert path.exists()
    return path
