"""Our byline search gives trafilatura's `extract_author` answer, on pages written for each of
its rules and on real pages of many sites."""

from __future__ import annotations

import pytest
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from tests.conftest import SHARED, shared_html, shared_pages
from transforms.byline_search import byline_search
from transforms.metadata import parse_html

PARAGRAPH = "<p>The harbour council voted on Tuesday to extend the ferry timetable.</p>"

PAGES = {
    "a byline classed as such": "<div class='byline'>By Maren Holt</div>",
    "the first expression before the second": (
        "<span class='byline'>Desk report</span><p>x</p><a rel='author'>Ivo Brandt</a>"
    ),
    "an author name class, camel-cased": "<span class='articleAuthorName'>Sanna Lind</span>",
    "a byline in a sidebar is pruned": (
        "<aside><div class='sidebar-box'><span class='author'>Other Writer</span></div></aside>"
        "<p class='writer'>Lotte Meier</p>"
    ),
    "a date inside the byline is pruned, its tail kept": (
        "<div class='author'>By <time>3 March</time>Karl Berg and <b>Ana</b>Ruiz</div>"
    ),
    "an author element": "<author>Pieter de Vries</author>",
    "an id, not a class": "<div id='post-author'>Written by Oda Nes</div>",
    "an itemprop": "<h4 itemprop='author'>Jonas Falk</h4>",
    "too short, then long enough": (
        "<span class='author'>AB</span><span class='author'>Ines Prado</span>"
    ),
    "a comment list is pruned": (
        "<div id='comments'><span class='author'>A Reader</span></div>"
        "<span class='byline'>Tomás Ruiz</span>"
    ),
    "a data component": "<div data-component='Byline'>Femi Adeyemi</div>",
    "a rel child": "<a href='/x'><rel>me</rel>Hana Sato</a>",
    "nothing that names an author": "<div class='entry'>No one</div>",
}


def page(body: str) -> str:
    return f"<html><head><title>Ferry</title></head><body>{body}{PARAGRAPH}</body></html>"


@pytest.mark.parametrize("case", sorted(PAGES))
@pytest.mark.parametrize("parser", ["trafilatura", "lxml"])
def test_the_search_answers_as_trafilatura_does(case: str, parser: str) -> None:
    html = page(PAGES[case])
    tree = load_html(html) if parser == "trafilatura" else parse_html(html)
    assert tree is not None
    assert byline_search(tree) == extract_author(tree)


def test_the_pages_written_here_exercise_both_answers() -> None:
    """Not a vacuous comparison: most pages name someone, one names no one."""
    answers = [byline_search(load_html(page(body))) for body in PAGES.values()]
    assert sum(a is not None for a in answers) >= len(PAGES) - 2
    assert None in answers


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus (real pages)")
def test_the_search_answers_as_trafilatura_does_on_real_pages() -> None:
    """Every seventh page of both sets (60 pages of 60 sites): trafilatura's expressions may
    change with its version, and this is where that shows."""
    checked = named = 0
    for record, folder in shared_pages(every=7):
        tree = load_html(shared_html(record, folder))
        if tree is None:
            continue
        expected = extract_author(tree)
        assert byline_search(tree) == expected, folder / record["file"]
        checked += 1
        named += expected is not None
    assert checked >= 30 and named >= 10
