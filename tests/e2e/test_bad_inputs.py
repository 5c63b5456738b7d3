"""The bad-input matrix: every broken endpoint is recorded with its outcome, every good article
of the same run loads, and a rerun duplicates nothing. A real server on 127.0.0.1."""

from __future__ import annotations

import gzip

import pytest

from tests.builders import article_html, feed, sources_toml
from tests.runs import MARTS, closed_port, mart_counts
from tests.siteserver import Route, Site, start
from warehouse.db import connect, query_frame


def build_site() -> tuple[Site, dict[str, str]]:
    """Routes and, for every feed entry, the outcome its last attempt must have."""
    site = Site()
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
    for i in range(1, 4):
        site.add(f"/good{i}.html", article_html(f"Good story {i}", f"Story {i}. "))
    site.add("/404.html", "missing", status=404)
    site.add("/410.html", "gone", status=410)
    site.add("/500.html", "boom", status=500)
    calls = {"n": 0}

    def flaky() -> Route:  # 503 with Retry-After once, then the article
        calls["n"] += 1
        if calls["n"] == 1:
            return Route(503, b"busy", {"Content-Type": "text/html", "Retry-After": "1"})
        return Route(200, article_html("Back after a retry").encode())

    site.routes["/503.html"] = flaky
    site.routes["/never.html"] = Route(200, b"<html></html>", delay_s=30)
    site.routes["/trickle.html"] = Route(200, article_html("Slow").encode(), trickle_s=0.2)
    site.add("/paper.html", b"%PDF-1.7\n" + b"\x00binary" * 100, Content_Type="text/html")
    site.add("/huge.html", "<html><body>" + "<p>word</p>" * 1_600_000)
    site.add("/loop1.html", status=302, Location="/loop2.html")
    site.add("/loop2.html", status=302, Location="/loop1.html")
    site.add("/empty.html", "")
    # words a statistical guess reads in the wrong code page (ñ, ã, curly quotes): only
    # decoding once, windows-1252 first, gets both the title and the text right
    cp1252 = article_html("Café prices", "La señora Muñoz paid 5 € for a “galão” at the café. ")
    site.add(
        "/cp1252.html",
        cp1252.replace("<meta charset='utf-8'>", "").encode("cp1252"),
        Content_Type="text/html",
    )
    site.add("/truncated.html", article_html("Cut short")[:-40])
    site.add("/private/secret.html", article_html("Secret"))
    site.add("/to-private.html", status=302, Location="http://10.0.0.1/internal.html")
    site.add("/bomb.html", gzip.compress(b"<html>" + b"a" * 3_000_000), Content_Encoding="gzip")
    # a challenge page is not retried like a 503 and says what it is
    site.add(
        "/challenge.html", "<title>Just a moment...</title><div id='cf-chl-widget'>", status=503
    )
    dead = f"http://127.0.0.1:{closed_port()}/dead.html"
    expected = {
        "/good1.html": "ok",
        "/good2.html": "ok",
        "/good3.html": "ok",
        "/404.html": "http_error",
        "/410.html": "http_error",
        "/500.html": "http_error",
        "/503.html": "ok",
        "/never.html": "timeout",
        "/trickle.html": "timeout",
        "/paper.html": "not_html",
        "/huge.html": "too_large",
        "/loop1.html": "redirect_loop",
        "/empty.html": "empty",
        "/cp1252.html": "ok",
        "/truncated.html": "ok",
        "/private/secret.html": "robots_disallowed",
        "/to-private.html": "private_address",
        "/bomb.html": "too_large",
        "/challenge.html": "bot_challenge",
        dead: "connection_error",
    }
    return site, expected


@pytest.fixture(scope="module")
def matrix():
    site, expected = build_site()
    server = start(site)
    site.add("/feed.xml", feed(site, list(expected)), Content_Type="application/rss+xml")
    yield site, expected
    server.shutdown()
    server.server_close()


def test_every_bad_input_is_recorded_and_good_articles_load(prefect_harness, matrix, tmp_path):
    from flows.nightly import nightly_news

    site, expected = matrix
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    summary = nightly_news(sources_file=sources, home=tmp_path)
    con = connect(tmp_path, read_only=True)
    last = query_frame(
        con,
        """
        select url, outcome, status, error, attempt from fact_fetch where purpose = 'article'
        qualify row_number() over (partition by url order by attempt desc, fetched_at desc) = 1
        """,
    )
    got = {row["url"]: row["outcome"] for row in last.iter_rows(named=True)}
    want = {(u if u.startswith("http") else site.url(u)): o for u, o in expected.items()}
    assert got == want
    errors = {row["url"]: row["error"] for row in last.iter_rows(named=True)}
    assert all(errors[u] for u, o in want.items() if o != "ok")  # every failure says why

    titles = {r[0] for r in con.execute("select title from fact_article").fetchall()}
    assert titles == {
        "Good story 1",
        "Good story 2",
        "Good story 3",
        "Back after a retry",
        "Café prices",
        "Cut short",
    }
    cafe, encoding, decided = con.execute(
        "select text, encoding, encoding_source from fact_article where title = 'Café prices'"
    ).fetchone()
    assert "La señora Muñoz paid 5 € for a “galão” at the café." in cafe  # not mojibake
    assert (encoding, decided) == ("windows-1252", "windows_1252")
    retries = con.execute(
        "select attempt, status, outcome from fact_fetch where url = ? order by attempt",
        [site.url("/503.html")],
    ).fetchall()
    assert retries == [(1, 503, "http_error"), (2, 200, "ok")]
    kept = dict(
        con.execute(
            "select url, count(*) from raw.fetch where purpose = 'article' group by all"
        ).fetchall()
    )
    assert kept[site.url("/404.html")] == 1  # the error page's bytes are kept too
    assert kept[site.url("/huge.html")] == 1  # truncated at max_bytes, kept and marked
    assert site.url("/private/secret.html") not in kept
    con.close()
    assert summary.articles_extracted == 6
    con = connect(tmp_path, read_only=True)
    decisions = con.execute("select distinct robots_decision from fact_article").fetchall()
    con.close()
    assert decisions == [("allowed",)]  # each article records what robots.txt said

    before = mart_counts(tmp_path)
    nightly_news(sources_file=sources, home=tmp_path)
    after = mart_counts(tmp_path)
    assert {k: after[k] for k in MARTS} == {k: before[k] for k in MARTS}


def test_a_source_that_answers_nowhere_fails_by_name_and_the_run_says_so(
    prefect_harness, site, tmp_path
):
    """A whole source lost is not a quiet success: its reason (each place asked, with its
    outcome) reaches the summary, ops.etl_run and the exit code; the other source loads."""
    from flows.nightly import nightly_news
    from flows.summary import SOURCE_FAILED_EXIT

    site.add("/good.html", article_html("Harbour story"))
    site.add("/rss.xml", feed(site, ["/good.html"]), Content_Type="application/rss+xml")
    site.add("/gone.xml", "no feed here", status=404)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        sources_toml(site).split("[[sources]]")[0]
        + f'[[sources]]\nname = "Good Times"\nfeeds = ["{site.url("/rss.xml")}"]\n'
        f'[[sources]]\nname = "Lost Post"\nfeeds = ["{site.url("/gone.xml")}"]\n'
        f'sitemaps = ["http://127.0.0.1:{closed_port()}/sitemap.xml"]\n'
    )
    summary = nightly_news(sources_file=sources, home=tmp_path)
    assert summary.exit_code == SOURCE_FAILED_EXIT
    why = summary.failed_sources["Lost Post"]
    assert "Good Times" not in summary.failed_sources
    assert f"feed {site.url('/gone.xml')} http_error (404)" in why
    assert "sitemap" in why and "connection_error" in why
    con = connect(tmp_path, read_only=True)
    message, reasons = con.execute(
        "select message, failures_by_reason from ops.etl_run where run_id = ?", [summary.run_id]
    ).fetchone()
    titles = [t for (t,) in con.execute("select title from fact_article").fetchall()]
    con.close()
    assert message == f"source Lost Post failed: {why}"
    assert f"source failed (Lost Post): {why}" in reasons
    assert titles == ["Harbour story"]
