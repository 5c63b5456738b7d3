"""Staging: the extracted records as one frame, shaped for the row-level quality gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from transforms.extract import count_words
from transforms.model import record_key


def staging_frame(records: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """One row per record (row_id = its position), with the measures the gate checks."""
    rows = []
    for i, r in enumerate(records):
        text = r.get("text") or ""
        rows.append(
            {
                "row_id": i,
                "article_key": record_key(r) if r.get("url") else None,
                "url": r.get("url"),
                "title": r.get("title"),
                "title_length": len(r.get("title") or ""),
                "text_length": len(text),
                "published_at": r.get("published_at"),
                "language": r.get("language"),
                "word_count": r.get("word_count"),
                "words_in_text": count_words(text),
            }
        )
    schema = {
        "row_id": pl.Int64,
        "article_key": pl.String,
        "url": pl.String,
        "title": pl.String,
        "title_length": pl.Int64,
        "text_length": pl.Int64,
        "published_at": pl.Datetime("us", "UTC"),
        "language": pl.String,
        "word_count": pl.Int64,
        "words_in_text": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)
