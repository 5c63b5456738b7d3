"""`gazette sql` with no query: a small read-only SQL shell.

Statements end with `;` and may span lines; `.tables`, `.schema NAME`, `.format FMT`, `.help`
and `.quit` are commands. History is kept in <home>/.sql_history when readline is available.
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
  .tables             list tables and views
  .schema NAME        columns of a table or view, with their meaning
  .format FMT         table, csv, json or markdown
  .quit               leave (Ctrl-D works too)"""


class SqlShell:
    def __init__(self, home: Path, fmt: str, run: Callable[[str, str], int]) -> None:
        self.home = home
        self.fmt = fmt
        self.run = run
        self.interactive = sys.stdin.isatty()
        self.history = home / ".sql_history"

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
                code = self.run("\n".join(buffer).rstrip().rstrip(";"), self.fmt)
                buffer.clear()
                if code and not self.interactive:
                    return code  # a script stops where it failed, as with `set -e`
        if buffer and "".join(buffer).strip():
            code = self.run("\n".join(buffer), self.fmt)
            return 0 if self.interactive else code
        return 0

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
                "order by kind, name",
                self.fmt,
            )
        elif name == ".schema" and arg:
            schema, _, table = arg.rpartition(".")
            safe_table = table.replace("'", "''")
            safe_schema = (schema or "main").replace("'", "''")
            self.run(
                "select column_name, data_type, comment from duckdb_columns() "
                f"where table_name = '{safe_table}' and schema_name = '{safe_schema}' "
                "order by column_index",
                self.fmt,
            )
        elif name == ".format" and arg in ("table", "csv", "json", "markdown"):
            self.fmt = arg
        else:
            print(f"unknown command {text!r}; .help lists them", file=sys.stderr)
        return True


def _save_history(readline: object, path: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(path)  # type: ignore[attr-defined]
