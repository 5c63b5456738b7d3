"""Opening the warehouse and applying its schema (the .sql files beside this module)."""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
DB_NAME = "gazette.duckdb"


def db_path(home: Path) -> Path:
    return Path(home) / DB_NAME


def schema_statements() -> list[str]:
    """DDL in file order; every statement is safe to apply twice."""
    return [p.read_text() for p in sorted(SQL_DIR.glob("*.sql"))]


def connect(home: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection with the schema applied (writers) or an existing file opened (readers)."""
    path = db_path(home)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `gazette run` or `gazette demo`")
        con = duckdb.connect(str(path), read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        for ddl in schema_statements():
            con.execute(ddl)
    # offline machines: never try to download extensions
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")
    return con
