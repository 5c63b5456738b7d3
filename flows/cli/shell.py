"""`gazette sql` with no query: a small read-only SQL shell.

Statements end with `;` and may span lines (Up recalls a statement whole); `.tables`,
`.schema [NAME]`, `.mode FMT`, `.maxrows N`, `.help` and `.quit` are commands; Ctrl-C cancels
a running query and keeps the shell. History is kept in <home>/.sql_history when readline is
available.
Each statement opens the warehouse for itself, so an open shell never blocks the nightly run.
A script piped in stops at the first statement that fails and exits 1; with no warehouse it
exits 2 before reading anything, as `gazette sql QUERY` does.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path

from warehouse.db import db_path

NO_WAREHOUSE_EXIT = 2

HELP = """\
  SQL ending with ;   run it (read-only); statements may span several lines
  Ctrl-C              cancel the running query (the shell stays)
  .tables             list tables and views
  .schema [NAME]      columns of a table or view, with their meaning (no name: all of them)
  .mode FMT           table, line, csv, json or markdown (.format works too)
  .maxrows N          rows a table or line result shows (0: all)
  .quit               leave (Ctrl-D works too)"""
MODES = ("table", "line", "csv", "json", "markdown")

Runner = Callable[[str, str, int], int]  # (statement, format, max rows) -> exit code


class SqlShell:
    def __init__(self, home: Path, fmt: str, run: Runner, max_rows: int = 40) -> None:
        self.home = home
        self.fmt = fmt
        self.max_rows = max_rows
        self._run = run
        self.interactive = sys.stdin.isatty()
        self.history = home / ".sql_history"

    def run(self, statement: str, fmt: str | None = None) -> int:
        return self._run(statement, fmt or self.fmt, self.max_rows)

    def _readline(self) -> None:
        if not self.interactive:
            return
        try:
            import readline
        except ImportError:
            return
        with contextlib.suppress(OSError):
            readline.read_history_file(self.history)
        import atexit

        atexit.register(lambda: _save_history(readline, self.history))

    def loop(self) -> int:
        """Read and run statements until the end of input; the exit code for the command."""
        self._readline()
        refused = self._greet()
        if refused is not None:
            return refused
        buffer: list[str] = []
        while (line := self._read(buffer)) is not None:
            stripped = line.strip()
            if not buffer and stripped.startswith("."):
                if not self.command(stripped):
                    break
                continue
            if not stripped and not buffer:
                continue
            buffer.append(line)
            if stripped.endswith(";"):
                self._remember(buffer)
                code = self.run("\n".join(buffer).rstrip().rstrip(";"))
                buffer.clear()
                if code and not self.interactive:
                    return code  # a script stops where it failed, as with `set -e`
        if buffer and "".join(buffer).strip():
            code = self.run("\n".join(buffer))
            return 0 if self.interactive else code
        return 0

    def _remember(self, lines: list[str]) -> None:
        """A statement typed over several lines goes into the history as one, so Up recalls
        it whole (readline keeps each line apart otherwise)."""
        if not self.interactive or len(lines) < 2:
            return
        try:
            import readline
        except ImportError:
            return
        length = readline.get_current_history_length()
        if length < len(lines):
            return
        for _ in lines:
            readline.remove_history_item(readline.get_current_history_length() - 1)
        readline.add_history(" ".join(line.strip() for line in lines))

    def _greet(self) -> int | None:
        """The banner at a terminal; for a script with no warehouse, the exit code."""
        missing = not db_path(self.home).exists()
        if missing and not self.interactive:
            print(
                f"error: no warehouse at {db_path(self.home)}: run `gazette run` or "
                "`gazette demo` first",
                file=sys.stderr,
            )
            return NO_WAREHOUSE_EXIT
        if self.interactive:
            print(f"gazette sql on {self.home} (read-only). .help for commands.")
            if missing:
                print(
                    f"There is no warehouse at {db_path(self.home)} yet: run `gazette run` "
                    "or `gazette demo`, then query it here.",
                    file=sys.stderr,
                )
        return None

    def _read(self, buffer: list[str]) -> str | None:
        """The next line, None at the end of input; Ctrl-C drops the statement being typed."""
        while True:
            prompt = ("   ...> " if buffer else "gazette> ") if self.interactive else ""
            try:
                return input(prompt)
            except EOFError:
                return None
            except KeyboardInterrupt:
                buffer.clear()
                print()

    def command(self, text: str) -> bool:
        """A dot command; False means quit."""
        name, _, arg = text.partition(" ")
        arg = arg.strip()
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".help":
            print(HELP)
        elif name == ".tables":
            self.run(
                "select case when schema_name = 'main' then table_name "
                "else schema_name || '.' || table_name end as name, 'table' as kind "
                "from duckdb_tables() union all "
                "select view_name, 'view' from duckdb_views() where not internal "
                "order by kind, name"
            )
        elif name == ".schema":
            self._schema(arg)
        elif name in (".format", ".mode") and arg in MODES:
            self.fmt = arg
        elif name == ".maxrows" and arg.isdigit():
            self.max_rows = int(arg)
        else:
            print(f"unknown command {text!r}; .help lists them", file=sys.stderr)
        return True

    def _schema(self, name: str) -> None:
        """The columns of one table or view, or of every one; a name that is neither says so
        instead of printing an empty table."""
        if not name:
            self.run(_columns_sql("schema_name in ('main', 'ops', 'raw')", with_table=True))
            return
        schema, _, table = name.rpartition(".")
        quoted = [part.replace("'", "''") for part in (schema or "main", table)]
        where = f"schema_name = '{quoted[0]}' and table_name = '{quoted[1]}'"
        if self._count(f"select count(*) from duckdb_columns() where {where}") == 0:
            print(f"no such table or view: {name} (.tables lists them)", file=sys.stderr)
            return
        self.run(_columns_sql(where))

    def _count(self, sql: str) -> int | None:
        """A number from the warehouse, or None when it cannot be read now (busy, missing)."""
        try:
            from warehouse.db import connect

            con = connect(self.home, read_only=True)
        except Exception:
            return None
        try:
            row = con.execute(sql).fetchone()
            return int(row[0]) if row else None
        finally:
            con.close()


def _columns_sql(where: str, with_table: bool = False) -> str:
    table = (
        "case when schema_name = 'main' then table_name "
        "else schema_name || '.' || table_name end as name, "
        if with_table
        else ""
    )
    return (
        f"select {table}column_name, data_type, comment from duckdb_columns() "
        f"where {where} and not internal order by schema_name, table_name, column_index"
    )


def _save_history(readline: object, path: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(path)  # type: ignore[attr-defined]
