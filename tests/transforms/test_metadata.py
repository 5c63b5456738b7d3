"""Reading a page's own description of itself: bounded text reads and trees from either
parser (lxml's keeps comments, trafilatura's drops them)."""

from __future__ import annotations

import lxml.html
import pytest

from transforms.metadata import (
    _DATELINE_HINTS,
    parse_html,
    read_page_meta,
    short_text,
    text_prefix,
)


@pytest.mark.parametrize(
    "fragment",
    [
        "<div>  Published\n\n  <b>3 March</b>   2026 </div>",
        "<div><span>Jo</span>hn <i>Smith</i></div>",  # no space where the markup has none
        "<div>   <p>   </p>   </div>",
        "<div>" + "word " * 30 + "<b>end</b></div>",
        "<div>" + " " * 500 + "By Ana Ruiz" + "\n" * 500 + "</div>",
        "<div>Published on the third of March, by the desk</div>",  # the node's own words
        "<div>" + "ab  " * 200 + "</div>",  # a long lead: only its start is squashed
        "<div>" + "x" * 20 + " " * 200 + "y" * 50 + "<b>z</b></div>",  # its start squashes short
        "<div>" + "x" * 95 + "  yz</div>",  # cut inside the whitespace after a word
    ],
)
@pytest.mark.parametrize("limit", [5, 24, 120])
def test_short_text_is_the_squashed_text_or_none_past_its_limit(fragment: str, limit: int) -> None:
    node = lxml.html.fragment_fromstring(fragment)
    whole = " ".join(node.text_content().split()) or None
    expected = whole if whole is not None and len(whole) <= limit else None
    assert short_text(node, limit) == expected
    assert text_prefix(node, limit) == (whole or "")[:limit]


def test_a_comment_before_a_time_element_does_not_break_the_reading() -> None:
    """lxml's own parser (the fallback when trafilatura's refuses a page) keeps comments: the
    label before a <time> may be one, and reading its words raised ValueError."""
    tree = parse_html(
        b"<html><head><title>Ferry timetable</title></head><body><article>"
        b"<h1>Ferry timetable</h1><p><!-- cms: date --><time datetime='2026-03-02'>2 March"
        b"</time></p><p>The harbour council voted.</p></article></body></html>"
    )
    assert tree is not None
    assert read_page_meta(tree).time_published == "2026-03-02"


@pytest.mark.parametrize(
    ("text", "hinted"),
    [
        ("entry-DATE meta", True),
        ("Posted on 3 March", True),
        ("Poſted on 3 March", True),  # a long s is an s to a case-blind search
        ("TİME", True),  # so is a dotted capital I an i
        ("Von Ana Ruiz", False),
        ("Veröffentlicht", False),
        ("", False),
    ],
)
def test_dateline_hints_are_found_in_any_case(text: str, hinted: bool) -> None:
    """ASCII text lower-cased and searched case by case, any other text case-blind: the
    same answers as one case-blind search."""
    assert (_DATELINE_HINTS.search(text) is not None) is hinted
