"""Discovery against a real local server: autodiscovery, gzipped and news sitemaps, 304s."""

from __future__ import annotations

import gzip

from flows.config import SourceSettings
from flows.discovery import Discovery
from flows.fetching import Fetcher, FetchPolicy
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
