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
def _declared() -> dict[str, tuple[tuple[str, ...], bool]]:
    """table (schema-qualified unless in main) -> (its key columns, whether an index has it)."""
    keys: dict[str, tuple[tuple[str, ...], bool]] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for table in _TABLE.finditer(path.read_text()):
            body = table["body"]
            if found := _COMMENTED.search(body):
                keys[table["name"]] = (_columns(found["columns"]), False)
            elif found := _PRIMARY.search(body):
                keys[table["name"]] = (_columns(found["columns"]), True)
            elif found := _INLINE.search(body):
                keys[table["name"]] = ((found["column"],), True)
    return keys


def _columns(listed: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in listed.split(","))


def unindexed_tables() -> tuple[str, ...]:
    """Tables whose key is stated in a comment: the loader, not an index, keeps it unique."""
    return tuple(name for name, (_, indexed) in _declared().items() if not indexed)


def key_of(table: str) -> tuple[str, ...]:
    """The table's key columns; a table without one cannot be delivered or deduplicated."""
    try:
        return _declared()[table][0]
    except KeyError:
        raise ValueError(f"{table} states no key in warehouse/sql") from None
