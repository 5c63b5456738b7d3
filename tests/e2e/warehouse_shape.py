"""A warehouse's shape, independent of the ports the demo site was served on and of when it
ran: rows per exported table, and a digest of each table's keys with every URL reduced to
its path and every key that hashes one replaced by that path."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from transforms.tables import MART_TABLES

# the columns each table is keyed by in the shape (what stays when the port and run change)
SHAPE_KEYS = {
    "dim_source": "source_name",
    "dim_date": "date_key",
    "dim_author": "author_key",
    "fact_article": "url, title, version, content_hash, published_at, authors_source",
    "bridge_article_author": "url, author_key, author_order",
    "fact_image_credit": "url, image_order, caption",
    "fact_fetch": "fetch_url, purpose, attempt, outcome",
    "fact_article_edit": "url, to_version",
    "dim_tag": "tag_key",
    "bridge_article_tag": "url, tag_key",
    "dim_entity": "entity_key, name",
    "fact_entity_mention": "url, entity_key, mention_count, first_offset",
    "fact_quote": "url, quote_order, quote",
    "fact_count": "url, count_order, counted",
}


def shape(home: Path) -> dict[str, list]:
    con = duckdb.connect(str(home / "gazette.duckdb"), read_only=True)
    try:
        paths = dict(con.execute("select article_key, url from fact_article").fetchall())
        found = {}
        for table in MART_TABLES:
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'main' "
                "and table_name = ?", [table]).fetchall()]  # fmt: skip
            select = ", ".join(
                "article_key as url" if c == "url" and "url" not in columns
                else "url as fetch_url" if c == "fetch_url" else c
                for c in SHAPE_KEYS[table].split(", ")
            )  # fmt: skip
            rows = con.execute(f"select {select} from {table}").fetchall()
            keyed = sorted(repr(tuple(_portless(v, paths) for v in row)) for row in rows)
            digest = hashlib.sha256("\n".join(keyed).encode()).hexdigest()[:16]
            found[table] = [len(rows), digest]
        return found
    finally:
        con.close()


def _portless(value: object, paths: dict[str, str]) -> object:
    if isinstance(value, str) and value in paths:
        value = paths[value]
    if isinstance(value, str) and value.startswith("http"):
        return urlsplit(value).path
    return value
