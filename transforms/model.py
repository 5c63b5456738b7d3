"""Extracted records -> star-schema DataFrames (polars), one builder per table.

Each builder states its grain and derives keys from natural keys, so the same input always
yields the same rows; the loader decides what is new.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import polars as pl

from transforms.article import ARTICLE_COLUMNS, Article
from transforms.keys import date_key, stable_key
from transforms.records import Candidate, FetchResult
from transforms.urls import host_of, url_identity
from transforms.vocabulary import AUTHOR_ORGANISATION, AUTHOR_PERSON

if TYPE_CHECKING:
    from transforms.counts import Count
    from transforms.quotes import Quote

FACT_ARTICLE_SCHEMA: dict[str, Any] = {
    "article_key": pl.String,
    "version": pl.Int32,
    "valid_from": pl.Datetime("us", "UTC"),
    "valid_to": pl.Datetime("us", "UTC"),
    "is_current": pl.Boolean,
    "story_key": pl.String,
    "is_first_in_story": pl.Boolean,
    "source_key": pl.String,
    "published_date_key": pl.Int32,
    **ARTICLE_COLUMNS,  # the article's own fields, typed where it is defined
    "run_id": pl.String,
}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the model needs of a configured source; `versioned` False keeps the current version
    (ingest and reprocess know a source's name, not its settings)."""

    name: str
    homepage: str | None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    versioned: bool = True

    def settings_hash(self) -> str:
        return stable_key(
            "settings",
            self.name,
            self.homepage,
            *self.feeds,
            "|",
            *self.sitemaps,
            "|",
            *self.sections,
            "|",
            *self.urls,
        )


def source_id(name: str) -> str:
    """The source across its versions; the loader maps it to the version in force."""
    return stable_key("source", name)


def source_version_key(source: str, version: int) -> str:
    return stable_key("source-version", source, version)


@functools.lru_cache(maxsize=1 << 16)
def article_key(url: str, canonical: str | None = None) -> str:
    """One key per article: a same-site canonical URL wins over the URL it was fetched at,
    and host variants (www., m.) and the scheme do not count. Cached: every table a run
    builds asks for the key of the same records (55,000 calls for 1,200 articles)."""
    identity = url_identity(url)
    if canonical:
        canonical_identity = url_identity(canonical)
        if urlsplit(canonical_identity).netloc == urlsplit(identity).netloc:
            identity = canonical_identity
    return stable_key("article", identity)


def record_key(article: Article) -> str:
    return article_key(article.url, article.canonical_url)


def author_key(name: str) -> str:
    return stable_key("author", " ".join(name.lower().split()))


def tag_key(name: str) -> str:
    return stable_key("tag", name)


def build_dim_source(sources: Sequence[SourceInfo], run_id: str, now: datetime) -> pl.DataFrame:
    """dim_source candidates: one row per configured source; the loader versions them."""
    rows = [
        {
            "source_key": None,
            "source_id": source_id(s.name),
            "version": None,
            "source_name": s.name,
            "domain": host_of(s.homepage) if s.homepage else "",
            "homepage": s.homepage,
            "feeds": list(s.feeds),
            "sitemaps": list(s.sitemaps),
            "settings_hash": s.settings_hash() if s.versioned else None,
            "valid_from": now,
            "valid_to": None,
            "is_current": True,
            "run_id": run_id,
        }
        for s in sources
    ]
    return pl.DataFrame(
        rows,
        schema={
            "source_key": pl.String,
            "source_id": pl.String,
            "version": pl.Int32,
            "source_name": pl.String,
            "domain": pl.String,
            "homepage": pl.String,
            "feeds": pl.List(pl.String),
            "sitemaps": pl.List(pl.String),
            "settings_hash": pl.String,
            "valid_from": pl.Datetime("us", "UTC"),
            "valid_to": pl.Datetime("us", "UTC"),
            "is_current": pl.Boolean,
            "run_id": pl.String,
        },
    ).unique("source_id", keep="first", maintain_order=True)


def build_fact_article(articles: Iterable[Article], run_id: str) -> pl.DataFrame:
    """fact_article candidates: one row per article; versions and stories are set at load."""
    rows = [
        {
            **{k: getattr(a, k) for k in ARTICLE_COLUMNS},
            **_article_context(a),
            "version": 1,
            "valid_from": a.fetched_at,
            "is_current": True,
            "run_id": run_id,
        }
        for a in articles
    ]
    frame = pl.DataFrame(rows, schema=FACT_ARTICLE_SCHEMA)
    return frame.unique("article_key", keep="last", maintain_order=True)


def _byline(article: Article) -> list[tuple[str, str]]:
    """(name, type) in byline order: people first, then organisations."""
    people = [(" ".join(a.split()), AUTHOR_PERSON) for a in article.authors]
    orgs = [(" ".join(o.split()), AUTHOR_ORGANISATION) for o in article.organisations]
    return people + orgs


def build_dim_author(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """dim_author: one row per normalised author name (people and organisations)."""
    rows = [
        {"author_key": author_key(name), "author_name": name, "author_type": kind}
        for r in records
        for name, kind in _byline(r)
    ]
    schema = {"author_key": pl.String, "author_name": pl.String, "author_type": pl.String}
    return (
        pl.DataFrame(rows, schema=schema)
        .unique("author_key", keep="first", maintain_order=True)
        .with_columns(run_id=pl.lit(run_id))
    )


def build_bridge_article_author(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """bridge_article_author: one row per article x author, byline order from 1."""
    rows = []
    for r in records:
        seen: set[str] = set()
        for name, _kind in _byline(r):
            key = author_key(name)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "article_key": record_key(r),
                    "author_key": key,
                    "author_order": len(seen),
                    "run_id": run_id,
                }
            )
    schema = {
        "article_key": pl.String,
        "author_key": pl.String,
        "author_order": pl.Int16,
        "run_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).unique(
        ["article_key", "author_key"], keep="last", maintain_order=True
    )


def build_dim_tag(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """dim_tag: one row per normalised tag."""
    names = sorted({name for r in records for name, _ in r.tags})
    return pl.DataFrame(
        {
            "tag_key": [tag_key(n) for n in names],
            "tag_name": names,
            "run_id": [run_id] * len(names),
        },
        schema={"tag_key": pl.String, "tag_name": pl.String, "run_id": pl.String},
    )


def build_bridge_article_tag(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """bridge_article_tag: one row per article x tag."""
    rows = [
        {
            "article_key": record_key(r),
            "tag_key": tag_key(name),
            "tag_source": source,
            "run_id": run_id,
        }
        for r in records
        for name, source in r.tags
    ]
    schema = {
        "article_key": pl.String,
        "tag_key": pl.String,
        "tag_source": pl.String,
        "run_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).unique(
        ["article_key", "tag_key"], keep="first", maintain_order=True
    )


def build_fact_image_credit(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """fact_image_credit: one row per photo caption per article, in page order."""
    rows = [
        {
            "article_key": record_key(r),
            "image_order": i,
            "caption": credit.caption,
            "credit_person": credit.credit_person,
            "credit_agency": credit.credit_agency,
            "run_id": run_id,
        }
        for r in records
        for i, credit in enumerate(r.image_credits, start=1)
    ]
    schema = {
        "article_key": pl.String,
        "image_order": pl.Int16,
        "caption": pl.String,
        "credit_person": pl.String,
        "credit_agency": pl.String,
        "run_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).unique(
        ["article_key", "image_order"], keep="last", maintain_order=True
    )


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def build_dim_date(days: Iterable[date | None], run_id: str) -> pl.DataFrame:
    """dim_date: one row per day from the earliest to the latest given day (no gaps for BI)."""
    present = sorted({d for d in days if d is not None})
    rows = []
    if present:
        day = present[0]
        while day <= present[-1]:
            iso = day.isocalendar()
            rows.append(
                {
                    "date_key": date_key(day.year, day.month, day.day),
                    "date": day,
                    "year": day.year,
                    "quarter": (day.month - 1) // 3 + 1,
                    "month": day.month,
                    "month_name": _MONTHS[day.month - 1],
                    "week": iso.week,
                    "day_of_week": iso.weekday,
                    "day_name": _DAYS[iso.weekday - 1],
                    "is_weekend": iso.weekday >= 6,
                    "run_id": run_id,
                }
            )
            day += timedelta(days=1)
    schema = {
        "date_key": pl.Int32,
        "date": pl.Date,
        "year": pl.Int16,
        "quarter": pl.Int8,
        "month": pl.Int8,
        "month_name": pl.String,
        "week": pl.Int8,
        "day_of_week": pl.Int8,
        "day_name": pl.String,
        "is_weekend": pl.Boolean,
        "run_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def fetch_key(run_id: str, f: FetchResult) -> str:
    """One HTTP attempt's key, shared by fact_fetch and raw.fetch."""
    return stable_key("fetch", run_id, f.purpose, f.url, f.attempt, f.fetched_at.isoformat())


def candidate_evidence(candidate: Candidate | None) -> str | None:
    """What the feed or sitemap said, as JSON, so re-extraction sees the same evidence."""
    if candidate is None:
        return None
    return json.dumps(
        {
            "url": candidate.url,
            "source_name": candidate.source_name,
            "via": candidate.via,
            "feed_title": candidate.feed_title,
            "feed_published_at": candidate.feed_published_at.isoformat()
            if candidate.feed_published_at
            else None,
            "lastmod": candidate.lastmod.isoformat() if candidate.lastmod else None,
            "tags": list(candidate.tags),
        }
    )


def evidence_candidate(evidence: str | None) -> Candidate | None:
    """The inverse of `candidate_evidence`."""
    if not evidence:
        return None
    data = json.loads(evidence)
    return Candidate(
        url=data["url"],
        source_name=data["source_name"],
        via=data["via"],
        feed_title=data.get("feed_title"),
        feed_published_at=datetime.fromisoformat(data["feed_published_at"])
        if data.get("feed_published_at")
        else None,
        lastmod=datetime.fromisoformat(data["lastmod"]) if data.get("lastmod") else None,
        tags=tuple(data.get("tags") or ()),
    )


def build_raw_fetch(results: Iterable[FetchResult], run_id: str) -> pl.DataFrame:
    """raw.fetch: one row per archived response (attempts whose bytes were kept)."""
    rows = [
        {
            # an ingested file is the same record however often it is ingested
            "fetch_key": stable_key("ingest", f.url, f.archive.sha256)
            if f.purpose == "ingest"
            else fetch_key(run_id, f),
            "run_id": run_id,
            "source_name": f.source_name,
            "purpose": f.purpose,
            "url": f.url,
            "final_url": f.final_url,
            "status": f.status,
            "content_type": f.content_type,
            "outcome": f.outcome,
            "etag": f.headers.get("etag"),
            "last_modified": f.headers.get("last-modified"),
            "warc_file": f.archive.warc_file,
            "warc_offset": f.archive.offset,
            "warc_length": f.archive.length,
            "sha256": f.archive.sha256,
            "evidence": candidate_evidence(f.candidate),
            "fetched_at": f.fetched_at.astimezone(UTC),
        }
        for f in results
        if f.archive is not None
    ]
    return pl.DataFrame(rows, schema=RAW_FETCH_SCHEMA)


RAW_FETCH_SCHEMA: dict[str, Any] = {
    "fetch_key": pl.String,
    "run_id": pl.String,
    "source_name": pl.String,
    "purpose": pl.String,
    "url": pl.String,
    "final_url": pl.String,
    "status": pl.Int16,
    "content_type": pl.String,
    "outcome": pl.String,
    "etag": pl.String,
    "last_modified": pl.String,
    "warc_file": pl.String,
    "warc_offset": pl.Int64,
    "warc_length": pl.Int64,
    "sha256": pl.String,
    "evidence": pl.String,
    "fetched_at": pl.Datetime("us", "UTC"),
}


def build_fact_fetch(results: Iterable[FetchResult], run_id: str) -> pl.DataFrame:
    """fact_fetch: one row per HTTP attempt (refusals included)."""
    rows = []
    for f in results:
        rows.append(
            {
                "fetch_key": fetch_key(run_id, f),
                "run_id": run_id,
                # the source id for now: the loader swaps in the version in force
                "source_key": source_id(f.source_name) if f.source_name else None,
                "purpose": f.purpose,
                "attempt": f.attempt,
                "url": f.url,
                "final_url": f.final_url,
                "host": f.host,
                "status": f.status,
                "content_type": f.content_type,
                "outcome": f.outcome,
                "error": f.error,
                "bytes": f.bytes,
                "elapsed_ms": f.elapsed_ms,
                "fetched_at": f.fetched_at.astimezone(UTC),
            }
        )
    schema = {
        "fetch_key": pl.String,
        "run_id": pl.String,
        "source_key": pl.String,
        "purpose": pl.String,
        "attempt": pl.Int16,
        "url": pl.String,
        "final_url": pl.String,
        "host": pl.String,
        "status": pl.Int16,
        "content_type": pl.String,
        "outcome": pl.String,
        "error": pl.String,
        "bytes": pl.Int64,
        "elapsed_ms": pl.Int32,
        "fetched_at": pl.Datetime("us", "UTC"),
    }
    return pl.DataFrame(rows, schema=schema)


QUARANTINE_SCHEMA: dict[str, Any] = {
    "url": pl.String,
    "article_key": pl.String,
    "stage": pl.String,  # extract | validate
    "expectation": pl.String,
    "reason": pl.String,
    "record": pl.String,  # JSON: what is known of the record
}

DQ_RESULT_SCHEMA: dict[str, Any] = {
    "suite": pl.String,
    "expectation": pl.String,
    "column_name": pl.String,
    "severity": pl.String,
    "success": pl.Boolean,
    "observed_value": pl.String,
    "element_count": pl.Int64,
    "unexpected_count": pl.Int64,
}


ENTITY_SCHEMA: dict[str, Any] = {
    "entity_key": pl.String,
    "entity_type": pl.String,
    "name": pl.String,
    "aliases": pl.List(pl.String),
    "country_code": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "geonames_id": pl.Int64,
    "resolution": pl.String,
    "run_id": pl.String,
}


def build_dim_entity(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """dim_entity: one row per canonical entity, with every surface form seen for it."""
    merged: dict[str, dict[str, Any]] = {}
    for r in records:
        for e in r.enrichment.entities:
            row = merged.get(e.entity_key)
            if row is None:
                row = merged[e.entity_key] = {
                    **{k: getattr(e, k) for k in ENTITY_SCHEMA if k not in ("aliases", "run_id")},
                    "aliases": set(),
                    "run_id": run_id,
                }
            row["aliases"].update(e.aliases)
    rows = [{**row, "aliases": sorted(row["aliases"])} for row in merged.values()]
    return pl.DataFrame(rows, schema=ENTITY_SCHEMA)


def _article_context(a: Article) -> dict[str, Any]:
    """The keys every article-grained fact carries."""
    local = a.published_local_date
    return {
        "article_key": record_key(a),
        "source_key": source_id(a.source_name),
        "published_date_key": date_key(local.year, local.month, local.day) if local else None,
    }


def build_fact_entity_mention(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """fact_entity_mention: one row per article x entity, with counts and offsets."""
    rows = [
        {
            **_article_context(r),
            "entity_key": e.entity_key,
            "mention_count": e.mention_count,
            "caption_mention_count": e.caption_mentions,
            "first_offset": e.first_offset,
            "offsets": [list(o) for o in e.offsets],
            "surface_forms": e.aliases,
            "run_id": run_id,
        }
        for r in records
        for e in r.enrichment.entities
    ]
    schema = {
        "article_key": pl.String,
        "source_key": pl.String,
        "published_date_key": pl.Int32,
        "entity_key": pl.String,
        "mention_count": pl.Int32,
        "caption_mention_count": pl.Int32,
        "first_offset": pl.Int32,
        "offsets": pl.List(pl.List(pl.Int32)),
        "surface_forms": pl.List(pl.String),
        "run_id": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).unique(
        ["article_key", "entity_key"], keep="last", maintain_order=True
    )


_CONTEXT_SCHEMA: dict[str, Any] = {
    "article_key": pl.String,
    "source_key": pl.String,
    "published_date_key": pl.Int32,
}


def _ordered_facts(
    records: Iterable[Article],
    run_id: str,
    items: Callable[[Article], Sequence[Quote | Count]],
    order: str,
    columns: dict[str, Any],
) -> pl.DataFrame:
    """One row per item of each article's `items`, numbered from 1 in `order`; `columns` names
    the item's row fields and their types."""
    rows = [
        {
            **_article_context(r),
            order: i,
            **{column: row[column] for column in columns},
            "run_id": run_id,
        }
        for r in records
        for i, item in enumerate(items(r), start=1)
        for row in (item.row(),)
    ]
    schema = {**_CONTEXT_SCHEMA, order: pl.Int32, **columns, "run_id": pl.String}
    return pl.DataFrame(rows, schema=schema).unique(
        ["article_key", order], keep="last", maintain_order=True
    )


def build_fact_quote(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """fact_quote: one row per quotation per article, in reading order."""
    columns = {
        "speaker": pl.String,
        "speaker_entity_key": pl.String,
        "verb": pl.String,
        "quote": pl.String,
        "quote_kind": pl.String,
        "char_offset": pl.Int32,
    }
    return _ordered_facts(records, run_id, lambda a: a.enrichment.quotes, "quote_order", columns)


def build_fact_count(records: Iterable[Article], run_id: str) -> pl.DataFrame:
    """fact_count: one row per counted thing per article ("five militants killed")."""
    columns = {
        "count_value": pl.Float64,
        "is_approximate": pl.Boolean,
        "counted": pl.String,
        "event_word": pl.String,
        "count_type": pl.String,
        "context": pl.String,
        "char_offset": pl.Int32,
    }
    return _ordered_facts(records, run_id, lambda a: a.enrichment.counts, "count_order", columns)
