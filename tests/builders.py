"""Shared test builders: articles, fetches, and records staged as a real package and loaded by
the real loader. Tests import helpers from here, never from another test file."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows.staging.build import BatchWork, fetched_work
from tests.siteserver import Site
from transforms.article import Article
from transforms.model import (
    DQ_RESULT_SCHEMA,
    QUARANTINE_SCHEMA,
    SourceInfo,
    build_dim_source,
)
from transforms.records import Candidate, FetchResult
from transforms.tables import batch_tables
from warehouse.load import LoadCounts, load_packages
from warehouse.packages import Manifest, partial_dir, seal, write_tables


def load_records(
    con: duckdb.DuckDBPyConnection,
    records: Sequence[Article],
    fetches: Sequence[FetchResult],
    sources: Sequence[SourceInfo],
    run_id: str,
    now: datetime,
    versioning: bool = True,
    archived: Sequence[FetchResult] = (),
) -> LoadCounts:
    """One run's records as one package (what a batch leaves on disk), loaded in one go."""
    from transforms.staging import staging_frame  # the extraction stack: only where needed

    with tempfile.TemporaryDirectory() as tmp:
        folder = partial_dir(Path(tmp), run_id, "b000000")
        frames = batch_tables(records, fetches, run_id, archived)
        frames["gate"] = staging_frame(list(records))
        frames["quarantine"] = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        frames["dq_result"] = pl.DataFrame(schema=DQ_RESULT_SCHEMA)
        write_tables(folder, frames)
        package = seal(folder, Manifest(run_id, "b000000"))
        dim_source = build_dim_source(sources, run_id, now)
        return load_packages(con, [package], dim_source, run_id, now, versioning)


NOW = datetime(2026, 11, 26, tzinfo=UTC)
SOURCES = [SourceInfo("Herald", "http://herald.test/")]


def make_article(url: str, **fields: Any) -> Article:
    """An article with every field set as an extractor would set it; `fields` override."""
    from trafilatura.deduplication import content_fingerprint

    text = fields.pop("text", "T body text of the article")
    title = fields.get("title", "T")
    base: dict[str, Any] = {
        "url": url,
        "canonical_url": None,
        "source_name": "Herald",
        "title": title,
        "title_source": "og:title",
        "description": None,
        "language": "en",
        "language_declared": "en",
        "language_detected": "en",
        "text": text,
        "text_markdown": text,
        "word_count": len(text.split()),
        "paragraph_count": 1,
        "image_count": 0,
        "tone": None,
        "positive_share": None,
        "negative_share": None,
        "published_at": datetime(2026, 11, 4, 8, tzinfo=UTC),
        "published_at_source": "jsonld",
        "published_at_precision": "minute",
        "published_local_date": date(2026, 11, 4),
        "dates_rejected": 0,
        "authors": ("Ana Ruiz",),
        "organisations": (),
        "authors_source": "meta",
        "modified_at": None,
        "fetched_at": NOW,
        "content_hash": f"hash-{title}",
        "simhash": content_fingerprint(f"{url} {text} " * 5),
        "extractor": "trafilatura",
        "extractor_version": "2",
        "extraction_method": "fast",
        "encoding": "utf-8",
        "encoding_source": "http_header",
        "is_paywalled": False,
        "robots_decision": None,
        "robots_directives": None,
        "license_url": None,
        "image_credits": (),
        "tags": (),
    }
    return Article(**{**base, **fields})


def record(url: str, title: str = "T", authors: Sequence[str] = ("Ana Ruiz",)) -> Article:
    """A Herald article whose text and hash follow its title."""
    return make_article(
        url, title=title, text=f"{title} body text of the article", authors=tuple(authors)
    )


def fetch(url: str) -> FetchResult:
    return FetchResult(
        url, "article", "Herald", url, "herald.test", 200, "text/html", "ok", None, 10, 5, NOW
    )


TEXT = (
    "The harbour council met on Tuesday evening to discuss the ferry timetable, the price of "
    "tickets and the state of the old pier, which residents say has been neglected for years. "
)


def article_html(title: str, extra: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>"
        + "".join(f"<p>{extra}Part {n}: {TEXT}</p>" for n in range(1, 5))
        + "</article></body></html>"
    )


def feed(site: Site, urls: list[str]) -> bytes:
    items = "".join(
        f"<item><title>t</title><link>{u if u.startswith('http') else site.url(u)}</link></item>"
        for u in urls
    )
    return f"<rss version='2.0'><channel><title>x</title>{items}</channel></rss>".encode()


def sources_toml(site: Site) -> str:
    return f"""
[fetch]
user_agent = "gazette-test/0 (+tests)"
per_host_delay_s = 0
timeout_s = 1
connect_timeout_s = 1
max_bytes = 1_000_000
max_retries = 1
backoff_s = 0.1
allow_private_hosts = ["127.0.0.1"]

[[sources]]
name = "Broken Times"
homepage = "{site.url("/")}"
feeds = ["{site.url("/feed.xml")}"]
"""


def cand(url: str) -> Candidate:
    return Candidate(url, "S", "sitemap")


def fetched_page(n: int, ok: bool = True) -> FetchResult:
    body = article_html(f"Pool story number {n} about the harbour", f"P{n}. ").encode()
    return FetchResult(
        url=f"http://pool.example/{n}",
        purpose="article",
        source_name="Pool",
        final_url=f"http://pool.example/{n}",
        host="pool.example",
        status=200 if ok else 404,
        content_type="text/html",
        outcome="ok" if ok else "http_error",
        error=None,
        bytes=len(body),
        elapsed_ms=1,
        fetched_at=datetime(2026, 11, 26, tzinfo=UTC),
        body=body if ok else b"",
    )


def batch_work(home, name: str, fetched: list[FetchResult]) -> BatchWork:
    return fetched_work(home, "run-1", name, [p.url for p in fetched], fetched, None)


def package_articles(package) -> list[str]:
    return pl.read_parquet(package.file("fact_article")).get_column("url").to_list()


PARAGRAPHS = "".join(
    f"<p>Paragraph {i}: the river authority said the new flood wall would be finished before "
    f"the spring tides, after two winters of delays and a row over its cost.</p>"
    for i in range(5)
)


def ingest_page(title: str, canonical: str | None = None) -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<html><head><title>{title}</title>{link}"
        f'<meta property="article:published_time" content="2026-10-02T08:00:00Z"></head>'
        f"<body><article><h1>{title}</h1>{PARAGRAPHS}</article></body></html>"
    ).encode()


def site_with_two_sources(site, tmp_path: Path) -> Path:
    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    for n in range(1, 4):
        site.add(f"/h{n}.html", article_html(f"Harbour story number {n}", f"H{n}. "))
        site.add(f"/v{n}.html", article_html(f"Valley story number {n}", f"V{n}. "))
    site.add("/h.xml", feed(site, ["/h1.html", "/h2.html", "/h3.html"]), Content_Type="text/xml")
    site.add("/v.xml", feed(site, ["/v1.html", "/v2.html", "/v3.html"]), Content_Type="text/xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "Harbour Herald"\nfeeds = ["{site.url("/h.xml")}"]\n'
        f'[[sources]]\nname = "Valley Ledger"\nfeeds = ["{site.url("/v.xml")}"]\n'
    )
    return sources
