"""Small shared record types passed between stages (plain, picklable dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL some source says is an article, with what the source said about it.

    Feed and sitemap values are kept as evidence: the extractor weighs them against the page.
    """

    url: str
    source_name: str
    via: str  # feed | sitemap | section | list
    feed_title: str | None = None
    feed_published_at: datetime | None = None
    lastmod: datetime | None = None
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class FetchResult:
    """One HTTP attempt: what we asked, what came back, and a named outcome."""

    url: str
    purpose: str  # robots | feed | sitemap | section | article
    source_name: str | None
    final_url: str
    host: str
    status: int | None
    content_type: str | None
    outcome: str
    error: str | None
    bytes: int
    elapsed_ms: int
    fetched_at: datetime
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    candidate: Candidate | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"
