"""The staged package tables agree with the DDL they load into: names, NOT NULL and types.

A batch ends on disk as Parquet (`transforms.tables.batch_tables`, written as-is by
`warehouse.packages.write_tables`), and the loader inserts it `by name` into the marts. The
loader fills no column of its own: the builders already give version, valid_from, is_current
and run_id, and it overwrites those.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from transforms.tables import batch_tables
from warehouse.db import connect

# the staged tables and the mart table each loads into
TABLES = {
    "fact_article": "main.fact_article",
    "dim_author": "main.dim_author",
    "bridge_article_author": "main.bridge_article_author",
    "dim_tag": "main.dim_tag",
    "bridge_article_tag": "main.bridge_article_tag",
    "fact_image_credit": "main.fact_image_credit",
    "dim_entity": "main.dim_entity",
    "fact_entity_mention": "main.fact_entity_mention",
    "fact_quote": "main.fact_quote",
    "fact_count": "main.fact_count",
    "fact_fetch": "main.fact_fetch",
    "raw_fetch": "raw.fetch",
}

# (table, column): (staged type, DDL type, why they differ). Each is checked to still differ
# exactly so, and to load (DuckDB's assignment cast; DOUBLE -> DECIMAL is not implicit).
DELIBERATE = {
    ("dim_entity", "latitude"): (
        "DOUBLE",
        "DECIMAL(9,6)",
        "GeoNames gives floats; the warehouse keeps coordinates exact to the micro-degree",
    ),
    ("dim_entity", "longitude"): (
        "DOUBLE",
        "DECIMAL(9,6)",
        "GeoNames gives floats; the warehouse keeps coordinates exact to the micro-degree",
    ),
    ("fact_count", "count_value"): (
        "DOUBLE",
        "DECIMAL(18,3)",
        "counts are parsed as floats ('2.5 million'); the warehouse stores them as written",
    ),
    ("raw_fetch", "evidence"): (
        "VARCHAR",
        "JSON",
        "polars has no JSON type: the staged string is the JSON document the column holds",
    ),
}
# a value of each deliberate difference and what the mart must hold after loading it
SAMPLES = {
    "DECIMAL(9,6)": (-33.868820, -33.868820),
    "DECIMAL(18,3)": (2_500_000.0, 2_500_000.0),
    "JSON": ('{"via": "feed", "tags": ["a"]}', '{"via": "feed", "tags": ["a"]}'),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("warehouse"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> dict[str, Path]:
    """Each staged table of an empty batch, written to Parquet: its schema and nothing else."""
    folder = tmp_path_factory.mktemp("package")
    paths = {}
    for table, frame in batch_tables([], [], "r1").items():
        paths[table] = folder / f"{table}.parquet"
        frame.write_parquet(paths[table])
    return paths


def staged_columns(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Column -> DuckDB type, as the loader's read_parquet sees the file."""
    rows = con.execute("describe select * from read_parquet(?)", [str(path)]).fetchall()
    return {name: kind for name, kind, *_ in rows}


def ddl_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[str, bool]]:
    """Column -> (DuckDB type, nullable) of a mart table."""
    schema, name = TABLES[table].split(".")
    rows = con.execute(
        "select column_name, data_type, is_nullable from duckdb_columns()"
        " where database_name = current_database() and schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    assert rows, f"no table {TABLES[table]} in the DDL"
    return {column: (kind, nullable) for column, kind, nullable in rows}


def test_batch_tables_are_exactly_the_tables_checked_here():
    assert sorted(batch_tables([], [], "r1")) == sorted(TABLES)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_staged_column_exists_in_its_table(warehouse, staged, table):
    extra = staged_columns(warehouse, staged[table]).keys() - ddl_columns(warehouse, table).keys()
    assert extra == set()


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_not_null_column_of_the_table_is_staged(warehouse, staged, table):
    required = {c for c, (_kind, nullable) in ddl_columns(warehouse, table).items() if not nullable}
    assert required - staged_columns(warehouse, staged[table]).keys() == set()


def test_fact_article_staged_types_equal_the_ddl(warehouse, staged):
    """The article record is the contract: no cast between the package and the mart."""
    ddl = ddl_columns(warehouse, "fact_article")
    got = staged_columns(warehouse, staged["fact_article"])
    assert {c: t for c, t in got.items() if c in ddl} == {c: ddl[c][0] for c in got if c in ddl}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_staged_types_equal_the_ddl_or_cast_implicitly(warehouse, staged, table):
    ddl = ddl_columns(warehouse, table)
    wrong = {}
    for column, kind in staged_columns(warehouse, staged[table]).items():
        if column not in ddl or (table, column) in DELIBERATE or kind == ddl[column][0]:
            continue
        implicit = warehouse.execute(
            f"select can_cast_implicitly(null::{kind}, null::{ddl[column][0]})"
        ).fetchone()
        if not (implicit and implicit[0]):
            wrong[column] = (kind, ddl[column][0])
    assert wrong == {}


@pytest.mark.parametrize(("table", "column"), sorted(DELIBERATE))
def test_deliberate_type_difference_is_as_listed_and_loads(warehouse, staged, table, column):
    staged_type, ddl_type, _why = DELIBERATE[(table, column)]
    # an entry that no longer describes the schema is removed, not left to excuse another
    assert staged_columns(warehouse, staged[table])[column] == staged_type
    assert ddl_columns(warehouse, table)[column][0] == ddl_type
    value, expected = SAMPLES[ddl_type]
    warehouse.execute(f"create or replace temp table cast_probe (v {ddl_type})")
    warehouse.execute(f"insert into cast_probe select ?::{staged_type}", [value])
    (loaded,) = warehouse.execute("select v from cast_probe").fetchone()
    assert (float(loaded) if ddl_type.startswith("DECIMAL") else loaded) == expected


@pytest.mark.parametrize("table", sorted(TABLES))
def test_staged_table_inserts_by_name_into_its_mart(warehouse, staged, table):
    """The loader's own statement shape binds: every column found, every type converted."""
    warehouse.execute("begin")
    try:
        warehouse.execute(
            f"insert into {TABLES[table]} by name select * from read_parquet(?)",
            [str(staged[table])],
        )
    finally:
        warehouse.execute("rollback")
