"""Tables for a person at a wide terminal, whole lines for everyone else.

A rich table squeezed into 80 columns or a pipe cuts its cells ("20261201…", "succeed…"), and
cron mail is then unreadable. Values must reach a pipe or a narrow terminal whole: as aligned
plain lines when they fit the width, else as one stacked record per row.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 80  # what cron mail and most pagers show without wrapping


def show_table(
    console: Console,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[str] = (),
) -> None:
    """Print rows under `title`: a table when it fits the terminal uncut, else plain text."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        table.add_row(*row)
    if console.is_terminal:
        unbounded = console.options.update_width(10_000)  # measured at the width it wants
        natural = Measurement.get(console, unbounded, table).maximum
        if natural <= console.width:
            console.print(table)
            return
    width = console.width if console.is_terminal else PIPE_WIDTH
    plain = [strip_markup(c) for c in columns], [[strip_markup(c) for c in r] for r in rows]
    lines = aligned_lines(*plain, right=right)
    if max(map(len, lines)) > width:
        lines = stacked_records(*plain)
    console.print(escape(title), highlight=False, soft_wrap=True)
    for line in lines:
        console.print(escape(line), highlight=False, soft_wrap=True)


def aligned_lines(
    columns: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[str] = ()
) -> list[str]:
    """A header and one line a row, each column as wide as its widest value: nothing cut."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell.rjust(w) if column in right else cell.ljust(w)
            for cell, w, column in zip(cells, widths, columns, strict=True)
        )
        return "  ".join(padded).rstrip()

    return [line(columns), *(line(r) for r in rows)]


def stacked_records(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Each row as its first column, then one indented `column: value` line per other one."""
    label = max(len(c) for c in columns[1:]) if len(columns) > 1 else 0
    lines = []
    for row in rows:
        lines.append(f"{columns[0]}: {row[0]}")
        lines.extend(
            f"    {column + ':':<{label + 1}} {value}"
            for column, value in zip(columns[1:], row[1:], strict=True)
            if value
        )
    return lines


def strip_markup(text: str) -> str:
    return Text.from_markup(text).plain
