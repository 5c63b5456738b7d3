"""The article: what extraction makes of one page, and what enrichment adds to it.

One typed definition for both extractors (HTML pages, plain-text documents), for enrichment
and for the table builders. Every field is required, so an extractor that forgets one fails
when it builds the article, not months later as a column of nulls; and a misspelt field is an
error, not a new key. The fields that are `fact_article` columns carry their Parquet type
(`Annotated`), and `transforms.model.FACT_ARTICLE_SCHEMA` is read off them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, get_type_hints

import polars as pl

from transforms.captions import ImageCredit
from transforms.vocabulary import EncodingSource, RobotsDecision

if TYPE_CHECKING:  # enrichment's types; the modules are loaded where enrichment runs
    from transforms.counts import Count
    from transforms.entities import Entity
    from transforms.quotes import Quote

UTC_TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Enrichment:
    """The knowledge layer of one article; `error` says why it is empty when it crashed (the
    article still loads, and the run counts the crash)."""

    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    counts: tuple[Count, ...] = ()
    recogniser: str | None = None
    error: str | None = None


NOT_ENRICHED = Enrichment()


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    # identity: the key is the URL's, or a same-site canonical URL's (transforms.model)
    url: Annotated[str, pl.String]
    canonical_url: Annotated[str | None, pl.String]
    source_name: str | None
    # headline and text
    title: Annotated[str, pl.String]
    title_source: Annotated[str, pl.String]
    description: Annotated[str | None, pl.String]
    language: Annotated[str | None, pl.String]
    language_declared: Annotated[str | None, pl.String]
    language_detected: Annotated[str | None, pl.String]
    text: Annotated[str, pl.String]
    text_markdown: Annotated[str, pl.String]
    word_count: Annotated[int, pl.Int32]
    paragraph_count: Annotated[int, pl.Int32]
    image_count: Annotated[int, pl.Int32]
    tone: Annotated[float | None, pl.Float64]
    positive_share: Annotated[float | None, pl.Float64]
    negative_share: Annotated[float | None, pl.Float64]
    # dates, with where each came from
    published_at: Annotated[datetime | None, UTC_TIME]
    published_at_source: Annotated[str | None, pl.String]
    published_at_precision: Annotated[str | None, pl.String]
    published_local_date: date | None  # the publisher's calendar day: published_date_key
    dates_rejected: Annotated[int, pl.Int16]
    # byline: people and organisations, in byline order
    authors: tuple[str, ...]
    organisations: tuple[str, ...]
    authors_source: Annotated[str | None, pl.String]
    modified_at: Annotated[datetime | None, UTC_TIME]
    fetched_at: Annotated[datetime, UTC_TIME]
    # fingerprints and provenance
    content_hash: Annotated[str, pl.String]
    simhash: Annotated[str, pl.String]
    extractor: Annotated[str, pl.String]
    extractor_version: Annotated[str, pl.String]
    extraction_method: Annotated[str, pl.String]
    encoding: Annotated[str | None, pl.String]
    encoding_source: Annotated[EncodingSource | None, pl.String]
    # rights
    is_paywalled: Annotated[bool | None, pl.Boolean]
    robots_decision: Annotated[RobotsDecision | None, pl.String]
    robots_directives: Annotated[str | None, pl.String]
    license_url: Annotated[str | None, pl.String]
    # what hangs off the article: photo credits, tags (name, where found), enrichment
    image_credits: tuple[ImageCredit, ...]
    tags: tuple[tuple[str, str], ...]
    enrichment: Enrichment = NOT_ENRICHED


def _columns() -> dict[str, Any]:
    """The fields annotated with a Parquet type, in field order: `fact_article` columns."""
    hints = get_type_hints(Article, include_extras=True)
    return {
        name: hint.__metadata__[0] for name, hint in hints.items() if hasattr(hint, "__metadata__")
    }


ARTICLE_COLUMNS = _columns()
