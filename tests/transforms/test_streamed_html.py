"""A page streamed in parts (React's server rendering) is read as a browser shows it (issue
35): the parts sent after the footer, hidden, are moved into their placeholders and the
"Loading…" fallbacks removed. Pages written for the test, in React's format."""

from __future__ import annotations

from datetime import UTC, datetime

from transforms.extract import extract_article
from transforms.metadata import parse_html
from transforms.streamed_html import part_moves, reveal_parts, scripted_moves, without_fallbacks

URL = "https://gardens.example/guides/raised-beds"
SECTIONS = [
    (
        f"Step {n}: {name}",
        f"The {name} step takes an afternoon for a bed of two metres by one; we explain below "
        f"what to buy for it, what to borrow, and what goes wrong the first time ({n}).",
    )
    for n, name in enumerate(
        ("choose the place", "build the frame", "line the bottom", "fill with soil", "plant"), 1
    )
]


def section(title: str, text: str) -> str:
    return f"<h2>{title}</h2><p>{text}</p>"


def streamed_guide(scripts: bool = True) -> bytes:
    """Steps 1-2 in place; 3-4 a part of boundary B:0; 5 a part (P:2) inside that part."""
    in_place = "".join(section(*s) for s in SECTIONS[:2])
    part = section(*SECTIONS[2]) + section(*SECTIONS[3]) + '<template id="P:2"></template>'
    moves = '<script>$RS("S:2","P:2")</script><script>$RC("B:0","S:1")</script>'
    return f"""<html><head><title>Raised beds, step by step</title></head><body>
    <header><nav><a href="/">Home</a> <a href="/guides">Guides</a></nav></header>
    <main><article><h1>Raised beds, step by step</h1>{in_place}
    <!--$?--><template id="B:0"></template><div>Loading <!-- -->paragraph<!-- -->...</div><!--/$-->
    </article></main><footer><p>Gardens Weekly, all rights reserved.</p></footer>
    <div hidden id="S:1">{part}</div><div hidden id="S:2">{section(*SECTIONS[4])}</div>
    {moves if scripts else ""}</body></html>""".encode()


def test_the_parts_of_a_streamed_page_are_read_in_their_places():
    record = extract_article(streamed_guide(), URL, datetime.now(UTC))
    assert record.text.split("\n") == [line for s in SECTIONS for line in s]
    assert "Loading" not in record.text


def test_the_script_pairs_a_part_with_its_place_whatever_their_numbers():
    page = streamed_guide().decode()
    assert part_moves(page, {"B:0", "S:1", "S:2", "P:2"}) == [("S:2", "P:2"), ("S:1", "B:0")]


def test_a_page_saved_without_its_scripts_pairs_parts_by_number():
    page = streamed_guide(scripts=False).decode().replace('id="S:1"', 'id="S:0"')
    tree = parse_html(page)
    assert reveal_parts(tree, page) == 2
    article = tree.find(".//article")
    assert [h.text for h in article.iter("h2")] == [title for title, _ in SECTIONS]
    assert tree.find(".//div[@hidden]") is None


def test_a_fallback_holding_another_boundary_is_left_as_it_is():
    nested = (
        '<!--$?--><template id="B:0"></template><div><!--$?--><template id="B:1"></template>'
        "<p>Loading</p><!--/$--></div><!--/$-->"
        '<script>$RC("B:1","S:1");$RC("B:0","S:0")</script>'
    )
    assert without_fallbacks(nested) == nested.replace(
        '<!--$?--><template id="B:1"></template><p>Loading</p><!--/$-->',
        '<template id="B:1"></template>',
    )
    plain = "<p>No parts here.</p><!--$--><p>A finished boundary.</p><!--/$-->"
    assert without_fallbacks(plain) == plain


TEASER = (
    "While this guide loads, read our most popular story of the week: how one allotment in "
    "Leeds fed forty families through a whole winter, and what its gardeners learned."
)


def test_a_fallback_goes_only_where_its_part_arrived():
    """The browser swaps a fallback for its part; a part that never came (rendered on the
    client instead) leaves its fallback on the page."""
    page = streamed_guide().decode()
    page = page.replace("<div>Loading <!-- -->paragraph<!-- -->...</div>", f"<p>{TEASER}</p>")
    record = extract_article(page.encode(), URL, datetime.now(UTC))
    assert TEASER not in record.text
    assert record.text.split("\n") == [line for s in SECTIONS for line in s]
    never = page.replace('$RC("B:0","S:1")', '$RX("B:0")')
    assert TEASER in without_fallbacks(never)


def test_moves_with_style_sheets_and_from_the_external_runtime_are_made():
    """`$RR` completes a boundary that brings style sheets; React's external runtime writes
    each move as a template's data attributes instead of a script call."""
    styles = streamed_guide().decode().replace('$RC("B:0","S:1")', '$RR("B:0","S:1",[["/a.css"]])')
    data = (
        streamed_guide()
        .decode()
        .replace(
            '<script>$RS("S:2","P:2")</script><script>$RC("B:0","S:1")</script>',
            '<template data-rsi="" data-sid="S:2" data-pid="P:2"></template>'
            '<template data-rci="" data-bid="B:0" data-sid="S:1"></template>',
        )
    )
    for page in (styles, data):
        assert scripted_moves(page) == [("S:2", "P:2"), ("S:1", "B:0")]
        record = extract_article(page.encode(), URL, datetime.now(UTC))
        assert record.text.split("\n") == [line for s in SECTIONS for line in s]


def test_a_part_is_not_moved_into_itself_and_a_page_without_parts_is_untouched():
    page = (
        '<html><body><template id="B:0"></template>'
        '<div hidden id="S:0"><p>Self</p><template id="P:0"></template></div>'
        '<script>$RS("S:0","P:0")</script></body></html>'
    )
    tree = parse_html(page)
    assert reveal_parts(tree, page) == 0
    assert tree.find(".//div[@hidden]") is not None
    plain = "<html><body><p>Nothing streamed.</p></body></html>"
    assert reveal_parts(parse_html(plain), plain) == 0
