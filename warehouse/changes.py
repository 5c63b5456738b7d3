"""What a reprocess changed: articles whose title, date, text or entities differ afterwards.

After an upgrade (a better extractor, a better recogniser) the owner wants to know what moved
before trusting it; a fingerprint per current article, taken before and after, says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from warehouse.db import query_frame

FIELDS = ("title", "published_at", "content_hash", "entities")
LABELS = {"title": "title", "published_at": "date", "content_hash": "text", "entities": "entities"}


def fingerprints(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per current article: what a reprocess could change about it."""
    return query_frame(
        con,
        """
        select a.article_key, any_value(a.url) as url, any_value(a.title) as title,
               any_value(a.published_at) as published_at,
               any_value(a.content_hash) as content_hash,
               coalesce(md5(string_agg(m.entity_key, ',' order by m.entity_key)), '')
                 as entities
        from fact_article a
        left join fact_entity_mention m on m.article_key = a.article_key
        where a.is_current
        group by a.article_key
        """,
    )


@dataclass(slots=True)
class Changes:
    compared: int = 0
    changed: dict[str, int] = field(default_factory=dict)  # title/date/text/entities -> count
    examples: list[tuple[str, list[str]]] = field(default_factory=list)  # url, what changed


def compare(before: pl.DataFrame, after: pl.DataFrame, examples: int = 20) -> Changes:
    joined = before.join(after, on="article_key", suffix="_after")
    changes = Changes(compared=joined.height, changed=dict.fromkeys(LABELS.values(), 0))
    for row in joined.iter_rows(named=True):
        moved = [LABELS[f] for f in FIELDS if (row[f] or None) != (row[f"{f}_after"] or None)]
        for label in moved:
            changes.changed[label] += 1
        if moved and len(changes.examples) < examples:
            changes.examples.append((row["url"], moved))
    return changes
