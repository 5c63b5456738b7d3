"""Opening the warehouse and applying its schema (the .sql files beside this module)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import polars as pl

from warehouse.keys import SQL_DIR, unindexed_tables

DB_NAME = "gazette.duckdb"
LOAD_MEMORY = "256MB"  # the load's DuckDB memory_limit unless GAZETTE_DUCKDB_MEMORY says (connect)


def db_path(home: Path) -> Path:
    return Path(home) / DB_NAME


# columns whose type changed after the first release: (table, column, type now). Exact values
# are decimals, not floats (coordinates to the micro-degree, counts as written).
RETYPED = (
    ("dim_entity", "latitude", "DECIMAL(9,6)"),
    ("dim_entity", "longitude", "DECIMAL(9,6)"),
    ("fact_count", "count_value", "DECIMAL(18,3)"),
)


ASIDE = "__indexed"  # suffix of a table being rebuilt without its index


def schema_statements() -> list[str]:
    """DDL in file order; every statement is safe to apply twice."""
    return [p.read_text() for p in sorted(SQL_DIR.glob("*.sql"))]


class WarehouseLocked(RuntimeError):
    """Another process has the DuckDB file open; the message says what to do."""


# what DuckDB says of a file it cannot read as a database: truncated, overwritten, a block
# whose checksum fails
DAMAGE_SIGNS = (
    "not a valid DuckDB database file",
    "Could not read enough bytes",
    "Corrupt database file",
    "does not match stored checksum",
)


class WarehouseDamaged(RuntimeError):
    """The warehouse file is not a database DuckDB can read: the message names it and says
    how to get the data back. Nothing of gazette's replaces or rewrites the file."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        snapshot = self.path.parent / "exports" / DB_NAME
        restore = (
            f"restore the last published snapshot (cp {snapshot} {self.path}; the next run "
            "fetches what came after it) or "
            if snapshot.exists()
            else ""
        )
        super().__init__(
            f"the warehouse {self.path} is damaged ({detail.strip().splitlines()[0]}); gazette "
            f"leaves it as it is. Move it aside, then {restore}rebuild it from the raw archive "
            f"into a new home (gazette ingest {self.path.parent / 'raw'} --home NEW_HOME)"
        )


def damage_of(exc: BaseException | None) -> str | None:
    """DuckDB's words for a damaged file, anywhere in an exception's chain; else None."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, WarehouseDamaged):
            return str(exc)
        if isinstance(exc, duckdb.Error) and any(s in str(exc) for s in DAMAGE_SIGNS):
            return str(exc)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


# the storage version gazette writes: every DuckDB from 1.1 on reads it, as do the BI drivers
# that still ship a 1.x engine (a file in 2.0's own format stops them: "version number 69,
# can only read 64-68"). DuckDB numbers it 64 in the file's header.
STORAGE_COMPATIBILITY = "v1.1.0"
READABLE_STORAGE = 64


def storage_number(path: Path) -> int | None:
    """The storage version in a DuckDB file's header (None: not a DuckDB file)."""
    with open(path, "rb") as handle:
        head = handle.read(20)
    if len(head) < 20 or head[8:12] != b"DUCK":
        return None
    return int.from_bytes(head[12:20], "little")


def _open(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying while another process holds DuckDB's file lock.

    DuckDB allows one process per file, readers included: a BI tool or `gazette sql` holding
    the file blocks the nightly run, so writers wait a little before giving up.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if read_only:
                return duckdb.connect(str(path), read_only=True)
            config = {"storage_compatibility_version": STORAGE_COMPATIBILITY}
            return duckdb.connect(str(path), config=config)
        except duckdb.Error as exc:
            if damage_of(exc):
                raise WarehouseDamaged(path, str(exc)) from None
            if not isinstance(exc, duckdb.IOException) or "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"the warehouse {path} is open in another process ({exc}); "
                    "close it (or query exports/gazette.duckdb, the published snapshot) "
                    "and try again"
                ) from None
            time.sleep(0.25)


# the file's headers before its first block (DuckDB 2.0: a main header and two database
# headers of 4 KiB); a larger header in a later storage version makes the check laxer, never
# wrong
HEADER_BYTES = 3 * 4096


def _check_whole(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """WarehouseDamaged when the file is shorter than the blocks its header says are in use: a
    copy cut short opens, answers what its first blocks hold, and a writer then rewrites its
    header over the damage. Checked before any statement writes."""
    try:
        row = con.execute("pragma database_size").fetchone()
    except duckdb.Error as exc:
        if damage_of(exc):
            raise WarehouseDamaged(path, str(exc)) from None
        raise
    if row is None or not path.exists():
        return
    # blocks in use must all be in the file; free ones may lie past its end (a checkpoint
    # truncates the file to its last used block)
    block_size, used_blocks = int(row[2]), int(row[4])
    expected = HEADER_BYTES + block_size * used_blocks
    size = path.stat().st_size
    if used_blocks and size < expected:
        con.close()
        raise WarehouseDamaged(
            path, f"{size:,} bytes where its {used_blocks} blocks in use need {expected:,}"
        )


def check_readable(home: Path) -> None:
    """WarehouseDamaged, before a command starts anything, when the home's warehouse file is
    there but DuckDB cannot open it (truncated, overwritten). Held by another process: fine,
    the command's own open waits for it and says so."""
    path = db_path(home)
    if not path.exists():
        return
    try:
        con = _open(path, True, 0.0)
    except WarehouseLocked:
        return
    try:
        _check_whole(con, path)
    finally:
        con.close()


# what an ad-hoc reader may run: queries, and statements that only inspect or plan. Not
# ATTACH (a file opened read-write: the BI snapshot), COPY or EXPORT (files written, the
# exports' manifest among them), LOAD/INSTALL, nor writes of any kind
READER_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
        duckdb.StatementType.SET,
        duckdb.StatementType.CREATE,  # temporary tables, in memory: the file is read-only
        duckdb.StatementType.DROP,
    }
)


class NotReadOnly(ValueError):
    """A statement an ad-hoc reader may not run; the message names it."""


def reader_sandbox(con: duckdb.DuckDBPyConnection, spill: Path) -> None:
    """Lock an ad-hoc reader's connection down: DuckDB spills to `spill` (not beside the
    warehouse), and no statement may change a setting after this (profiling_output,
    temp_directory and the like write files)."""
    run(con, "set temp_directory = ?", [str(spill)])
    run(con, "set lock_configuration = true")


def check_reader_statements(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """NotReadOnly when `query` holds a statement an ad-hoc reader may not run. Reading local
    files (read_parquet, read_csv) stays allowed: that is analysis."""
    for statement in con.extract_statements(query):
        if statement.type not in READER_STATEMENTS:
            kind = statement.type.name
            raise NotReadOnly(
                f"{kind} is not allowed: gazette sql only reads (no ATTACH, COPY, EXPORT, "
                "INSTALL/LOAD or writes); write results with --format csv|json instead"
            )


def read_memory() -> str:
    """DuckDB's memory for validation, which scans a table a chunk at a time into the frame
    GX judges (the frames need the room). At 100k articles 256 MB took the gate's peak from
    986 to 754 MB at the same speed; 128 MB ran out (bench/README.md)."""
    return os.environ.get("GAZETTE_DUCKDB_READ_MEMORY", "256MB")


def export_memory() -> str:
    """DuckDB's memory for the export and the BI snapshot, which only stream: what DuckDB
    holds past a few blocks is a cache of the table being read. On 50,000 articles with their
    text the partitioned export added 665 MB to the process at 256 MB and 333 MB at 64 MB,
    at the same speed; the snapshot's copy 321 MB and 142 MB at 96 MB (bench/README.md)."""
    return os.environ.get("GAZETTE_DUCKDB_EXPORT_MEMORY", "96MB")


def connect(
    home: Path, read_only: bool = False, wait_s: float | None = None, memory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection with the schema applied (writers) or an existing file opened (readers).

    `memory` is DuckDB's memory_limit: GAZETTE_DUCKDB_MEMORY (256MB) unless given, as
    the stages that only read give a smaller one (`read_memory`). 512 MB took the load's own
    peak at N = 10,080 to 1,222 MB, over the process tree's 1.2 GB; 256 MB loads a night of
    50,400 pages, spilling what does not fit (bench/README.md)."""
    path = db_path(home)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `gazette run` or `gazette demo`")
        con = _open(path, True, 0.0 if wait_s is None else wait_s)
        _check_whole(con, path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, False, 60.0 if wait_s is None else wait_s)
        _check_whole(con, path)  # before the DDL writes anything
        run(con, "begin transaction")  # a rebuild half done must not be left behind
        indexed = _set_aside_indexed(con)
        for ddl in schema_statements():
            run(con, ddl)
        _move_back(con, indexed)
        run(con, "commit")
        _retype(con)
    # bounded memory: DuckDB would otherwise cache up to 80 % of RAM; it spills to disk instead
    run(
        con,
        "set memory_limit = ?",
        [memory or os.environ.get("GAZETTE_DUCKDB_MEMORY", LOAD_MEMORY)],
    )
    # offline machines: never try to download extensions
    run(con, "set autoinstall_known_extensions = false")
    run(con, "set autoload_known_extensions = false")
    return con


def _set_aside_indexed(con: duckdb.DuckDBPyConnection) -> list[str]:
    """A warehouse made before the big tables lost their primary-key indexes (warehouse/keys.py)
    still has them, and DuckDB cannot drop a constraint: rename such a table aside, so the
    DDL creates it anew, and `_move_back` copies its rows over. Once per warehouse."""
    aside = []
    for table in unindexed_tables():
        schema, _, name = table.rpartition(".")
        indexed = scalar(
            con,
            "select count(*) from duckdb_constraints() where schema_name = ? "
            "and table_name = ? and constraint_type = 'PRIMARY KEY'",
            [schema or "main", name],
        )
        if indexed:
            run(con, f"alter table {table} rename to {name}{ASIDE}")
            aside.append(table)
    return aside


def _move_back(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for table in tables:
        old = f"{table}{ASIDE}"
        run(con, f"insert into {table} by name select * from {old}")
        run(con, f"drop table {old}")


def _retype(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a warehouse made by an older release to the column types of the DDL."""
    for table, column, wanted in RETYPED:
        now = scalar(
            con,
            "select data_type from duckdb_columns() where schema_name = 'main' "
            "and table_name = ? and column_name = ?",
            [table, column],
        )
        if now is not None and now != wanted:
            run(con, f"alter table {table} alter column {column} type {wanted.lower()}")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The single value of a query; drains the result (DuckDB 2.0 blocks on unfinished ones)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def path_literal(path: Path | str) -> str:
    """A file path inside a SQL string literal: COPY, ATTACH and read_parquet take no
    parameters for paths."""
    return str(path).replace("'", "''")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> None:
    """Execute a statement and drain its result, so the connection is free for the next one."""
    con.execute(sql, params or []).fetchall()


def temp_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        n
        for (n,) in con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    }


def drop_temp_tables(con: duckdb.DuckDBPyConnection, keep: set[str]) -> None:
    """Drop the temporary tables made since `keep` was taken. A load's working tables live as
    long as the connection otherwise: the next night on the same connection (gazette serve, a
    backfill) would carry the last night's staged rows into its own transaction."""
    for name in sorted(temp_tables(con) - keep):
        run(con, f'drop table if exists temp.main."{name}"')


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> pl.DataFrame:
    """A query's result as a polars DataFrame (through Arrow, no row-by-row Python)."""
    table = con.sql(sql, params=params or None).to_arrow_table()
    result = pl.from_arrow(table)
    assert isinstance(result, pl.DataFrame)
    return result
