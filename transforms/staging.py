"""Staging: the extracted records as one frame, shaped for the row-level quality gate."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms.article import Article
from transforms.model import record_key
from transforms.words import count_words


def staging_frame(articles: Sequence[Article]) -> pl.DataFrame:
    """One row per article (row_id = its position), with the measures the gate checks."""
    rows = [
        {
            "row_id": i,
            "article_key": record_key(a) if a.url else None,
            "url": a.url,
            "title": a.title,
            "title_length": len(a.title or ""),
            "text_length": len(a.text or ""),
            "published_at": a.published_at,
            "language": a.language,
            "word_count": a.word_count,
            "words_in_text": count_words(a.text or ""),
        }
        for i, a in enumerate(articles)
    ]
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
