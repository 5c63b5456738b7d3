"""A list set among the article's paragraphs is part of the article, on a page whose markup
has no article frame too (issue 35). trafilatura's balanced pass, finding no frame, recovers
the paragraphs and drops the lists; the recall pass takes them. Pages written for the test."""

from __future__ import annotations

from datetime import UTC, datetime

from transforms.article_lists import LIST_MIN_CHARS, dropped_list_chars
from transforms.extract import extract_article, lists_not_kept
from transforms.metadata import parse_html

STEPS = [
    f"Step {n}: water the seedlings at dawn and feel the soil for dryness before noon."
    for n in range(1, 7)
]
PARAGRAPHS = [
    f"Paragraph {n} of the column explains why a late frost matters for tomatoes and peppers."
    for n in range(1, 5)
]


def page(wrapper: str = "div", menu_beside: bool = False) -> str:
    """A gardening column: four paragraphs, a list of six steps, a closing paragraph. With
    `wrapper="article"` trafilatura finds the frame and keeps the list itself."""
    steps = "".join(f"<li>{step}</li>" for step in STEPS)
    menu = (
        "<ul>" + "".join(f'<li><a href="/t/{n}">Topic {n} of the week</a></li>' for n in range(9))
        if menu_beside
        else ""
    ) + ("</ul>" if menu_beside else "")
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<html><head><title>Six rules for the spring garden</title></head><body>
    <header><nav><ul><li><a href="/">Home</a></li><li><a href="/garden">Garden</a></li></ul>
    </nav></header>
    <div class="wrapper"><{wrapper} class="col prose"><h1>Six rules for the spring garden</h1>
    {body}<ul>{steps}</ul>{menu}
    <p>The last paragraph closes the column with a word on compost and on mulch for summer.</p>
    </{wrapper}></div><footer><p>Copyright 2026 The Garden Weekly</p></footer></body></html>"""


def test_the_lists_of_an_article_without_a_frame_are_kept():
    record = extract_article(
        page().encode(), "https://garden.example/spring-rules", datetime.now(UTC)
    )
    assert all(step in record.text for step in STEPS)
    assert all(p in record.text for p in PARAGRAPHS)
    method, _, why = record.extraction_method.partition(": ")
    assert method == "trafilatura_recall"
    assert why.startswith("first pass left out")
    assert "Step 3" in record.text_markdown


def test_an_article_whose_frame_keeps_its_lists_takes_one_pass():
    record = extract_article(
        page("article").encode(), "https://garden.example/spring-rules", datetime.now(UTC)
    )
    assert all(step in record.text for step in STEPS)
    assert record.extraction_method == "trafilatura"


def test_left_out_items_are_counted_and_kept_ones_are_not():
    tree = parse_html(page())
    without = "\n".join(PARAGRAPHS)
    assert dropped_list_chars(tree, without) == sum(len(step) for step in STEPS)
    assert dropped_list_chars(tree, "\n".join(PARAGRAPHS + STEPS)) == 0
    # spacing is not what decides: items run together by markup still count as kept
    assert dropped_list_chars(tree, "\n".join(PARAGRAPHS) + "".join(STEPS)) == 0
    assert sum(len(step) for step in STEPS) >= LIST_MIN_CHARS


def test_a_list_of_links_beside_the_paragraphs_is_not_the_articles():
    tree = parse_html(page(menu_beside=True))
    assert dropped_list_chars(tree, "\n".join(PARAGRAPHS + STEPS)) == 0


def test_a_list_beside_paragraphs_the_pass_did_not_keep_is_not_the_articles():
    """A sidebar's "about us" with two paragraphs and a list: not the article the pass kept."""
    tree = parse_html(page())
    assert dropped_list_chars(tree, "An article about something else entirely, " * 5) == 0


def test_a_recall_pass_is_kept_only_if_it_brings_the_lists_back_and_loses_nothing():
    tree = parse_html(page())
    first = "\n".join(PARAGRAPHS)
    dropped = dropped_list_chars(tree, first)
    assert lists_not_kept(first, "\n".join(PARAGRAPHS + STEPS), tree, dropped) is None
    assert lists_not_kept(first, "\n".join(PARAGRAPHS[:2]), tree, dropped) == (
        "the recall pass was shorter"
    )
    padded = first + "\nA share button, a newsletter form and a cookie notice." * 3
    assert lists_not_kept(first, padded, tree, dropped) == "the recall pass left out the lists too"
