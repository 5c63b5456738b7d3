"""One fetched page -> one article record: text from trafilatura, metadata from the best evidence.

Plain function of its inputs (bytes, URL, the feed's evidence, the fetch time), so it runs in a
process pool and in tests alike.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import htmldate
import trafilatura
from trafilatura.deduplication import content_fingerprint

from transforms.metadata import (
    MODIFIED_META_KEYS,
    PUBLISHED_META_KEYS,
    PageMeta,
    jsonld_people,
    jsonld_text,
    meta_first,
    parse_html,
    read_page_meta,
)
from transforms.records import Candidate
from transforms.urls import normalise_url

EXTRACTOR = "trafilatura"
EXTRACTOR_VERSION = trafilatura.__version__
MIN_TEXT_CHARS = 200  # less than a short paragraph is a teaser, a paywall or a listing page
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)  # time zones and clock skew, not tomorrow's news


@dataclass(slots=True)
class DateChoice:
    value: datetime | None
    source: str | None
    precision: str | None
    local_date: date | None
    rejected: int


class ExtractionError(ValueError):
    """The page is not an article we can use; the message is the recorded reason."""


def _norm(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").lower()).strip()


_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+")


def strip_site_name(title: str, site_name: str | None = None) -> str:
    """'Headline | Site' / 'Site — Headline' -> 'Headline'."""
    parts = [p.strip() for p in _SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()
    site = _norm(site_name)
    if site:
        kept = [p for p in parts if _norm(p) != site]
        if kept and len(kept) < len(parts):
            return " - ".join(kept)
    # "Headline | Site" is the common order; "Site — Headline" shows as a short first part
    first_words = len(parts[0].split())
    if first_words <= 3 and len(parts[-1].split()) > first_words:
        return max(parts, key=len)
    return parts[0] if len(parts) == 2 else max(parts, key=len)


def choose_title(meta: PageMeta, candidate: Candidate | None, fallback: str | None):
    """The visible headline, confirmed by another voice when possible.

    An <h1> wins when another source (JSON-LD, og:title, the feed, <title>) contains it; some
    sites put the logo in <h1>, so an unconfirmed <h1> ranks below the declared headlines.
    """
    site = meta.meta.get("og:site_name")
    feed_title = candidate.feed_title if candidate else None
    if feed_title and " " not in feed_title.strip():
        feed_title = None  # "story-4711" is an identifier some feeds put in <title>, not a headline
    voices = [
        ("jsonld", jsonld_text(meta, "headline")),
        ("og", meta.meta.get("og:title")),
        ("feed", feed_title),
        ("title_tag", strip_site_name(meta.title_tag, site) if meta.title_tag else None),
    ]
    h1 = meta.h1
    if h1 and len(h1) > 3:
        h1_norm = _norm(h1)
        if any(v and h1_norm in _norm(v) for _, v in voices) or not any(v for _, v in voices):
            return h1, "h1"
    for name, value in voices[:3]:
        if value:
            return (strip_site_name(value, site) if name == "og" else value), name
    if voices[3][1]:
        return voices[3][1], "title_tag"
    if h1:
        return h1, "h1"
    return (fallback, "extractor") if fallback else (None, None)


def _parse_when(value: str | None) -> tuple[datetime, str] | None:
    """An ISO-ish date or datetime -> (aware datetime, precision)."""
    if not value:
        return None
    value = value.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime(*map(int, match.groups()))
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC), "day"
    if len(value) <= 10:
        return parsed.replace(tzinfo=UTC), "day"
    precision = "second" if parsed.second or parsed.microsecond else "minute"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, precision


def _url_date(url: str) -> str | None:
    match = re.search(r"/(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|-|\.|$)", url)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def choose_published(
    meta: PageMeta,
    body: bytes,
    url: str,
    candidate: Candidate | None,
    fetched_at: datetime,
) -> DateChoice:
    """The strongest plausible publication date; implausible ones are rejected and counted.

    Order: JSON-LD, article meta tags, <time datetime>, the feed or news sitemap, the visible
    dateline (htmldate), the URL. Feeds lie more often than a page's own markup.
    """
    meta_value = meta_first(meta, PUBLISHED_META_KEYS)
    feed_value = candidate.feed_published_at if candidate else None
    voices: list[tuple[str, Any]] = [
        ("jsonld", jsonld_text(meta, "datePublished")),
        ("meta", meta_value[1] if meta_value else None),
        ("time_element", meta.time_published),
        ("feed", feed_value),
        ("text", meta.dateline_published),
        ("text", lambda: _htmldate(body, url)),
        ("url", _url_date(url)),
    ]
    latest = fetched_at + FUTURE_TOLERANCE
    rejected = 0
    for source, value in voices:
        if callable(value):
            value = value()
        if value is None:
            continue
        if isinstance(value, datetime):
            parsed = (value if value.tzinfo else value.replace(tzinfo=UTC), "second")
        else:
            parsed = _parse_when(value)
        if parsed is None:
            continue
        when, precision = parsed
        if not (EARLIEST_PLAUSIBLE <= when <= latest):
            rejected += 1
            continue
        return DateChoice(when.astimezone(UTC), source, precision, when.date(), rejected)
    return DateChoice(None, None, None, None, rejected)


def _htmldate(body: bytes, url: str) -> str | None:
    """htmldate's reading of the visible page, with times when the page gives them."""
    try:
        return htmldate.find_date(
            body,
            url=url,
            original_date=True,
            extensive_search=True,
            outputformat="%Y-%m-%dT%H:%M:%S",
        )
    except Exception:  # htmldate raises on odd markup; a missing date is not fatal
        return None


def choose_modified(meta: PageMeta, fetched_at: datetime) -> datetime | None:
    meta_value = meta_first(meta, MODIFIED_META_KEYS)
    declared = (
        jsonld_text(meta, "dateModified"),
        meta_value[1] if meta_value else None,
        meta.dateline_modified,
    )
    for value in declared:
        parsed = _parse_when(value)
        if parsed and EARLIEST_PLAUSIBLE <= parsed[0] <= fetched_at + FUTURE_TOLERANCE:
            return parsed[0].astimezone(UTC)
    return None


_BY = re.compile(r"^\s*(by|von|par|por)\s+", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)


def split_authors(value: str | None) -> list[str]:
    """'By Ana Ruiz and Tom Lee' -> ['Ana Ruiz', 'Tom Lee']; order kept, duplicates dropped."""
    if not value:
        return []
    names: list[str] = []
    for part in _SPLIT.split(_BY.sub("", value)):
        name = re.sub(r"\s+", " ", _BY.sub("", part)).strip(" .|-")
        if name and any(c.isalpha() for c in name) and name not in names:
            names.append(name)
    return names


def choose_authors(meta: PageMeta, extracted_author: str | None) -> tuple[list[str], str | None]:
    people, _orgs = jsonld_people(meta)
    if people:
        return [n for p in people for n in split_authors(p)], "jsonld"
    if _orgs:
        return [], "jsonld"  # wire copy credited to an agency: no person to name
    if "author" in meta.meta:
        return split_authors(meta.meta["author"]), "meta"
    if extracted_author:
        return split_authors(extracted_author), "text"
    return [], None


def choose_language(meta: PageMeta) -> str | None:
    for value in (
        jsonld_text(meta, "inLanguage"),
        meta.meta.get("content-language"),
        meta.meta.get("og:locale"),
        meta.html_lang,
    ):
        if value:
            code = re.split(r"[-_]", value.strip().lower())[0]
            if len(code) == 2 and code.isalpha():
                return code
    return None


def extract_article(
    body: bytes,
    url: str,
    fetched_at: datetime,
    candidate: Candidate | None = None,
    source_name: str | None = None,
) -> dict[str, Any]:
    """The article record for one page; raises ExtractionError with the reason when unusable."""
    tree = parse_html(body)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    meta = read_page_meta(tree)
    doc = trafilatura.bare_extraction(
        body,
        url=url,
        include_comments=False,
        with_metadata=True,
        date_extraction_params={"original_date": True, "extensive_search": True},
    )
    found = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    text = (found.get("text") or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"too little text ({len(text)} chars < {MIN_TEXT_CHARS})")
    title, title_source = choose_title(meta, candidate, found.get("title"))
    if not title:
        raise ExtractionError("no title")
    published = choose_published(meta, body, url, candidate, fetched_at)
    authors, authors_source = choose_authors(meta, found.get("author"))
    canonical = normalise_url(meta.canonical, url) if meta.canonical else None
    paragraphs = [line for line in text.split("\n") if line.strip()]
    return {
        "url": url,
        "canonical_url": canonical,
        "source_name": source_name or (candidate.source_name if candidate else None),
        "title": title,
        "title_source": title_source,
        "description": jsonld_text(meta, "description")
        or meta.meta.get("og:description")
        or meta.meta.get("description")
        or found.get("description"),
        "language": choose_language(meta),
        "authors": authors,
        "authors_source": authors_source,
        "text": text,
        "word_count": len(text.split()),
        "paragraph_count": len(paragraphs),
        "image_count": meta.image_count,
        "published_at": published.value,
        "published_at_source": published.source,
        "published_at_precision": published.precision,
        "published_local_date": published.local_date,
        "dates_rejected": published.rejected,
        "modified_at": choose_modified(meta, fetched_at),
        "fetched_at": fetched_at,
        "content_hash": hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        "simhash": content_fingerprint(text),
        "extractor": EXTRACTOR,
        "extractor_version": EXTRACTOR_VERSION,
    }
