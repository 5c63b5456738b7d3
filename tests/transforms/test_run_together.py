"""A first pass that ran the page's paragraphs into one line is run again, and the rerun in
paragraphs is kept (issue 35). Pages written for the test: an article inside a header left
open, the layout that the fast pass reads as one block."""

from __future__ import annotations

from datetime import UTC, datetime

from transforms.extract import extract_article, paragraphs_not_restored, run_together

PARAGRAPHS = [
    f"Paragraph {n} of the council's budget story: the city will spend more on buses and less "
    f"on roads next year, the finance committee said on Tuesday after a long meeting ({n})."
    for n in range(1, 16)
]
URL = "https://citydaily.example/news/budget"


def article_in_an_open_header() -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<html><head><title>Council budget</title></head><body>
    <header class="header"><div class="menu"><button class="menu-button"><span>Menu</span>
    <main><article><h1>Council budget</h1><div class="article-content">{body}</div>
    </article></main><footer><p>City Daily</p></footer></body></html>""".encode()


def test_paragraphs_run_into_one_line_are_read_again_in_paragraphs():
    record = extract_article(article_in_an_open_header(), URL, datetime.now(UTC))
    assert record.text.split("\n") == PARAGRAPHS
    assert "into one line" in record.extraction_method
    assert record.paragraph_count == len(PARAGRAPHS)


def test_only_a_long_single_line_is_run_together():
    long_line = " ".join(PARAGRAPHS)
    assert run_together(long_line) == f"first pass ran {len(long_line)} characters into one line"
    assert run_together("\n".join(PARAGRAPHS)) is None
    assert run_together(PARAGRAPHS[0]) is None  # one short paragraph is an article's own


def test_a_rerun_replaces_the_line_only_in_paragraphs_and_with_its_text():
    line = " ".join(PARAGRAPHS)
    assert paragraphs_not_restored(line, "\n".join(PARAGRAPHS)) is None
    assert paragraphs_not_restored(line, line) == "no pass found its paragraphs"
    half = "\n".join(PARAGRAPHS[:7])
    assert paragraphs_not_restored(line, half) == "the pass in paragraphs kept 46% of it"
