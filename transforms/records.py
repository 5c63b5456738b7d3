"""Small shared record types passed between stages (plain, picklable dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from transforms.vocabulary import OUTCOME_OK, FetchOutcome


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


@dataclass(frozen=True, slots=True)
class ArchiveRef:
    """Where a response's bytes sit in the raw WARC archive (path relative to the home)."""

    warc_file: str
    offset: int
    length: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Validators:
    """What we know of a URL from earlier runs, for conditional GET and for skipping it."""

    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
    archive: ArchiveRef | None = None
    loaded: bool = False  # an article row exists for it
    gone: bool = False  # last answer was 404 or 410
    hopeless: bool = False  # not loaded, and last given up for a reason a refetch cannot change


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
    outcome: FetchOutcome
    error: str | None
    bytes: int
    elapsed_ms: int
    fetched_at: datetime
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    candidate: Candidate | None = None
    attempt: int = 1
    truncated: bool = False  # body stops at max_bytes or the deadline: kept, not parsed
    robots_text: str | None = None  # robots.txt as read, even when cut at the size cap
    robots_decision: str | None = None  # what robots.txt said of this URL (RobotsDecision)
    archive: ArchiveRef | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == OUTCOME_OK
