"""The marts gate recounts each stored text's words as the extractor counted them (a SQL
function in Rust through polars, not DuckDB's regex lists: issue 38 item 6), and a stored
count that disagrees is caught."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from expectations.marts_gate import validate_marts
from tests.builders import load_records, record
from transforms.model import SourceInfo
from transforms.words import count_words, count_words_arrow
from warehouse import ops
from warehouse.db import connect

TEXTS = [
    "Council approves the library budget after a long night of debate.\n" * 14,
    "Le conseil\u00a0municipal vote le budget\tde la bibliothèque 🙂 après débat.\n" * 14,
]


def test_the_sql_count_is_the_extractors_count():
    texts = [*TEXTS, "", "  \x0b\x0c ", "日本語のテキスト 二", None]
    expected = [None if t is None else count_words(t) for t in texts]
    assert count_words_arrow(pa.array(texts)).to_pylist() == expected


def _word_check(home, off_by: int) -> tuple[bool, int]:
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%SZ}-run"
    con = connect(home)
    try:
        ops.start_run(con, run_id, "run", now)
        records = []
        for i, text in enumerate(TEXTS):
            r = record(f"http://herald.test/{i}.html", title=f"Library budget {i}")
            count = count_words(text) + (off_by if i == 1 else 0)
            published = now - timedelta(hours=1)
            records.append(
                replace(
                    r,
                    text=text,
                    word_count=count,
                    published_at=published,
                    published_local_date=published.date(),
                    fetched_at=now,
                )
            )
        load_records(con, records, [], [SourceInfo("Herald", "http://herald.test/")], run_id, now)
        ops.finish_run(con, run_id, status="succeeded", finished_at=now)
    finally:
        con.close()
    report = validate_marts(home, run_id, now, 48, 3.0, 14)
    [check] = [
        r
        for r in report.results
        if r["suite"] == "fact_article" and r["expectation"].startswith("expect_column_pair")
    ]
    return bool(check["success"]), int(check["unexpected_count"] or 0)


def test_a_stored_count_that_disagrees_with_the_text_is_caught(tmp_path):
    """Two articles, the second stored with one word too many: it alone is caught (the
    first, counted right, across tabs, no-break spaces and an emoji, is not)."""
    assert _word_check(tmp_path / "home", 1) == (False, 1)
