"""Row keys from the DDL: the big tables carry no index (DuckDB holds a transaction's ART
entries in memory), old warehouses lose theirs once, and the loader keeps the keys unique."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import duckdb

from tests.builders import SOURCES, fetch, load_records, record
from transforms.tables import DEPENDENTS, MART_TABLES
from warehouse.db import connect, db_path, scalar
from warehouse.keys import SQL_DIR, key_of, unindexed_tables

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def _indexed(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, _, name = table.rpartition(".")
    return bool(
        scalar(
            con,
            "select count(*) from duckdb_constraints() where schema_name = ? and table_name = ? "
            "and constraint_type in ('PRIMARY KEY', 'UNIQUE')",
            [schema or "main", name],
        )
    )


def test_every_mart_table_states_a_key_made_of_its_columns(tmp_path):
    con = connect(tmp_path)
    for table in MART_TABLES:
        columns = {
            c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()
        }
        assert set(key_of(table)) <= columns, table


def test_tables_that_grow_per_article_carry_no_index(tmp_path):
    grows = {*DEPENDENTS, "fact_article", "fact_article_edit", "story_simhash_band"}
    assert grows | {"fact_fetch", "raw.fetch"} <= set(unindexed_tables())
    con = connect(tmp_path)
    assert not [t for t in unindexed_tables() if _indexed(con, t)]
    assert _indexed(con, "dim_entity")  # small dimensions keep theirs


def test_a_warehouse_made_with_the_indexes_is_rebuilt_once_keeping_its_rows(tmp_path):
    # the DDL as it was: the commented key was a primary key
    old = re.sub(
        r"\n(\s*)-- key: ([^\n]+)\n\);",
        r",\n\1primary key (\2)\n);",
        (SQL_DIR / "fact_quote.sql").read_text(),
    )
    assert "primary key (article_key, quote_order)" in old
    with duckdb.connect(str(db_path(tmp_path))) as con:
        con.execute(old)
        con.execute(
            "insert into fact_quote (article_key, quote_order, source_key, quote, quote_kind, "
            "char_offset, run_id) values ('a1', 0, 's1', 'We will', 'direct', 0, 'r0')"
        )
        assert _indexed(con, "fact_quote")
    con = connect(tmp_path)
    assert not _indexed(con, "fact_quote")
    assert con.execute("select article_key, quote from fact_quote").fetchall() == [
        ("a1", "We will")
    ]
    assert scalar(con, "select comment from duckdb_tables() where table_name = 'fact_quote'")
    con.close()
    assert not _indexed(connect(tmp_path), "fact_quote")


def test_an_article_staged_twice_in_one_package_leaves_one_row_per_key(tmp_path):
    con = connect(tmp_path)
    url = "http://herald.test/twice"
    load_records(con, [record(url), record(url)], [fetch(url)], SOURCES, "r1", NOW)
    for table in ("fact_article", "bridge_article_author"):
        keys = ", ".join(key_of(table))
        assert scalar(con, f"select count(*) from {table}") == 1, table
        assert scalar(con, f"select count(distinct ({keys})) from {table}") == 1, table
