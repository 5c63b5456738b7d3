"""The hostile loopback site of tests/e2e/test_hostile_site.py, also served by
bench/hostile_run.py: every case on it is one gazette once got wrong (issue 17)."""

from __future__ import annotations

import gzip
from http.server import ThreadingHTTPServer

from tests.builders import article_html, feed, sources_toml
from tests.siteserver import Site, start

SECRET = "s3cret-pa55"


AMPLIFIED_ENTITIES = (
    '<!ENTITY a "'
    + "a" * 60
    + '">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
)  # nested ten times over: past libxml2's entity-amplification limit once &i; is used


def amplified_feed(first: str, second: str) -> bytes:
    """A feed whose first item trips the amplification limit, then a valid item."""
    return (
        f"<!DOCTYPE rss [{AMPLIFIED_ENTITIES}]><rss><channel><item><title>&i;</title>"
        f"<link>{first}</link></item>"
        f"<item><title>ok</title><link>{second}</link></item></channel></rss>"
    ).encode()


def hostile_sites() -> tuple[Site, Site, list[ThreadingHTTPServer]]:
    """The site, and a second host whose 2.1 MB robots.txt (over max_bytes) opens with
    Disallow: /. Both served; the caller shuts the servers down."""
    site, walled = Site(), Site()
    servers = [start(site), start(walled)]
    site.add("/robots.txt", "User-agent: *\nAllow: /\n", Content_Type="text/plain")
    for name in ("with-password", "plain", "behind-the-bomb", "after-the-bomb", "listed"):
        site.add(f"/{name}.html", article_html(f"The {name} story"))
    one_line = "the council said the ferry was late again " * 22_000  # 0.9 MB, no full stop
    site.add("/one-line.html", f"<html><body><article><h1>One line</h1><p>{one_line}</p>")
    site.add("/thin.html", "<html><head><title>Thin</title></head><body><p>Hi.</p>")
    site.add("/paper.html", b"%PDF-1.7\n" + b"\x00binary" * 100, Content_Type="application/pdf")
    with_password = site.url("/with-password.html").replace("http://", f"http://reader:{SECRET}@")
    links = [with_password, "/plain.html", "/one-line.html", "/thin.html", "/paper.html"]
    site.add(
        "/feed.xml", feed(site, [*links, walled.url("/a.html")]), Content_Type="application/rss+xml"
    )
    bomb = amplified_feed(site.url("/behind-the-bomb.html"), site.url("/after-the-bomb.html"))
    site.add("/bomb.xml", bomb, Content_Type="application/rss+xml")
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
    )
    walled.add("/a.html", article_html("Behind the wall"))
    return site, walled, servers


def hostile_sources(site: Site) -> str:
    return sources_toml(site).replace(
        f'feeds = ["{site.url("/feed.xml")}"]',
        f'feeds = ["{site.url("/feed.xml")}", "{site.url("/bomb.xml")}"]\n'
        f'sitemaps = ["{site.url("/sitemap.xml.gz")}"]',
    )
