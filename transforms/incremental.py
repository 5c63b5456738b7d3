"""Which discovered URLs are worth fetching tonight: new ones, changed ones, and retries.

Known, loaded articles are not refetched unless their feed or sitemap says they changed (a
lastmod newer than our last fetch) or the user asks for a refresh. A page given up for a
reason a refetch cannot change (too little text, not HTML) is treated the same way: asked
for conditionally when it had validators, skipped otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from transforms.records import Candidate, Validators


@dataclass(slots=True)
class Selection:
    to_fetch: list[Candidate] = field(default_factory=list)
    validators: dict[str, Validators] = field(default_factory=dict)  # conditional GET
    skipped: Counter[str] = field(default_factory=Counter)


def select_candidates(
    candidates: list[Candidate],
    known: dict[str, Validators],
    refresh: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Selection:
    """New URLs, changed URLs (conditionally) and earlier failures; skipped ones are counted.

    A backfill window [since, until] reads the dates feeds and sitemaps give (published,
    lastmod, news:publication_date): after `since` by its latest date (an old article changed
    since counts), before `until` by its earliest (a story published in the window and
    corrected later still belongs to it). Undated entries are kept: we cannot tell."""
    selection = Selection()
    for c in candidates:
        dates = [d for d in (c.feed_published_at, c.lastmod) if d is not None]
        when = max(dates) if dates else None
        if since is not None and when is not None and when < since:
            selection.skipped["before --since"] += 1
            continue
        if until is not None and dates and min(dates) > until:
            selection.skipped["after --until"] += 1
            continue
        seen = known.get(c.url)
        if refresh or seen is None:
            selection.to_fetch.append(c)
            continue
        changed = (
            c.lastmod is not None and seen.fetched_at is not None and c.lastmod > seen.fetched_at
        )
        if seen.loaded and not changed:
            selection.skipped["known, unchanged"] += 1
        elif seen.gone and not changed:
            selection.skipped["gone (404/410 before)"] += 1
        elif seen.hopeless and not changed and not (seen.etag or seen.last_modified):
            selection.skipped["given up before, unchanged (too little text, not HTML)"] += 1
        else:
            selection.to_fetch.append(c)
            # conditional: a page given up before costs a 304 until it changes
            if (seen.loaded or seen.hopeless) and (seen.etag or seen.last_modified):
                selection.validators[c.url] = seen
    return selection
