"""Fetch decisions against a real server on 127.0.0.1: each attempt gets a named outcome."""

from __future__ import annotations

import gzip
import io
import itertools
import time

import pytest

from flows.acquire.fetching import Fetcher, FetchPolicy
from transforms.records import Candidate

ARTICLE = "<html><body><article><p>" + "words " * 200 + "</p></article></body></html>"


def policy(**overrides) -> FetchPolicy:
    values = dict(
        user_agent="gazette-test/0",
        per_host_delay_s=0.0,
        timeout_s=2.0,
        connect_timeout_s=1.0,
        max_bytes=100_000,
        allow_private_hosts=True,
        backoff_s=0.01,
    )
    values.update(overrides)
    return FetchPolicy(**values)


def test_ok_page_and_user_agent(site):
    site.add("/a.html", ARTICLE)
    with Fetcher(policy()) as fetcher:
        result = fetcher.get(site.url("/a.html"), "article")
    assert (result.outcome, result.status) == ("ok", 200)
    assert result.body.startswith(b"<html>")
    assert "/robots.txt" in site.hits  # robots asked first, even when it is missing


def test_loopback_refused_unless_allowed(site):
    site.add("/a.html", ARTICLE)
    with Fetcher(policy(allow_private_hosts=False)) as fetcher:
        result = fetcher.get(site.url("/a.html"), "article")
    assert result.outcome == "private_address"
    assert "127.0.0.1" in result.error
    assert site.hits == []  # refused before any byte was sent


def test_every_redirect_hop_is_checked_against_private_addresses(site, monkeypatch):
    """The first hop passes the guard; the redirect to 10.0.0.1 must be refused unsent."""
    import flows.acquire.fetching as fetching

    real = fetching._non_public
    # pretend loopback is the public internet, so only the redirect target is private
    monkeypatch.setattr(fetching, "_non_public", lambda ip: str(ip) != "127.0.0.1" and real(ip))
    site.add("/go", status=302, Location="http://10.0.0.1/secret")
    with Fetcher(policy(allow_private_hosts=False, respect_robots=False)) as fetcher:
        result = fetcher.get(site.url("/go"), "article")
    assert result.outcome == "private_address"
    assert "10.0.0.1" in result.error
    assert site.hits == ["/go"]


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254"])
def test_private_addresses_are_not_public(host):
    from flows.acquire.fetching import is_public_address

    assert is_public_address(host)[0] is False


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, "http_error"), (410, "http_error"), (500, "http_error")]
)
def test_http_errors_recorded_with_status(site, status, outcome):
    site.add("/x.html", "gone", status=status)
    with Fetcher(policy()) as fetcher:
        result = fetcher.get(site.url("/x.html"), "article")
    assert (result.outcome, result.status) == (outcome, status)
    assert result.body == b""


def test_robots_disallow_is_obeyed_and_recorded(site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", Content_Type="text/plain")
    site.add("/private/p.html", ARTICLE)
    with Fetcher(policy()) as fetcher:
        result = fetcher.get(site.url("/private/p.html"), "article")
        robots = [r for r in fetcher.log if r.purpose == "robots"]
    assert result.outcome == "robots_disallowed"
    assert "/private/p.html" not in site.hits
    assert len(robots) == 1 and robots[0].outcome == "ok"


def test_size_cap_and_gzip_bomb(site):
    site.add("/big.html", "<html>" + "x" * 300_000)
    bomb = gzip.compress(b"<html>" + b"a" * 5_000_000)
    site.add("/bomb.html", bomb, Content_Encoding="gzip")
    with Fetcher(policy()) as fetcher:
        big = fetcher.get(site.url("/big.html"), "article")
        boom = fetcher.get(site.url("/bomb.html"), "article")
    assert big.outcome == "too_large"
    assert boom.outcome == "too_large"


def test_redirect_loop_and_not_html_and_empty(site):
    site.add("/loop1", status=302, Location="/loop2")
    site.add("/loop2", status=302, Location="/loop1")
    site.add("/paper.html", b"%PDF-1.7 binary", Content_Type="text/html")
    site.add("/empty.html", "")
    with Fetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/loop1"), "article").outcome == "redirect_loop"
        assert fetcher.get(site.url("/paper.html"), "article").outcome == "not_html"
        assert fetcher.get(site.url("/empty.html"), "article").outcome == "empty"


def test_connection_refused_and_timeout(site):
    from tests.siteserver import Route

    site.routes["/slow.html"] = Route(200, b"<html></html>", delay_s=3)
    with Fetcher(policy(timeout_s=0.5, respect_robots=False)) as fetcher:
        assert fetcher.get(site.url("/slow.html"), "article").outcome == "timeout"
        refused = fetcher.get("http://127.0.0.1:9/none.html", "article")
    assert refused.outcome == "connection_error"


def test_fetch_many_keeps_order_and_politeness(site):
    for i in range(4):
        site.add(f"/{i}.html", ARTICLE)
    from transforms.records import Candidate

    cands = [Candidate(site.url(f"/{i}.html"), "S", "list") for i in range(4)]
    with Fetcher(policy(per_host_delay_s=0.1)) as fetcher:
        results = fetcher.fetch_many(cands)
    assert [r.url for r in results] == [c.url for c in cands]
    starts = sorted(r.fetched_at for r in fetcher.log)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.09  # one host: never two requests closer than the delay


def test_crawl_delay_from_robots_is_honoured(site):
    from transforms.records import Candidate

    site.add("/robots.txt", "User-agent: *\nCrawl-delay: 0.3\n", Content_Type="text/plain")
    for i in range(3):
        site.add(f"/{i}.html", ARTICLE)
    with Fetcher(policy(per_host_delay_s=0.0)) as fetcher:
        fetcher.fetch_many([Candidate(site.url(f"/{i}.html"), "S", "list") for i in range(3)])
    starts = sorted(r.fetched_at for r in fetcher.log if r.purpose == "article")
    assert min((b - a).total_seconds() for a, b in itertools.pairwise(starts)) >= 0.29


def test_429_is_retried_with_retry_after_and_404_is_not(site):
    from tests.siteserver import Route

    answers = iter([Route(429, b"slow down", {"Retry-After": "0"}), Route(200, ARTICLE.encode())])
    site.routes["/limited.html"] = lambda: next(answers)
    site.add("/missing.html", "no", status=404)
    waits: list[float] = []
    with Fetcher(policy(respect_robots=False), sleep=waits.append) as fetcher:
        assert fetcher.get(site.url("/limited.html"), "article").outcome == "ok"
        assert fetcher.get(site.url("/missing.html"), "article").outcome == "http_error"
    attempts = [(r.url.rsplit("/", 1)[1], r.attempt, r.status) for r in fetcher.log]
    assert attempts == [
        ("limited.html", 1, 429),
        ("limited.html", 2, 200),
        ("missing.html", 1, 404),
    ]
    assert waits == [0.01]  # backoff, since Retry-After asked for 0 s


def test_retry_after_too_long_gives_up_at_once(site):
    from tests.siteserver import Route

    site.routes["/busy.html"] = Route(503, b"busy", {"Retry-After": "3600"})
    waits: list[float] = []
    with Fetcher(policy(respect_robots=False), sleep=waits.append) as fetcher:
        result = fetcher.get(site.url("/busy.html"), "article")
    assert (result.outcome, result.status, result.attempt, waits) == ("http_error", 503, 1, [])


def test_retry_after_http_date():
    from datetime import UTC, datetime

    from flows.acquire.fetching import retry_after_seconds

    now = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 26 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("soon", now) is None


def test_conditional_get_sends_validators_and_records_not_modified(site):
    from tests.siteserver import Route
    from transforms.records import Validators

    seen: list[str | None] = []

    def conditional() -> Route:
        return Route(304, b"", {"ETag": '"v1"'})

    site.routes["/feed.xml"] = conditional
    with Fetcher(policy(respect_robots=False)) as fetcher:
        result = fetcher.get(site.url("/feed.xml"), "feed", validators=Validators(etag='"v1"'))
    seen.append(result.outcome)
    assert seen == ["not_modified"]


def test_robots_rfc9309_longest_match_wildcards_empty_file_and_redirects(site):
    site.add(
        "/robots.txt",
        "User-agent: *\nAllow: /\nDisallow: /private/\nDisallow: /*.pdf$\n",
        Content_Type="text/plain",
    )
    site.add("/private/a.html", ARTICLE)
    site.add("/files/a.pdf", ARTICLE)
    site.add("/go", status=302, Location="/private/a.html")
    with Fetcher(policy()) as fetcher:
        outcomes = [
            fetcher.get(site.url(p), "article").outcome
            for p in ("/private/a.html", "/files/a.pdf", "/go")
        ]
    assert outcomes == ["robots_disallowed"] * 3  # longest match, $ wildcard, redirect hop
    assert "/private/a.html" not in site.hits


def test_empty_robots_txt_means_no_rules(site):
    site.add("/robots.txt", "", Content_Type="text/plain")
    site.add("/a.html", ARTICLE)
    with Fetcher(policy()) as fetcher:
        assert fetcher.get(site.url("/a.html"), "article").outcome == "ok"


def test_huge_crawl_delay_is_capped():
    from flows.acquire import fetching

    with Fetcher(policy()) as fetcher:
        fetcher._remember_robots("a.test", "User-agent: *\nCrawl-delay: 1e9\n")
        fetcher._remember_robots("b.test", "User-agent: *\nCrawl-delay: inf\n")
        assert fetcher._delay_for("a.test") == fetching.MAX_CRAWL_DELAY_S
        assert fetcher._delay_for("b.test") == 0.0


@pytest.mark.parametrize(
    "address", ["100.100.100.200", "::ffff:127.0.0.1", "2002:a9fe:a9fe::1", "0.0.0.0"]
)
def test_cgnat_mapped_and_6to4_addresses_are_not_public(address):
    import ipaddress

    from flows.acquire.fetching import _non_public

    assert _non_public(ipaddress.ip_address(address))


def test_dns_rebinding_is_caught_at_connect_time(site, monkeypatch):
    """The name resolves 'public' at check time, but the connection lands on loopback."""
    import flows.acquire.fetching as fetching

    site.add("/admin.html", ARTICLE)
    monkeypatch.setattr(fetching, "is_public_address", lambda host: (True, ""))
    with Fetcher(policy(allow_private_hosts=False, respect_robots=False)) as fetcher:
        result = fetcher.get(site.url("/admin.html"), "article")
    assert result.outcome == "private_address"
    assert result.body == b""
    assert site.hits == []  # the connection is checked before any request is sent


def test_odd_urls_and_validators_never_raise(site):
    from transforms.records import Validators

    site.add("/feed.xml", "<rss/>")
    with Fetcher(policy(respect_robots=False)) as fetcher:
        odd = [
            fetcher.get("http://[::1/x", "article"),
            fetcher.get("http://" + "a" * 70 + ".test/x", "article"),
            fetcher.get("http://127.0.0.1:99999/x", "article"),
            fetcher.get(site.url("/feed.xml"), "feed", validators=Validators(etag='"é"')),
        ]
    assert [r.outcome for r in odd][:3] == ["invalid_url"] * 3
    assert odd[3].outcome == "ok"


def test_headers_dripping_past_the_deadline_time_out(site):
    from tests.siteserver import Route

    site.routes["/drip.html"] = Route(header_drip_s=0.2)
    started = time.monotonic()
    with Fetcher(
        policy(timeout_s=1.0, connect_timeout_s=0.5, max_retries=0, respect_robots=False)
    ) as fetcher:
        result = fetcher.get(site.url("/drip.html"), "article")
    assert result.outcome == "timeout"
    assert time.monotonic() - started < 6


def test_a_robots_txt_larger_than_max_bytes_is_still_obeyed(site):
    """2.1 MB of robots.txt that opens with Disallow: / was read as "no rules" when it was
    over max_bytes; its first 500 KiB are parsed whatever max_bytes is (RFC 9309)."""
    filler = "".join(f"Disallow: /archive/{i}/\n" for i in range(100_000))
    site.add("/robots.txt", "User-agent: *\nDisallow: /\n" + filler, Content_Type="text/plain")
    site.add("/news/a.html", ARTICLE)
    with Fetcher(policy(max_bytes=100_000)) as fetcher:
        result = fetcher.get(site.url("/news/a.html"), "article")
    assert result.outcome == "robots_disallowed"
    assert "/news/a.html" not in site.hits


def test_a_robots_txt_that_cannot_be_read_to_the_end_keeps_us_out(site):
    from tests.siteserver import Route

    rules = ("User-agent: *\nDisallow: /private/\n" + "# padding\n" * 200).encode()
    site.routes["/robots.txt"] = Route(200, rules, {"Content-Type": "text/plain"}, trickle_s=0.2)
    site.add("/news/a.html", ARTICLE)
    with Fetcher(policy(timeout_s=0.5)) as fetcher:
        result = fetcher.get(site.url("/news/a.html"), "article")
    assert result.outcome == "robots_disallowed"
    assert "could not be read" in result.error
    assert "/news/a.html" not in site.hits


def test_a_stopping_run_requests_nothing_more_and_its_fetch_threads_end(site):
    """SIGTERM under serve: the fetch threads went on through their batch, a politeness pause
    at a time (50 pages 5 s apart: minutes), so the run's process outlived the stop. Once the
    run says it is stopping, a thread in its pause stops there and asks for nothing else."""
    import threading

    from flows.acquire.fetching import STOPPING, RunStopping

    for name in "abc":
        site.add(f"/{name}.html", ARTICLE)
    outcome: list[BaseException] = []

    def fetch_all() -> None:
        try:
            with Fetcher(policy(per_host_delay_s=30.0)) as fetcher:
                for name in "abc":
                    fetcher.get(site.url(f"/{name}.html"), "article")
        except RunStopping as exc:
            outcome.append(exc)

    STOPPING.clear()
    thread = threading.Thread(target=fetch_all, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while "/robots.txt" not in site.hits and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        STOPPING.set()  # as `_guarded` does when the run is interrupted
        thread.join(timeout=10)  # in its 30 s pause after robots.txt, before /a.html
    finally:
        STOPPING.clear()
    assert not thread.is_alive()
    assert [type(e) for e in outcome] == [RunStopping]
    assert site.hits == ["/robots.txt"]


def test_each_page_is_reported_as_it_is_fetched_not_its_batch(site):
    """The fetch bar moved in steps of a batch (50 pages): now a page at a time, from the
    fetch threads, into the stage of that name that is running."""
    from flows.cli import progress

    urls = [f"/p{n}.html" for n in range(4)]
    for url in urls:
        site.add(url, "<html><body><p>A page.</p></body></html>")
    reporter = progress.Reporter(io.StringIO())
    previous = progress.use(reporter)
    try:
        with reporter.stage("fetch", len(urls)) as stage:
            seen = []
            with Fetcher(policy()) as fetcher:
                fetcher.fetch_many(
                    [Candidate(site.url(u), "S", "feed") for u in urls],
                    on_each=lambda r: (seen.append(r.url), progress.advance("fetch")),
                )
            assert sorted(seen) == sorted(site.url(u) for u in urls)
            assert stage.done_count == len(urls)
        progress.advance("fetch")  # the stage is over: nothing to advance, and no error
        assert stage.done_count == len(urls)
    finally:
        progress.use(previous)
