"""Feed, sitemap and section-page parsing on tiny documents."""

from datetime import UTC, datetime

import pytest

from tests.hostile_site import amplified_feed
from transforms.discover import (
    find_feed_links,
    merge_candidates,
    parse_feed,
    parse_section_links,
    parse_sitemap,
)
from transforms.records import Candidate

BASE = "http://news.test/"


def test_rss_entries_keep_title_date_and_tags():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>First &amp; best</title><link>http://news.test/a.html?utm_source=rss#top</link>
    <pubDate>Tue, 03 Nov 2026 08:15:00 +0100</pubDate><category>ferries</category></item>
    <item><title>No date</title><link>/b.html</link></item></channel></rss>"""
    entries = parse_feed(rss, BASE).entries
    assert [e.url for e in entries] == ["http://news.test/a.html", "http://news.test/b.html"]
    assert entries[0].title == "First & best"
    assert entries[0].published_at == datetime(2026, 11, 3, 7, 15, tzinfo=UTC)
    assert entries[0].tags == ("ferries",)
    assert entries[1].published_at is None


def test_atom_and_json_feed():
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A</title>
    <link rel="alternate" href="http://news.test/x.html"/><published>2026-11-02T10:00:00Z</published>
    </entry></feed>"""
    [entry] = parse_feed(atom, BASE).entries
    assert entry.url == "http://news.test/x.html"
    assert entry.published_at == datetime(2026, 11, 2, 10, tzinfo=UTC)
    jf = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "url": "/j.html",'
    jf += b' "title": "J", "date_published": "2026-11-05T00:00:00+00:00", "tags": ["t"]}]}'
    [entry] = parse_feed(jf, BASE).entries
    assert (entry.url, entry.title, entry.tags) == ("http://news.test/j.html", "J", ("t",))


def test_broken_feed_gives_no_entries_and_a_reason_not_an_exception():
    cut = parse_feed(b"<rss><channel><item><title>x", BASE)
    assert cut.entries == [] and cut.problem.startswith("XML error at line 1")
    broken = parse_feed(b"{not json", BASE)
    assert broken.entries == [] and broken.problem.startswith("not JSON") and broken.lost


def test_a_feed_cut_short_by_a_parser_limit_is_lost_not_ok():
    """libxml2 stops at its entity-amplification limit and the items after are dropped: the
    feed said "ok" and its valid item vanished. A limit hit means entries may be lost."""
    body = amplified_feed("http://news.test/a", "http://news.test/b")
    doc = parse_feed(body, BASE)
    assert doc.lost and "amplification" in doc.problem
    clean = parse_feed(b"<rss><channel><item><link>/a</link></item></channel></rss>", BASE)
    assert (clean.problem, clean.lost) == (None, False)


def test_sitemap_index_and_news_sitemap():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>http://news.test/s1.xml</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index, BASE).children == ["http://news.test/s1.xml"]
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
    <url><loc>http://news.test/n.html</loc><lastmod>2026-11-09</lastmod>
      <news:news><news:publication_date>2026-11-08T09:00:00Z</news:publication_date>
      <news:title>News title</news:title></news:news></url>
    <url><loc>http://news.test/plain.html</loc><lastmod>2026-11-07</lastmod></url></urlset>"""
    doc = parse_sitemap(urlset, BASE)
    first, second = doc.entries
    assert first.published_at == datetime(2026, 11, 8, 9, tzinfo=UTC)
    assert first.title == "News title"
    assert second.published_at is None  # lastmod is not a publication date
    assert second.lastmod == datetime(2026, 11, 7, tzinfo=UTC)


def test_section_links_split_articles_from_sections_and_stay_on_host():
    html = b"""<html><body><nav><a href="/world/">World</a><a href="/about/">About</a></nav>
    <a href="/world/storm-hits.html">Storm</a><a href="https://other.test/x.html">Out</a>
    <a href="/tag/ferries/">tag</a><a href="/world/storm-hits.html#c">dup</a></body></html>"""
    articles, sections = parse_section_links(html, BASE + "index.html")
    assert articles == ["http://news.test/world/storm-hits.html"]
    assert "http://news.test/world/" in sections
    assert not any("other.test" in u for u in articles + sections)
    only, _ = parse_section_links(html, BASE, pattern=r"/nothing/")
    assert only == []


def test_feed_autodiscovery():
    html = b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
    html += b"</head><body></body></html>"
    assert find_feed_links(html, BASE) == ["http://news.test/rss.xml"]


def test_merge_keeps_evidence_and_caps_newest_first():
    older = datetime(2026, 11, 1, tzinfo=UTC)
    newer = datetime(2026, 11, 9, tzinfo=UTC)
    merged = merge_candidates(
        [
            Candidate("http://n/a", "S", "sitemap", lastmod=older),
            Candidate("http://n/a", "S", "feed", "Title A", older),
            Candidate("http://n/b", "S", "feed", "Title B", newer),
        ],
        max_articles=1,
    )
    assert [c.url for c in merged] == ["http://n/b"]
    both = merge_candidates(
        [
            Candidate("http://n/a", "S", "sitemap", lastmod=older),
            Candidate("http://n/a", "S", "feed", "Title A", newer),
        ]
    )
    assert len(both) == 1
    assert (both[0].feed_title, both[0].feed_published_at, both[0].lastmod) == (
        "Title A",
        newer,
        older,
    )


def test_url_variants_fold_into_one_candidate_and_one_key():
    from transforms.model import article_key
    from transforms.urls import normalise_url

    variants = [
        "https://www.news.test/a/story.html?utm_source=rss&utm_medium=x#comments",
        "http://m.news.test:80/a/story.html",
        "https://news.test:443/a/story.html",
    ]
    urls = [normalise_url(v) for v in variants]
    merged = merge_candidates([Candidate(u, "S", "feed") for u in urls])
    assert len(merged) == 1
    assert merged[0].url == "https://www.news.test/a/story.html"  # first spelling is fetched
    assert len({article_key(u) for u in urls}) == 1
    assert article_key("https://news.test/b.html") != article_key(urls[0])


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": ["x"]}',
        b'{"items": null}',
        b'{"items": [{"url": "/a.html", "date_published": 5, "tags": 5}]}',
        b"[1, 2]",
        b"<rss><channel><item><link>http://[::1/x</link></item>"
        b"<item><link>http://h.test:99999/x</link></item></channel></rss>",
    ],
)
def test_malformed_feeds_give_what_they_can_and_never_raise(body):
    entries = parse_feed(body, BASE).entries
    assert all(e.url.startswith("http://news.test/") for e in entries)


def test_a_catastrophic_article_pattern_matches_in_linear_time():
    """`/(\\w+-?)+\\.html$` against a 40-character link that does not end in .html took
    Python's engine 430 s (it backtracks through every split of the word): the run hung. The
    pattern is matched by RE2 now; the same page in a subprocess that must finish in 60 s."""
    import subprocess
    import sys

    probe = (
        "from transforms.discover import parse_section_links\n"
        "link = '/' + 'a' * 40 + '!'\n"
        "html = ('<html><body>' + f'<a href=\"{link}\">x</a>' * 5 + "
        "'<a href=\"/story-one.html\">s</a></body></html>').encode()\n"
        "found, _ = parse_section_links(html, 'https://news.example/', r'/(\\w+-?)+\\.html$')\n"
        "print(found)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "['https://news.example/story-one.html']"


def test_a_look_alike_international_host_is_stored_as_punycode():
    """`аpple.com` with a Cyrillic а read as apple.com in dim_source.domain and
    fact_fetch.host: hosts are stored in their ASCII form, and both spellings are one host
    for politeness."""
    from transforms.model import SourceInfo, build_dim_source
    from transforms.urls import host_of

    look_alike = "https://\u0430pple.com/news/1.html"
    assert host_of(look_alike) == "xn--pple-43d.com"
    assert host_of("https://xn--pple-43d.com/news/2.html") == host_of(look_alike)
    assert host_of("https://bücher.example:8443/") == "xn--bcher-kva.example:8443"
    assert host_of("https://apple.com/") == "apple.com"
    dim = build_dim_source(
        [SourceInfo("Look-alike", "https://\u0430pple.com/")],
        "run-1",
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert dim.get_column("domain").to_list() == ["xn--pple-43d.com"]
