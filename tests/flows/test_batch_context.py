"""A remote batch's task carries the validators of its own URLs, not the night's (issue 38)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flows.acquire.fetching import FetchPolicy
from flows.tasks import StageContext, batch_context
from transforms.records import Candidate, Validators


def test_a_batch_context_holds_only_its_own_urls_validators():
    known = {f"https://news.example/{n}": Validators(etag=f'"{n}"') for n in range(1000)}
    policy = FetchPolicy(user_agent="gazette-test")
    robots = {"news.example": None}
    context = StageContext(Path("/tmp/home"), "run", datetime.now(UTC), policy, robots, known, None)
    batch = [Candidate(f"https://news.example/{n}", "News", "sitemap") for n in (3, 7, 5000)]
    mine = batch_context(context, batch)
    assert mine.validators == {
        u: known[u] for u in ("https://news.example/3", "https://news.example/7")
    }
    assert mine.robots == context.robots and mine.now == context.now
