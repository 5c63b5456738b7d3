"""Two warehouses, table by table: row counts and rows, run ids and clock times aside.

For a refactor that must not change what gazette loads: build the demo with the old and the new
code into two homes that share the demo's ports (copy `demo-ports.json` into the second home
first, since the ports are in every URL and so in every key), then

    .venv/bin/python bench/compare_warehouses.py OLD_HOME/gazette.duckdb NEW_HOME/gazette.duckdb

Exit 0 when every exported table holds the same rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from transforms.tables import MART_TABLES
from warehouse.keys import key_of

# what differs between two runs of the same input: who ran it, and when
RUN_COLUMNS = {"run_id", "loaded_by_run_id", "valid_from", "valid_to", "fetched_at", "fetch_key"}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = 'main' and table_name = ?",
        [table],
    ).fetchall()
    return [
        c
        for (c,) in rows
        if c not in RUN_COLUMNS and not c.endswith("_ms") and not c.endswith("loaded_at")
    ]


def main() -> int:
    old, new = (duckdb.connect(p, read_only=True) for p in sys.argv[1:3])
    differ = 0
    for table in MART_TABLES:
        query = f"select {', '.join(_columns(old, table))} from {table}"
        a = sorted(map(repr, old.execute(query).fetchall()))
        b = sorted(map(repr, new.execute(query).fetchall()))
        differ += a != b
        verdict = "same" if a == b else "DIFFERENT"
        print(f"{table:24} {len(a):7} {len(b):7}  {verdict}  key {', '.join(key_of(table))}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
