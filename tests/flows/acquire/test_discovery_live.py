"""Discovery against a real local server: autodiscovery, gzipped and news sitemaps, 304s."""

from __future__ import annotations

import gzip

from flows.acquire.discovery import Discovery
from flows.acquire.fetching import Fetcher, FetchPolicy
from flows.config import SourceSettings
from transforms.records import ArchiveRef, Validators

POLICY = FetchPolicy(user_agent="gazette-test/0", per_host_delay_s=0, allow_private_hosts=True)


def test_homepage_feed_autodiscovery(site):
    site.add(
        "/",
        '<html><head><link rel="alternate" type="application/atom+xml" '
        'href="/atom.xml"></head><body>home</body></html>',
    )
    site.add(
        "/atom.xml",
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A b</title>'
        '<link href="/a.html"/><updated>2026-11-02T10:00:00Z</updated></entry>'
        "</feed>",
        Content_Type="application/atom+xml",
    )
    with Fetcher(POLICY) as fetcher:
        found = Discovery(fetcher).source(SourceSettings(name="S", homepage=site.url("/")))
    assert [(c.url, c.feed_title, c.via) for c in found] == [(site.url("/a.html"), "A b", "feed")]


def test_gzipped_sitemap_index_with_news_sitemap(site):
    site.add(
        "/sitemap.xml",
        f"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>{site.url("/news.xml.gz")}</loc></sitemap></sitemapindex>""",
        Content_Type="application/xml",
    )
    news = f"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>
      <loc>{site.url("/n.html")}</loc><news:news>
      <news:publication_date>2026-11-08T09:00:00+01:00</news:publication_date>
      <news:title>Night ferry</news:title></news:news></url></urlset>"""
    site.add("/news.xml.gz", gzip.compress(news.encode()), Content_Type="application/gzip")
    with Fetcher(POLICY) as fetcher:
        found = Discovery(fetcher).source(
            SourceSettings(name="S", sitemaps=[site.url("/sitemap.xml")])
        )
    [c] = found
    assert (c.url, c.feed_title, c.feed_published_at.isoformat()) == (
        site.url("/n.html"),
        "Night ferry",
        "2026-11-08T09:00:00+01:00",
    )


def test_not_modified_feed_is_read_from_the_archived_copy(site):
    feed = f"<rss><channel><item><title>A b</title><link>{site.url('/a.html')}</link></item>"
    feed += "</channel></rss>"
    site.add("/feed.xml", "", status=304)
    ref = ArchiveRef("raw/x.warc.gz", 0, 1, "0")
    known = {site.url("/feed.xml"): Validators(etag='"v1"', archive=ref)}
    with Fetcher(POLICY) as fetcher:
        discovery = Discovery(fetcher, known, lambda r: feed.encode() if r == ref else b"")
        found = discovery.source(SourceSettings(name="S", feeds=[site.url("/feed.xml")]))
        outcomes = [r.outcome for r in fetcher.log if r.purpose == "feed"]
    assert outcomes == ["not_modified"]
    assert [c.url for c in found] == [site.url("/a.html")]


def _urlset(site, numbers) -> str:
    return (
        "<urlset>"
        + "".join(
            f"<url><loc>{site.url(f'/{n}.html')}</loc>"
            f"<lastmod>2026-{1 + n % 12:02d}-{1 + n % 28:02d}</lastmod></url>"
            for n in numbers
        )
        + "</urlset>"
    )


def test_a_sitemap_past_the_protocols_size_keeps_its_newest_urls_and_says_so(site):
    """A 200,000-URL sitemap was taken whole (the protocol allows 50,000 a file) and 104,900
    pages were fetched before the run was stopped. Here the caps are set small."""
    from dataclasses import replace

    site.add("/a.xml", _urlset(site, range(0, 120)), Content_Type="application/xml")
    site.add("/b.xml", _urlset(site, range(120, 150)), Content_Type="application/xml")
    policy = replace(POLICY, max_urls_per_sitemap=50, max_urls_per_source=60)
    with Fetcher(policy) as fetcher:
        discovery = Discovery(fetcher)
        found = discovery.source(
            SourceSettings(name="S", sitemaps=[site.url("/a.xml"), site.url("/b.xml")])
        )
        rows = {r.url.rsplit("/", 1)[1]: r for r in fetcher.log if r.purpose == "sitemap"}
    assert rows["a.xml"].error == "kept the newest 50 of 120 URLs (max_urls_per_sitemap)"
    assert rows["b.xml"].error is None
    assert len(found) == 60 and discovery.cut == 20  # 50 + 30 announced, 60 kept
    dates = [c.lastmod for c in found]
    assert dates == sorted(dates, reverse=True)  # the newest first
