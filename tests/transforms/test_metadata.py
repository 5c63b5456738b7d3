"""Reading a page's own description of itself: bounded text reads and trees from either
parser (lxml's keeps comments, trafilatura's drops them)."""

from __future__ import annotations

import lxml.html
import pytest

from transforms.metadata import parse_html, read_page_meta, short_text, text_prefix


@pytest.mark.parametrize(
    "fragment",
    [
        "<div>  Published\n\n  <b>3 March</b>   2026 </div>",
        "<div><span>Jo</span>hn <i>Smith</i></div>",  # no space where the markup has none
        "<div>   <p>   </p>   </div>",
        "<div>" + "word " * 30 + "<b>end</b></div>",
        "<div>" + " " * 500 + "By Ana Ruiz" + "\n" * 500 + "</div>",
        "<div>Published on the third of March, by the desk</div>",  # the node's own words
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
