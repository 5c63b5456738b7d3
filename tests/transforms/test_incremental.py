"""Which URLs a run fetches: new, changed, retried; known and gone ones are skipped."""

from datetime import UTC, datetime

from transforms.incremental import select_candidates
from transforms.records import Candidate, Validators

LAST = datetime(2026, 11, 20, tzinfo=UTC)


def cand(url: str, lastmod: datetime | None = None, published: datetime | None = None):
    return Candidate(url, "S", "sitemap", feed_published_at=published, lastmod=lastmod)


KNOWN = {
    "http://n/loaded": Validators(etag='"1"', fetched_at=LAST, loaded=True),
    "http://n/gone": Validators(fetched_at=LAST, gone=True),
    "http://n/failed": Validators(fetched_at=LAST),  # a timeout last night: retry
}


def test_new_changed_and_failed_are_fetched_known_and_gone_are_not():
    selection = select_candidates(
        [
            cand("http://n/new"),
            cand("http://n/loaded"),
            cand("http://n/gone"),
            cand("http://n/failed"),
        ],
        KNOWN,
    )
    assert [c.url for c in selection.to_fetch] == ["http://n/new", "http://n/failed"]
    assert selection.skipped == {"known, unchanged": 1, "gone (404/410 before)": 1}


def test_lastmod_after_last_fetch_refetches_conditionally():
    later = datetime(2026, 11, 22, tzinfo=UTC)
    selection = select_candidates([cand("http://n/loaded", lastmod=later)], KNOWN)
    assert [c.url for c in selection.to_fetch] == ["http://n/loaded"]
    assert selection.validators["http://n/loaded"].etag == '"1"'


def test_refresh_fetches_everything_unconditionally():
    selection = select_candidates([cand(u) for u in KNOWN], KNOWN, refresh=True)
    assert len(selection.to_fetch) == 3
    assert selection.validators == {}


def test_since_cuts_older_entries_but_keeps_undated_ones():
    since = datetime(2026, 11, 10, tzinfo=UTC)
    selection = select_candidates(
        [
            cand("http://n/old", published=datetime(2026, 11, 1, tzinfo=UTC)),
            cand("http://n/recent", published=datetime(2026, 11, 12, tzinfo=UTC)),
            cand("http://n/undated"),
        ],
        {},
        since=since,
    )
    assert [c.url for c in selection.to_fetch] == ["http://n/recent", "http://n/undated"]
    assert selection.skipped == {"before --since": 1}


def test_since_counts_a_recent_change_to_an_old_article():
    old_but_changed = Candidate(
        "http://n/old",
        "S",
        "sitemap",
        feed_published_at=datetime(2024, 1, 1, tzinfo=UTC),
        lastmod=datetime(2026, 11, 25, tzinfo=UTC),
    )
    selection = select_candidates([old_but_changed], {}, since=datetime(2026, 11, 1, tzinfo=UTC))
    assert [c.url for c in selection.to_fetch] == ["http://n/old"]


def test_until_closes_a_backfill_window_by_the_earliest_date():
    window = {
        "since": datetime(2026, 11, 5, tzinfo=UTC),
        "until": datetime(2026, 11, 8, tzinfo=UTC),
    }
    corrected_later = Candidate(
        "http://n/in-window-corrected",
        "S",
        "sitemap",
        feed_published_at=datetime(2026, 11, 6, tzinfo=UTC),
        lastmod=datetime(2026, 11, 20, tzinfo=UTC),
    )
    selection = select_candidates(
        [
            cand("http://n/before", published=datetime(2026, 11, 1, tzinfo=UTC)),
            cand("http://n/inside", published=datetime(2026, 11, 7, tzinfo=UTC)),
            cand("http://n/after", published=datetime(2026, 11, 9, tzinfo=UTC)),
            corrected_later,
            cand("http://n/undated"),
        ],
        {},
        **window,
    )
    assert [c.url for c in selection.to_fetch] == [
        "http://n/inside",
        "http://n/in-window-corrected",
        "http://n/undated",
    ]
    assert selection.skipped == {"before --since": 1, "after --until": 1}
