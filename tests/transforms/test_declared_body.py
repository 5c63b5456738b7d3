"""The page's declared article body (schema.org `articleBody`) brings back what a pass lost,
when the page shows it (issue 35). Pages written for the test: a listicle whose slides are in
`<section class="slide">`, which trafilatura prunes as a carousel."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from transforms.declared_body import shown_body
from transforms.extract import extract_article
from transforms.metadata import parse_html

INTRO = [
    "Choosing a tent is harder than it looks, and the wrong one ruins a weekend in the hills "
    "of the north when the weather turns.",
    "We slept in each of these tents for three nights in wind and rain before writing a word, "
    "and we carried every one of them ourselves.",
    "What follows are the six we would buy again, from the lightest to the roomiest, with what "
    "each one costs and who it suits best.",
]
SLIDES = [
    (
        f"{n}. The Ridge {n}",
        f"The Ridge {n} pitches in {n + 3} minutes, sheds rain from every side and packs down "
        "to the size of a loaf of bread for the walk home.",
    )
    for n in range(1, 7)
]
URL = "https://outdoors.example/best-tents"


def listicle(declared: str | None, slides_shown: bool = True) -> bytes:
    script = (
        '<script type="application/ld+json">'
        + json.dumps({"@type": "Article", "headline": "The best tents", "articleBody": declared})
        + "</script>"
        if declared
        else ""
    )
    slides = "".join(
        f'<section id="slide-{n}" class="slide"><h2>{title}</h2><p>{text}</p></section>'
        for n, (title, text) in enumerate(SLIDES, 1)
    )
    intro = "".join(f"<p>{p}</p>" for p in INTRO)
    return f"""<html><head><title>The best tents</title>{script}</head><body><main><article>
    <h1>The best tents</h1>{intro}<div class="listicle-slides">{slides if slides_shown else ""}
    </div></article></main><footer><p>Outdoors Weekly</p></footer></body></html>""".encode()


DECLARED = " ".join(INTRO + [text for _, text in SLIDES])


def test_slides_the_declared_body_holds_are_brought_back_with_their_titles():
    record = extract_article(listicle(DECLARED), URL, datetime.now(UTC))
    assert record.extraction_method.startswith("declared_body: trafilatura kept")
    lines = record.text.split("\n")
    assert lines[: len(INTRO)] == INTRO
    assert lines[len(INTRO) :] == [line for slide in SLIDES for line in slide]
    assert "## 3. The Ridge 3\n\nThe Ridge 3 pitches" in record.text_markdown
    assert record.paragraph_count == len(INTRO) + 2 * len(SLIDES)


def test_without_a_declared_body_the_slides_stay_lost():
    record = extract_article(listicle(None), URL, datetime.now(UTC))
    assert record.extraction_method == "trafilatura"
    assert "The Ridge 3" not in record.text


def test_a_declared_body_the_page_does_not_show_changes_nothing():
    """A paywall's full text in JSON-LD, an older version: not what the reader sees."""
    record = extract_article(listicle(DECLARED, slides_shown=False), URL, datetime.now(UTC))
    assert record.extraction_method == "trafilatura"
    assert record.text.split("\n") == INTRO


def test_a_declared_body_no_longer_than_the_text_is_not_consulted():
    declared = " ".join(INTRO)  # a summary: the pass kept more than half of it
    record = extract_article(listicle(declared), URL, datetime.now(UTC))
    assert record.extraction_method == "trafilatura"


def test_a_block_inside_a_taken_block_is_not_taken_twice():
    item = "Pack the tent dry whenever the morning allows, and air it at home the same day."
    tree = parse_html(
        f"<html><body><ul><li><p>{item}</p></li></ul><p>Other words.</p></body></html>"
    )
    assert shown_body(tree, item) == (item, f"- {item}")
    assert shown_body(tree, item + " And a second half the page never shows at all, " * 3) is None


def test_a_block_the_page_shows_twice_is_taken_once():
    """A mobile copy of the article, or a pull quote: the body is not shown twice as much."""
    half = INTRO[:2]
    copies = "".join(f"<p>{p}</p>" for p in half) * 2
    tree = parse_html(f"<html><body>{copies}</body></html>")
    assert shown_body(tree, " ".join(INTRO)) is None  # two thirds shown, twice
    twice = "".join(f"<p>{p}</p>" for p in INTRO) * 2
    whole = parse_html(f"<html><body>{twice}</body></html>")
    text, _ = shown_body(whole, " ".join(INTRO))
    assert text.split("\n") == INTRO
