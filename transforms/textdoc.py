"""Plain-text articles (`date YYYY-MM-DD` then the text), as pre-scraped corpora ship them."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from transforms.article import Article
from transforms.captions import split_caption_lines
from transforms.encoding import decode_page
from transforms.extract import (
    EXTRACTOR_VERSION,
    ExtractionError,
    detect_language,
    resolve_language,
)
from transforms.fingerprint import content_fingerprint
from transforms.tone import article_tone
from transforms.words import count_words

_HEADER = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})\b[ \t]*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“‘])")
MAX_TITLE_WORDS = 25


def text_article(
    body: bytes,
    url: str,
    fetched_at: datetime,
    source_name: str | None,
    content_type: str | None = None,
    robots_decision: str | None = None,
) -> Article:
    """The article of a text document; its date comes from the `date` header."""
    decoded = decode_page(body, content_type)
    raw = decoded.text.replace("\r\n", "\n")
    match = _HEADER.match(raw)
    if not match:
        raise ExtractionError("text document without a 'date YYYY-MM-DD' header")
    year, month, day = (int(g) for g in match.groups())
    try:
        published = datetime(year, month, day, tzinfo=UTC)
    except ValueError as exc:
        raise ExtractionError(f"bad date in header: {exc}") from exc
    paragraphs = [
        re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", raw[match.end() :])
    ]
    text, image_credits = split_caption_lines("\n".join(p for p in paragraphs if p))
    paragraphs = [p for p in text.split("\n") if p]
    text = "\n".join(paragraphs)
    if not text:
        raise ExtractionError("text document with a header but no text")
    detected, probability = detect_language(text)
    first = _SENTENCE_END.split(paragraphs[0], maxsplit=1)[0]
    words = first.split()
    title = " ".join(words[:MAX_TITLE_WORDS]) + ("…" if len(words) > MAX_TITLE_WORDS else "")
    language = resolve_language(None, detected, probability)
    return Article(
        **article_tone(text, language),
        url=url,
        canonical_url=None,
        source_name=source_name,
        title=title,
        title_source="first_sentence",
        description=None,
        language=language,
        language_declared=None,
        language_detected=detected,
        authors=(),
        organisations=(),
        authors_source=None,
        text=text,
        text_markdown="\n\n".join(paragraphs),
        image_credits=tuple(image_credits),
        word_count=count_words(text),
        paragraph_count=len(paragraphs),
        image_count=len(image_credits),
        published_at=published,
        published_at_source="text_header",
        published_at_precision="day",
        published_local_date=published.date(),
        dates_rejected=0,
        modified_at=None,
        fetched_at=fetched_at,
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        simhash=content_fingerprint(text),
        extractor="gazette-text",
        extractor_version=EXTRACTOR_VERSION,
        extraction_method="text_document",
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        is_paywalled=None,  # a text document says nothing of a wall, a licence or directives
        robots_decision=robots_decision,
        robots_directives=None,
        license_url=None,
        tags=(),
    )
