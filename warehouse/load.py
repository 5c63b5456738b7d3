"""Load one run's frames into the star schema in a single transaction.

Dimensions and facts are keyed, so loading the same frames twice changes nothing; fact_fetch
and ops rows are per run by nature.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from transforms.model import StarTables
from warehouse.db import query_frame, run, scalar


@dataclass(frozen=True, slots=True)
class LoadCounts:
    articles_new: int
    articles_changed: int
    authors_new: int
    fetch_rows: int


def _insert_new(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Insert rows whose primary key is not there yet; returns how many were inserted."""
    if frame.is_empty():
        return 0
    con.register("incoming", frame.to_arrow())
    try:
        before = int(scalar(con, f"select count(*) from {table}"))
        run(con, f"insert or ignore into {table} by name select * from incoming")
        return int(scalar(con, f"select count(*) from {table}")) - before
    finally:
        con.unregister("incoming")


def load_star(con: duckdb.DuckDBPyConnection, tables: StarTables) -> LoadCounts:
    """All of a run's rows, or none of them: one transaction."""
    run(con, "begin transaction")
    try:
        counts = _load(con, tables)
        run(con, "commit")
    except BaseException:
        run(con, "rollback")
        raise
    return counts


def _load(con: duckdb.DuckDBPyConnection, tables: StarTables) -> LoadCounts:
    _insert_new(con, "dim_source", tables.dim_source)
    _insert_new(con, "dim_date", tables.dim_date)
    authors_new = _insert_new(con, "dim_author", tables.dim_author)

    articles = tables.fact_article
    con.register("incoming_articles", articles.to_arrow())
    try:
        changed = query_frame(
            con,
            """
            select i.article_key, f.article_key is null as is_new
            from incoming_articles i
            left join fact_article f using (article_key)
            where f.article_key is null or f.content_hash <> i.content_hash
            """,
        )
        keys = changed.get_column("article_key").to_list()
        if keys:
            for dependent in ("bridge_article_author", "fact_image_credit"):
                run(
                    con,
                    f"delete from {dependent} where article_key in (select unnest(?))",
                    [keys],
                )
            run(con, "delete from fact_article where article_key in (select unnest(?))", [keys])
            run(
                con,
                """
                insert into fact_article by name
                select * from incoming_articles where article_key in (select unnest(?))
                """,
                [keys],
            )
    finally:
        con.unregister("incoming_articles")

    for dependent in ("bridge_article_author", "fact_image_credit"):
        frame = getattr(tables, dependent).filter(pl.col("article_key").is_in(keys))
        _insert_new(con, dependent, frame)
    fetch_rows = _insert_new(con, "fact_fetch", tables.fact_fetch)
    _insert_new(con, "raw.fetch", tables.raw_fetch)
    new = int(changed.get_column("is_new").sum()) if keys else 0
    return LoadCounts(
        articles_new=new,
        articles_changed=len(keys) - new,
        authors_new=authors_new,
        fetch_rows=fetch_rows,
    )
