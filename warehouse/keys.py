"""Every table's row key, read from its DDL: the one place that states it.

Small tables declare `primary key (...)` and DuckDB enforces it with an ART index. Tables that
grow by rows per article (facts, bridges, the story index, fetches) state theirs in a comment
inside `create table`, `-- key: article_key, entity_key`, and carry no index: DuckDB keeps
every ART entry a transaction adds in memory (about 100 bytes each, it cannot spill), so an
index would tie a night's load to the night's size. The loader keeps those keys unique (it
deletes an article's rows before writing them, and deduplicates on the key) and the integrity
suite counts duplicates after every load.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"

_TABLE = re.compile(
    r"create table if not exists (?P<name>[\w.]+) \((?P<body>.*?)\n\);", re.S | re.I
)
_PRIMARY = re.compile(r"^\s*primary key \((?P<columns>[^)]*)\)", re.M | re.I)
_COMMENTED = re.compile(r"^\s*-- key: (?P<columns>.+)$", re.M)
_INLINE = re.compile(r"^\s*(?P<column>\w+)\s+[^,\n]*\bprimary key\b", re.M | re.I)


@cache
def table_keys() -> dict[str, tuple[str, ...]]:
    """table (schema-qualified unless in main) -> its key columns, for every table that has one."""
    keys: dict[str, tuple[str, ...]] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for table in _TABLE.finditer(path.read_text()):
            body = table["body"]
            found = _PRIMARY.search(body) or _COMMENTED.search(body)
            if found:
                columns = tuple(c.strip() for c in found["columns"].split(","))
            elif inline := _INLINE.search(body):
                columns = (inline["column"],)
            else:
                continue
            keys[table["name"]] = columns
    return keys


@cache
def unindexed_tables() -> tuple[str, ...]:
    """Tables whose key is stated in a comment: the loader, not an index, keeps it unique."""
    names = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        for table in _TABLE.finditer(path.read_text()):
            if _COMMENTED.search(table["body"]):
                names.append(table["name"])
    return tuple(names)


def key_of(table: str) -> tuple[str, ...]:
    """The table's key columns; a table without one cannot be delivered or deduplicated."""
    try:
        return table_keys()[table]
    except KeyError:
        raise ValueError(f"{table} states no key in warehouse/sql") from None
