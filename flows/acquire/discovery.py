"""Discovery I/O: fetch what a source publishes and turn it into article candidates.

Parsing lives in transforms.discover; this module only decides what to fetch next.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.acquire.fetching import Fetcher
from flows.config import SourceSettings
from transforms.discover import (
    FeedEntry,
    find_feed_links,
    gunzip_capped,
    merge_candidates,
    newest_first,
    parse_feed,
    parse_section_links,
    parse_sitemap,
)
from transforms.records import ArchiveRef, Candidate, FetchResult, Validators
from transforms.vocabulary import OUTCOME_NOT_MODIFIED, OUTCOME_PARSE_ERROR

MAX_SITEMAPS = 200  # a sitemap index pointing at thousands of children is a crawl, not a run
MAX_SECTION_PAGES = 50


def _note_problem(
    result: FetchResult, problem: str | None, lost: bool, outcome: str | None = None
) -> None:
    """A document fetched whole but not read whole says so in its fetch row: parse_error
    (or the given outcome) when part of it was lost, its reason either way."""
    if problem is None:
        return
    _add_note(result, problem)
    if lost:
        result.outcome = OUTCOME_PARSE_ERROR if outcome is None else outcome


def _note_credentials(result: FetchResult, entries: list[FeedEntry]) -> None:
    """The feed's fetch row says how many of its links named a user or password: they were
    removed, and nothing was sent with them."""
    removed = sum(e.credentials_removed for e in entries)
    if removed:
        _add_note(result, f"credentials removed from {removed} link{'s' if removed > 1 else ''}")


def _add_note(result: FetchResult, note: str) -> None:
    result.error = f"{result.error}; {note}" if result.error else note


class Discovery:
    """Discovery for one source, with conditional GET on what earlier runs fetched.

    A feed that answers 304 is read from our archived copy, so its entries still count (a
    URL that failed last night is retried even when the feed did not change).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        validators: dict[str, Validators] | None = None,
        archived: Callable[[ArchiveRef], bytes] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.validators = validators or {}
        self.archived = archived
        self.cut = 0  # URLs the last source announced past its cap

    def _get(self, url: str, purpose: str, name: str) -> tuple[FetchResult, bytes | None]:
        known = self.validators.get(url)
        result = self.fetcher.get(url, purpose, name, validators=known)
        if result.ok:
            return result, result.body
        if result.outcome == OUTCOME_NOT_MODIFIED and known and known.archive and self.archived:
            try:
                return result, self.archived(known.archive)
            except (OSError, ValueError):
                return result, None  # archive gone or damaged: nothing to read this time
        return result, None

    def source(self, source: SourceSettings) -> list[Candidate]:
        """Every article URL a source announces, de-duplicated, capped at max_articles."""
        found: list[Candidate] = [Candidate(u, source.name, "list") for u in source.urls]
        feeds = list(source.feeds)
        sections = list(source.sections)
        if source.homepage and not (feeds or source.sitemaps or sections or source.urls):
            home, body = self._get(source.homepage, "section", source.name)
            if body is not None:
                feeds = find_feed_links(body, home.final_url)
                if not feeds:
                    sections = [source.homepage]
        for feed_url in feeds:
            found.extend(self._from_feed(source.name, feed_url))
        found.extend(self._from_sitemaps(source.name, source.sitemaps))
        found.extend(self._from_sections(source, sections))
        cap = source.max_articles or self.fetcher.policy.max_urls_per_source
        merged = merge_candidates(found, None)
        self.cut = max(0, len(merged) - cap)  # the oldest, past the source's cap this run
        return newest_first(merged, cap) if self.cut else merged

    def _from_feed(self, name: str, feed_url: str) -> list[Candidate]:
        result, body = self._get(feed_url, "feed", name)
        if body is None:
            return []
        doc = parse_feed(body, result.final_url)
        _note_problem(result, doc.problem, doc.lost)
        _note_credentials(result, doc.entries)
        return [
            Candidate(e.url, name, "feed", e.title, e.published_at, e.lastmod, e.tags)
            for e in doc.entries
        ]

    def _from_sitemaps(self, name: str, roots: list[str]) -> list[Candidate]:
        queue = list(roots)
        seen: set[str] = set()
        found: list[Candidate] = []
        while queue and len(seen) < MAX_SITEMAPS:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            result, body = self._get(url, "sitemap", name)
            if body is None:
                continue
            if body[:2] == b"\x1f\x8b":
                body, outcome, problem = gunzip_capped(body, self.fetcher.policy.max_bytes)
                if body is None:
                    _note_problem(result, problem, True, outcome)
                    continue
            doc = parse_sitemap(body, result.final_url)
            _note_problem(result, doc.problem, doc.lost)
            _note_credentials(result, doc.entries)
            cap = self.fetcher.policy.max_urls_per_sitemap
            if len(doc.entries) > cap:  # the protocol's limit: a bigger file is a dump
                _add_note(
                    result,
                    f"kept the newest {cap} of {len(doc.entries)} URLs (max_urls_per_sitemap)",
                )
                doc.entries = newest_first(doc.entries, cap)
            queue.extend(c for c in doc.children if c not in seen)
            found.extend(
                Candidate(e.url, name, "sitemap", e.title, e.published_at, e.lastmod)
                for e in doc.entries
            )
        return found

    def _from_sections(self, source: SourceSettings, roots: list[str]) -> list[Candidate]:
        """Section pages and the sub-sections they link to (same host, bounded)."""
        queue = list(roots)
        seen: set[str] = set()
        found: list[Candidate] = []
        while queue and len(seen) < MAX_SECTION_PAGES:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            result, body = self._get(url, "section", source.name)
            if body is None:
                continue
            articles, subsections = parse_section_links(
                body, result.final_url, source.article_pattern
            )
            found.extend(Candidate(a, source.name, "section") for a in articles)
            queue.extend(s for s in subsections if s not in seen)
        return found
