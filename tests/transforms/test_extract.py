"""Extraction on small hand-written pages: title, date, author choices and their sources."""

from datetime import UTC, datetime

import pytest

from transforms.extract import (
    ExtractionError,
    choose_authors,
    choose_published,
    extract_article,
    split_authors,
    strip_site_name,
)
from transforms.metadata import parse_html, read_page_meta
from transforms.records import Candidate

FETCHED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BODY = "".join(
    f"<p>Paragraph {i} tells of the harbour council, the ferry fares and the new timetable "
    f"that residents discussed at length on the quay during the evening meeting.</p>"
    for i in range(5)
)


def page(head: str = "", body_top: str = "", lang: str = "en") -> bytes:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
        f"<nav><a href='/'>Home</a></nav><article>{body_top}{BODY}</article>"
        f"<section class='comments'><p>Great article, said a reader named Bob.</p></section>"
        f"</body></html>"
    ).encode()


def test_jsonld_wins_and_says_so():
    head = (
        '<title>Fares rise | Harbor Herald</title><script type="application/ld+json">'
        '{"@type": "NewsArticle", "headline": "Fares rise", '
        '"datePublished": "2026-11-04T07:30:00+01:00", "dateModified": "2026-11-05T10:00:00Z",'
        '"author": [{"@type": "Person", "name": "Ana Ruiz"}, {"@type": "Person", '
        '"name": "Tom Lee"}]}</script>'
    )
    record = extract_article(page(head, "<h1>Fares rise</h1>"), "http://n.test/a.html", FETCHED)
    assert record.title == "Fares rise"
    assert record.title_source == "h1"
    assert record.published_at == datetime(2026, 11, 4, 6, 30, tzinfo=UTC)
    assert record.published_at_source == "jsonld"
    assert record.published_at_precision == "minute"
    assert str(record.published_local_date) == "2026-11-04"
    assert record.modified_at == datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    assert list(record.authors) == ["Ana Ruiz", "Tom Lee"]
    assert record.language == "en"


def test_meta_tags_used_when_no_jsonld():
    head = (
        '<meta property="og:title" content="Bridge reopens - Valley Ledger">'
        '<meta property="og:site_name" content="Valley Ledger">'
        '<meta property="article:published_time" content="2026-11-06T09:00:00+00:00">'
        '<meta name="author" content="Mia Chen; Leo Park">'
    )
    record = extract_article(page(head), "http://n.test/b.html", FETCHED)
    assert record.title == "Bridge reopens"
    assert record.title_source == "og"
    assert record.published_at_source == "meta"
    assert list(record.authors) == ["Mia Chen", "Leo Park"]


def test_visible_dateline_and_byline_when_page_declares_nothing():
    top = (
        "<h1>Storm closes the pass</h1><p class='byline'>By Jane Doe and Tom Ruiz</p>"
        "<p class='dateline'>Published 14 November 2026, 08:15</p>"
    )
    record = extract_article(
        page("<title>Courier — Storm closes the pass</title>", top),
        "http://n.test/world/storm.html",
        FETCHED,
    )
    assert record.title == "Storm closes the pass"
    assert str(record.published_local_date) == "2026-11-14"
    assert record.published_at_source == "text"


def test_the_h1_the_declared_headline_confirms_wins_over_a_promo_h1():
    head = '<meta property="og:title" content="Harbour tolls to rise in spring | Courier">'
    top = (
        "<div class='promo'><h1>A message from our publisher about subscriptions</h1></div>"
        "<h1>Harbour tolls to rise in spring</h1>"
    )
    record = extract_article(page(head, top), "http://n.test/tolls", FETCHED)
    assert (record.title, record.title_source) == ("Harbour tolls to rise in spring", "h1")


@pytest.mark.parametrize(
    ("top", "authors"),
    [
        # a link to the author's page, the path CMSs give one
        ("<div class='meta'><a href='/author/rosa-lind/'>Rosa Lind</a></div>", ["Rosa Lind"]),
        # a short text that begins "By", with no class that says so
        ("<p class='m-0'>By <a href='/p/9'>Kwame Asante</a> · Nov 20, 2026</p>", ["Kwame Asante"]),
        # a label element, then the name in the next one
        ("<div><p>Written by</p><p>Hana Sato</p></div>", ["Hana Sato"]),
        ("<div><h3>Author</h3><p>Lucía Pérez</p></div>", ["Lucía Pérez"]),
    ],
)
def test_bylines_found_by_their_structure(top, authors):
    record = extract_article(
        page("", "<h1>Ferry strike ends</h1>" + top), "http://n.test/f", FETCHED
    )
    assert list(record.authors) == authors
    assert record.authors_source == "byline"


def test_what_only_trafilatura_and_htmldate_find_still_counts():
    """We ask trafilatura for its text alone and for its few metadata voices by name: its
    byline search (a data-testid, which our own reading does not look at) and htmldate's
    reading of a bare date must still reach the record."""
    top = (
        "<h1>Ferry strike ends</h1><div class='card'><span data-testid='AuthorURL'>Ana Ruiz"
        "</span></div><div class='x'><span>12/11/2026</span></div>"
    )
    record = extract_article(page("", top), "http://n.test/f", FETCHED)
    assert (list(record.authors), record.authors_source) == (["Ana Ruiz"], "text")
    assert str(record.published_local_date) == "2026-11-12"
    assert record.published_at_source == "text"


def test_trafilaturas_byline_search_runs_only_when_no_voice_before_it_names_a_person():
    """The search copies and walks the whole page (3 ms a page, issue 38): asked only when
    JSON-LD, meta tags and our byline reading named nobody, and then it still counts."""
    asked: list[bool] = []

    def search() -> str:
        asked.append(True)
        return "Tomás Ferreira"

    named = read_page_meta(parse_html('<html><head><meta name="author" content="Lena Ortiz">'))
    assert choose_authors(named, search)[0] == ["Lena Ortiz"]
    assert asked == []
    nobody = read_page_meta(parse_html("<html><head><title>x</title></head></html>"))
    assert choose_authors(nobody, search)[0] == ["Tomás Ferreira"]
    assert asked == [True]


def test_a_dateline_with_an_update_dates_both():
    top = (
        "<h1>Clinic extends its hours</h1>"
        "<div class='article-meta'>HealthMARCH 3, 2025Updated: APRIL 9, 2026</div>"
    )
    record = extract_article(page("", top), "http://n.test/health/clinic", FETCHED)
    assert str(record.published_local_date) == "2025-03-03"
    assert record.modified_at.date().isoformat() == "2026-04-09"


def test_dates_of_comments_and_related_stories_are_not_the_articles():
    top = (
        "<h1>Ferry strike ends</h1>"
        "<div class='related-stories'><p class='card-date'>Published Oct 30, 2026</p>"
        "<time datetime='2026-10-30T09:00:00Z'>Oct 30</time></div>"
        "<ol class='comment-list'><li><time datetime='2026-11-20T21:00:00Z'>Nov 20</time>"
        "<span class='comment-time'>November 20, 2026 at 9:00 pm</span></li></ol>"
        "<p class='dateline'>Published 12 November 2026</p>"
    )
    record = extract_article(page("", top), "http://n.test/ferry", FETCHED)
    assert str(record.published_local_date) == "2026-11-12"


def test_a_january_first_from_a_year_alone_is_no_date():
    """htmldate turns "© 2026" or "Best of 2026" into 2026-01-01T00:00:00."""
    choice = choose_published(read_page_meta(parse_html(page())), "http://n.test/g", None,
                              FETCHED, "2026-01-01T00:00:00")  # fmt: skip
    assert choice.value is None


def test_future_date_is_rejected_for_the_next_evidence():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
        '"datePublished": "2031-01-01T00:00:00Z"}</script>'
    )
    cand = Candidate("http://n.test/c.html", "S", "feed", "H", datetime(2026, 11, 3, tzinfo=UTC))
    record = extract_article(page(head, "<h1>H</h1>"), cand.url, FETCHED, cand)
    assert record.published_at_source == "feed"
    assert record.dates_rejected == 1
    assert record.published_at <= FETCHED


def test_comments_are_not_article_text():
    record = extract_article(page("", "<h1>Title here</h1>"), "http://n.test/d.html", FETCHED)
    assert "reader named Bob" not in record.text
    assert record.paragraph_count >= 5


def test_too_little_text_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="too little text"):
        extract_article(b"<html><body><p>Short.</p></body></html>", "http://n.test/e", FETCHED)


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Fares rise | Harbor Herald", None, "Fares rise"),
        ("Northern Courier — Storm closes the pass", "Northern Courier", "Storm closes the pass"),
        ("Plain headline", None, "Plain headline"),
    ],
)
def test_strip_site_name(title, site, expected):
    assert strip_site_name(title, site) == expected


def test_split_authors():
    assert split_authors("By Ana Ruiz, Tom Lee and Mia Chen") == ["Ana Ruiz", "Tom Lee", "Mia Chen"]
    assert split_authors("") == []
