"""Parse what sources publish (RSS 2.0, Atom, JSON Feed, sitemaps, section pages) into URLs.

Parsing only: the caller fetches the bytes, so loopback demo sites and real sites behave alike
(trafilatura's own feed and sitemap helpers refuse IP-address hosts).
"""

from __future__ import annotations

import email.utils
import json
import re
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TypeVar

import lxml.etree as etree
import lxml.html

from transforms.records import Candidate, FetchResult
from transforms.urls import (
    carries_credentials,
    host_of,
    normalise_url,
    url_identity,
    url_pattern,
)
from transforms.vocabulary import (
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    OUTCOME_PARSE_ERROR,
    OUTCOME_TOO_LARGE,
)


def _xml_parser() -> etree.XMLParser:
    """A parser per document: its error log is what tells a recovered document from one cut
    short, and fetch threads parse at once."""
    return etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass(slots=True)
class FeedEntry:
    url: str
    title: str | None = None
    published_at: datetime | None = None
    tags: tuple[str, ...] = ()
    lastmod: datetime | None = None  # sitemaps: when the page changed, not when it was published
    credentials_removed: bool = False  # the link named a user or password; the URL does not


@dataclass(slots=True)
class FeedDoc:
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str | None = None  # the parser gave up part of the document: see xml_problem
    lost: bool = False  # ... and what it gave up may have held entries


@dataclass(slots=True)
class SitemapDoc:
    """A sitemap is either an index (children) or a URL set (entries); we accept both at once."""

    children: list[str] = field(default_factory=list)
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str | None = None
    lost: bool = False


# libxml2 stops a document at its resource limits (entity amplification, depth, a huge text
# node): what follows is dropped. Other errors it recovers from, keeping what it could read.
_LIMITS = re.compile(r"amplification|huge|depth|exceeded|memory", re.IGNORECASE)


def xml_problem(parser: etree.XMLParser) -> tuple[str | None, bool]:
    """(the first fatal error of the last parse, whether it cut the document short)."""
    fatal = [e for e in parser.error_log if e.level_name == "FATAL"]
    if not fatal:
        return None, False
    first = fatal[0]
    lost = any(_LIMITS.search(e.message or "") for e in fatal)
    more = f" and {len(fatal) - 1} more" if len(fatal) > 1 else ""
    return f"XML error at line {first.line}: {(first.message or '').strip()}{more}", lost


def parse_date(value: str | None) -> datetime | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, sitemaps, JSON Feed) to an aware datetime."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _child(element: etree._Element, *names: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag) in names:
            return child
    return None


def parse_feed(body: bytes, base_url: str) -> FeedDoc:
    """Entries of an RSS 2.0, Atom or JSON Feed document, URLs normalised, order kept, and
    what the parser could not read."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        return _parse_json_feed(stripped, base_url)
    parser = _xml_parser()
    try:
        root = etree.fromstring(stripped, parser=parser)
    except etree.XMLSyntaxError as exc:
        return FeedDoc(problem=f"not XML: {exc}", lost=True)
    problem, lost = xml_problem(parser)
    doc = FeedDoc(problem=problem, lost=lost)
    if root is None:
        doc.problem, doc.lost = problem or "no XML document", True
        return doc
    entries = doc.entries
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        if name == "entry":  # Atom: <link rel="alternate" href=…>
            for child in item:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href")
                    break
        else:
            link = _text(_child(item, "link")) or _text(_child(item, "guid"))
        url = normalise_url(link or "", base_url)
        if not url:
            continue
        removed = carries_credentials(link or "", base_url)
        date_el = _child(item, "pubdate", "published", "date", "issued")
        updated = parse_date(_text(_child(item, "updated", "modified")))
        tags = tuple(
            t
            for child in item
            if _local(child.tag) == "category"
            for t in [(child.get("term") or _text(child) or "").strip()]
            if t
        )
        published = parse_date(_text(date_el)) if date_el is not None else None
        entries.append(
            FeedEntry(
                url, _text(_child(item, "title")), published or updated, tags, updated, removed
            )
        )
    return doc


def _parse_json_feed(body: bytes, base_url: str) -> FeedDoc:
    """JSON Feed 1.x; items of the wrong shape are skipped, not fatal."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return FeedDoc(problem=f"not JSON: {exc}", lost=True)
    items = doc.get("items") if isinstance(doc, dict) else None
    feed = FeedDoc()
    entries = feed.entries
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        link = str(item.get("url") or item.get("id") or "")
        url = normalise_url(link, base_url)
        if not url:
            continue
        raw_tags = item.get("tags")
        tags = tuple(str(t) for t in raw_tags if t) if isinstance(raw_tags, list) else ()
        title = item.get("title")
        published = item.get("date_published")
        modified = item.get("date_modified")
        entries.append(
            FeedEntry(
                url,
                str(title) if title is not None else None,
                parse_date(published) if isinstance(published, str) else None,
                tags,
                parse_date(modified) if isinstance(modified, str) else None,
                carries_credentials(link, base_url),
            )
        )
    return feed


def gunzip_capped(body: bytes, limit: int) -> tuple[bytes | None, str | None, str | None]:
    """Decompress a gzipped sitemap, refusing more than `limit` bytes (gzip bombs): the
    bytes, or None with the fetch outcome and reason to record."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        return None, OUTCOME_PARSE_ERROR, f"not valid gzip: {exc}"
    if len(data) > limit:
        return None, OUTCOME_TOO_LARGE, f"body exceeds max_bytes {limit} (decoded)"
    return data, None, None


def parse_sitemap(body: bytes, base_url: str) -> SitemapDoc:
    """A sitemap index's children and a URL set's entries (news:publication_date wins)."""
    doc = SitemapDoc()
    parser = _xml_parser()
    try:
        root = etree.fromstring(body.lstrip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        doc.problem, doc.lost = f"not XML: {exc}", True
        return doc
    doc.problem, doc.lost = xml_problem(parser)
    if root is None:
        doc.problem, doc.lost = doc.problem or "no XML document", True
        return doc
    for node in root.iter():
        name = _local(node.tag)
        if name not in ("sitemap", "url"):
            continue
        raw = _text(_child(node, "loc")) or ""
        loc = normalise_url(raw, base_url)
        if not loc:
            continue
        if name == "sitemap":
            doc.children.append(loc)
            continue
        published = None
        title = None
        news = _child(node, "news")
        if news is not None:
            published = parse_date(_text(_child(news, "publication_date")))
            title = _text(_child(news, "title"))
        lastmod = parse_date(_text(_child(node, "lastmod")))
        removed = carries_credentials(raw, base_url)
        doc.entries.append(
            FeedEntry(loc, title, published, lastmod=lastmod, credentials_removed=removed)
        )
    return doc


_NON_ARTICLE = re.compile(
    r"/(tag|tags|category|section|author|authors|about|contact|privacy|terms|search|login)(/|$)|"
    r"\.(jpg|jpeg|png|gif|svg|pdf|css|js|xml|rss|zip)$",
    re.IGNORECASE,
)


def parse_section_links(
    body: bytes, base_url: str, pattern: str | None = None
) -> tuple[list[str], list[str]]:
    """Article links and sub-section links on a section page, same host only.

    With a `pattern` (a regex on the URL) only matching links are articles; without one,
    links to `.html` pages or dated paths are articles and links ending in `/` or `index.html`
    are sections. Navigation to other hosts is never followed.
    """
    try:
        tree = lxml.html.fromstring(body)
    except (etree.ParserError, ValueError):
        return [], []
    host = host_of(base_url)
    articles: list[str] = []
    sections: list[str] = []
    seen: set[str] = set()
    regex = url_pattern(pattern) if pattern else None  # linear time, whatever the pattern
    for anchor in tree.iter("a"):
        url = normalise_url(anchor.get("href") or "", base_url)
        if not url or url in seen or host_of(url) != host:
            continue
        seen.add(url)
        path = url.split("?", 1)[0]
        if regex is not None:
            if regex.search(url):
                articles.append(url)
            continue
        if path.endswith("/") or path.endswith("/index.html"):
            sections.append(url)
        elif not _NON_ARTICLE.search(path) and (
            path.endswith((".html", ".htm")) or re.search(r"/20\d\d/\d\d/", path)
        ):
            articles.append(url)
    return articles, sections


def find_feed_links(body: bytes, base_url: str) -> list[str]:
    """Feeds a homepage announces with <link rel="alternate" type="application/rss+xml">."""
    try:
        tree = lxml.html.fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    found = []
    for link in tree.iter("link"):
        kind = (link.get("type") or "").lower()
        if "alternate" in (link.get("rel") or "").lower() and (
            "rss" in kind or "atom" in kind or "feed+json" in kind
        ):
            url = normalise_url(link.get("href") or "", base_url)
            if url and url not in found:
                found.append(url)
    return found


def merge_candidates(
    candidates: list[Candidate], max_articles: int | None = None
) -> list[Candidate]:
    """One candidate per URL, evidence merged (first non-empty wins), newest first when capped.

    A URL found in a feed and in a sitemap keeps the feed's title and date and the sitemap's
    lastmod, so no evidence is lost to de-duplication.
    """
    merged: dict[str, Candidate] = {}
    for c in candidates:
        key = url_identity(c.url)
        old = merged.get(key)
        if old is None:
            merged[key] = c
            continue
        merged[key] = replace(
            old,
            feed_title=old.feed_title or c.feed_title,
            feed_published_at=old.feed_published_at or c.feed_published_at,
            lastmod=old.lastmod or c.lastmod,
            tags=old.tags or c.tags,
        )
    result = list(merged.values())
    if max_articles is not None and len(result) > max_articles:
        result = newest_first(result, max_articles)
    return result


def _age(item: Candidate | FeedEntry) -> float:
    when = (
        item.feed_published_at or item.lastmod
        if isinstance(item, Candidate)
        else item.published_at or item.lastmod
    )
    return -when.timestamp() if when else 0.0


_Dated = TypeVar("_Dated", Candidate, FeedEntry)


def newest_first(items: list[_Dated], keep: int) -> list[_Dated]:
    """The `keep` newest (by published date, else lastmod; undated last), newest first."""
    return sorted(items, key=_age)[:keep]


def source_failure(found: list[Candidate], attempts: list[FetchResult]) -> str | None:
    """Why a source gave nothing this run, when every place it publishes failed to answer:
    its feeds, sitemaps and pages each with their outcome. None when it gave URLs, or when
    it answered and simply had nothing (not modified, an empty feed): that is not a failure."""
    if found:
        return None
    asked = [a for a in attempts if a.purpose != "robots"]
    answered = (OUTCOME_OK, OUTCOME_NOT_MODIFIED)
    if not asked or any(a.outcome in answered for a in asked):
        return None
    return "nothing reachable: " + ", ".join(
        f"{a.purpose} {a.url} {a.outcome}" + (f" ({a.status})" if a.status else "")
        for a in asked[:5]
    )
