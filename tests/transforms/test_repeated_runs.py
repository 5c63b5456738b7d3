"""A section the page prints twice (once per screen size) is read once; a line the writer
repeats is kept (issue 35). Pages written for the test."""

from __future__ import annotations

from datetime import UTC, datetime

from transforms.extract import extract_article
from transforms.repeated_runs import without_repeated_runs

STEPS = [
    f"Step {n}. Before you lay the {name}, sweep the floor and check it with a long level: a "
    "dip of more than three millimetres over two metres shows through any finish."
    for n, name in enumerate(("underlay", "first row", "middle rows", "last row"), 1)
]
INTRO = (
    "Laying a wooden floor takes a weekend for a room of twelve square metres, and most of "
    "that time goes into preparing the ground before the first board is down."
)
URL = "https://diyfloors.example/guides/lay-a-floor"


def guide_printed_per_screen() -> bytes:
    steps = "".join(f"<p>{step}</p>" for step in STEPS)
    return f"""<html><head><title>How to lay a floor</title></head><body><main><article>
    <h1>How to lay a floor</h1><p>{INTRO}</p>
    <div class="steps steps--desktop">{steps}</div><div class="steps steps--mobile">{steps}</div>
    <p>Leave the boards in the room for two days before you start, so they take its damp.</p>
    </article></main><footer><p>DIY Floors</p></footer></body></html>""".encode()


def test_a_section_printed_per_screen_size_is_read_once():
    record = extract_article(guide_printed_per_screen(), URL, datetime.now(UTC))
    assert [line for line in record.text.split("\n") if line in STEPS] == STEPS
    assert record.text_markdown.count(STEPS[0]) == 1


def test_a_run_of_long_lines_read_again_is_dropped_with_its_short_lines():
    text = "\n".join([INTRO, "Steps", *STEPS, "Steps", *STEPS, "The end."])
    assert without_repeated_runs(text) == "\n".join([INTRO, "Steps", *STEPS, "The end."])


def test_a_repeated_line_or_two_are_the_writers_and_stay():
    refrain = "\n".join([STEPS[0], INTRO, STEPS[0], STEPS[1], INTRO, STEPS[1], STEPS[2]])
    assert without_repeated_runs(refrain) == refrain  # runs of one and of two long lines
    short = "\n".join(["Yes.", "No.", "Yes.", "No.", "Yes.", "No."])
    assert without_repeated_runs(short) == short  # short lines alone never make a copy


def test_lines_quoted_again_out_of_order_are_the_writers():
    """A summary that takes up three paragraphs in another order is not a copy."""
    summary = "\n".join([INTRO, *STEPS, "Key points", STEPS[3], STEPS[0], STEPS[2]])
    assert without_repeated_runs(summary) == summary
