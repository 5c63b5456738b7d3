"""Discovery I/O: fetch what a source publishes and turn it into article candidates.

Parsing lives in transforms.discover; this module only decides what to fetch next.
"""

from __future__ import annotations

import gzip

from flows.config import SourceSettings
from flows.fetching import Fetcher
from transforms.discover import (
    find_feed_links,
    merge_candidates,
    parse_feed,
    parse_section_links,
    parse_sitemap,
)
from transforms.records import Candidate

MAX_SITEMAPS = 200  # a sitemap index pointing at thousands of children is a crawl, not a run
MAX_SECTION_PAGES = 50


def discover_source(fetcher: Fetcher, source: SourceSettings) -> list[Candidate]:
    """Every article URL a source announces, de-duplicated, capped at max_articles."""
    found: list[Candidate] = [Candidate(u, source.name, "list") for u in source.urls]
    feeds = list(source.feeds)
    sections = list(source.sections)
    if source.homepage and not (feeds or source.sitemaps or sections or source.urls):
        home = fetcher.get(source.homepage, "section", source.name)
        if home.ok:
            feeds = find_feed_links(home.body, home.final_url)
            if not feeds:
                sections = [source.homepage]
    for feed_url in feeds:
        found.extend(_from_feed(fetcher, source.name, feed_url))
    found.extend(_from_sitemaps(fetcher, source.name, source.sitemaps))
    found.extend(_from_sections(fetcher, source, sections))
    return merge_candidates(found, source.max_articles)


def _from_feed(fetcher: Fetcher, name: str, feed_url: str) -> list[Candidate]:
    result = fetcher.get(feed_url, "feed", name)
    if not result.ok:
        return []
    return [
        Candidate(e.url, name, "feed", e.title, e.published_at, e.lastmod, e.tags)
        for e in parse_feed(result.body, result.final_url)
    ]


def _from_sitemaps(fetcher: Fetcher, name: str, roots: list[str]) -> list[Candidate]:
    queue = list(roots)
    seen: set[str] = set()
    found: list[Candidate] = []
    while queue and len(seen) < MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        result = fetcher.get(url, "sitemap", name)
        if not result.ok:
            continue
        body = result.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)
            except OSError:
                continue
        doc = parse_sitemap(body, result.final_url)
        queue.extend(c for c in doc.children if c not in seen)
        found.extend(
            Candidate(e.url, name, "sitemap", e.title, e.published_at, e.lastmod)
            for e in doc.entries
        )
    return found


def _from_sections(fetcher: Fetcher, source: SourceSettings, roots: list[str]) -> list[Candidate]:
    """Section pages and the sub-sections they link to (same host, bounded)."""
    queue = list(roots)
    seen: set[str] = set()
    found: list[Candidate] = []
    while queue and len(seen) < MAX_SECTION_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        result = fetcher.get(url, "section", source.name)
        if not result.ok:
            continue
        articles, subsections = parse_section_links(
            result.body, result.final_url, source.article_pattern
        )
        found.extend(Candidate(a, source.name, "section") for a in articles)
        queue.extend(s for s in subsections if s not in seen)
    return found
