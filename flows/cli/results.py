"""A query's result for a person and for a script, streamed batch by batch.

For a person (`table`, `line`): at most `max_rows` rows, the first and the last half, with the
row count; the columns that fit the terminal, the rest elided and counted; long values cut
with an ellipsis. DuckDB's own shell does the same, and a 2,000,000-row answer then prints in
a moment instead of holding the whole result to draw it. For a script (`csv`, `json`,
`markdown`): every row, written as each batch arrives, so memory stays one batch deep.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

import pyarrow as pa

from warehouse.export import iso_timestamp

MAX_ROWS = 40  # what DuckDB's shell shows by default
MAX_CELL = 40  # characters of one value in a table before it is cut
MIN_COLUMNS = 6  # values are cut shorter (down to 10 characters) until this many columns fit
ELLIPSIS = "…"


@dataclass(slots=True)
class Sample:
    """The rows a person is shown: the first and the last of the result, and how many in all."""

    columns: list[str]
    numeric: list[bool]
    head: list[tuple[Any, ...]] = field(default_factory=list)
    tail: list[tuple[Any, ...]] = field(default_factory=list)
    total: int = 0


def _rows(batch: pa.RecordBatch) -> list[tuple[Any, ...]]:
    return list(zip(*(column.to_pylist() for column in batch.columns), strict=True))


def sample(schema: pa.Schema, batches: Iterable[pa.RecordBatch], max_rows: int) -> Sample:
    """The first and the last `max_rows // 2` rows (all of them with `max_rows` 0); only
    those rows are ever turned into Python values."""
    numeric = [
        pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
        for f in schema
    ]
    result = Sample(list(schema.names), numeric)
    keep_head = max_rows // 2 if max_rows else None
    keep_tail = max_rows - max_rows // 2
    tail: deque[pa.RecordBatch] = deque()
    tail_rows = 0
    for batch in batches:
        result.total += batch.num_rows
        if keep_head is None:
            result.head.extend(_rows(batch))
            continue
        wanted = keep_head - len(result.head)
        if wanted > 0:
            result.head.extend(_rows(batch.slice(0, wanted)))
            batch = batch.slice(wanted)
        if batch.num_rows:
            tail.append(batch.slice(max(0, batch.num_rows - keep_tail)))
            tail_rows += tail[-1].num_rows
            while tail_rows - tail[0].num_rows >= keep_tail:
                tail_rows -= tail.popleft().num_rows
    if keep_head is not None and tail:
        result.tail = [row for batch in tail for row in _rows(batch)][-keep_tail:]
    if result.total <= max_rows:  # nothing left out: one run of rows, no gap to mark
        result.head, result.tail = result.head + result.tail, []
    return result


def cell(value: Any, limit: int = MAX_CELL) -> str:
    """One value as a table shows it: NULL spelled out, one line, cut at `limit`."""
    if value is None:
        text = "NULL"
    elif isinstance(value, list | dict):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


def _footer(result: Sample, shown_columns: int) -> str:
    rows = f"{result.total} row{'' if result.total == 1 else 's'}"
    shown = len(result.head) + len(result.tail)
    if shown < result.total:
        rows += f" ({shown} shown)"
    columns = len(result.columns)
    if shown_columns < columns:
        rows += f"  {columns} columns ({shown_columns} shown)"
    return rows


def _fit(widths: list[int], width: int) -> tuple[list[int], bool]:
    """The columns that fit `width` (from the left), and whether some were left out."""
    chosen: list[int] = []
    used = 1
    for i, w in enumerate(widths):
        left_out = i < len(widths) - 1
        room = used + w + 3 + (4 if left_out else 0)  # a last "…" column when some are out
        if room > width:
            break
        chosen.append(i)
        used += w + 3
    if not chosen:  # not even the first column fits whole: cut it to the terminal
        widths[0] = max(width - 8, 4)
        chosen = [0]
    return chosen, len(chosen) < len(widths)


def box(result: Sample, width: int) -> list[str]:
    """The result as a box of the columns that fit `width`, DuckDB's shell style."""
    cells = [[cell(v) for v in row] for row in (*result.head, *result.tail)]
    widths = [
        max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(result.columns)
    ]
    natural = widths
    for cap in (MAX_CELL, 30, 20, 14, 10):  # cut values shorter until a few columns fit
        widths = [min(w, cap) for w in natural]
        chosen, elided = _fit(widths, width)
        if len(chosen) >= min(len(widths), MIN_COLUMNS):
            break
    names = [cell(result.columns[i], widths[i]) for i in chosen]
    shown = [widths[i] for i in chosen] + ([1] if elided else [])

    def line(values: Sequence[str], right: Sequence[bool]) -> str:
        padded = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, shown, right, strict=True)
        ]
        return "│ " + " │ ".join(padded) + " │"

    def rule(left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (w + 2) for w in shown) + right

    def row_line(row: list[str]) -> str:
        values = [cell(row[i], widths[i]) for i in chosen] + ([ELLIPSIS] if elided else [])
        right = [result.numeric[i] for i in chosen] + ([False] if elided else [])
        return line(values, right)

    lines = [rule("┌", "┬", "┐")]
    lines.append(line([*names, *([ELLIPSIS] if elided else [])], [False] * len(shown)))
    lines.append(rule("├", "┼", "┤"))
    lines.extend(row_line(row) for row in cells[: len(result.head)])
    if result.tail:
        dots = ["·"] * len(shown)
        lines.extend(line(dots, [False] * len(shown)) for _ in range(3))
        lines.extend(row_line(row) for row in cells[len(result.head) :])
    lines.append(rule("└", "┴", "┘"))
    lines.append(f"  {_footer(result, len(chosen))}")
    return lines


def records(result: Sample) -> list[str]:
    """One block per row, `column = value` a line (DuckDB's `.mode line`); values whole."""
    label = max((len(c) for c in result.columns), default=0)
    lines: list[str] = []
    rows = [*result.head, *([None] if result.tail else []), *result.tail]
    for row in rows:
        if row is None:
            lines.extend(["·", "·", "·", ""])
            continue
        lines.extend(
            f"{name.rjust(label)} = {cell(value, 10_000)}"
            for name, value in zip(result.columns, row, strict=True)
        )
        lines.append("")
    lines.append(_footer(result, len(result.columns)))
    return lines


def write_csv(batches: Iterable[pa.RecordBatch], out: TextIO) -> None:
    """Every row as CSV, a batch at a time; lists and structs as JSON in their cell."""
    import polars as pl

    header = True
    for batch in batches:
        frame = pl.from_arrow(pa.Table.from_batches([batch]))
        assert isinstance(frame, pl.DataFrame)
        nested = [
            c for c, t in frame.schema.items() if isinstance(t, pl.List | pl.Array | pl.Struct)
        ]
        frame = frame.with_columns(
            pl.Series(
                c, [None if v is None else json.dumps(v, default=_text) for v in frame[c].to_list()]
            )
            for c in nested
        ).with_columns(_timestamps(frame.schema))
        out.write(frame.write_csv(include_header=header))
        header = False


def write_json(batches: Iterable[pa.RecordBatch], out: TextIO) -> None:
    """Every row as one JSON array of objects, written as the batches arrive."""
    first = True
    out.write("[")
    for batch in batches:
        for row in batch.to_pylist():
            out.write(
                ("\n" if first else ",\n") + json.dumps(row, default=_text, ensure_ascii=False)
            )
            first = False
    out.write("\n]\n")


def write_markdown(schema: pa.Schema, batches: Iterable[pa.RecordBatch], out: TextIO) -> None:
    out.write("| " + " | ".join(schema.names) + " |\n|" + "---|" * len(schema.names) + "\n")
    for batch in batches:
        for row in _rows(batch):
            cells = (
                "" if v is None else str(v).replace("|", "\\|").replace("\n", " ") for v in row
            )
            out.write("| " + " | ".join(cells) + " |\n")


def _text(value: Any) -> str:
    """What JSON has no type for: timestamps in gazette's one spelling, the rest as text."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    return value.isoformat() if isinstance(value, date) else str(value)


def _timestamps(schema: Any) -> list[Any]:
    """Timestamp columns as gazette spells them (polars would write `+0000`, not a Z)."""
    import polars as pl

    spelled = []
    for name, kind in schema.items():
        if isinstance(kind, pl.Datetime):
            column = pl.col(name)
            if kind.time_zone is not None:
                column = column.dt.convert_time_zone("UTC")
                spelled.append(column.dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").alias(name))
            else:
                spelled.append(column.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f").alias(name))
    return spelled
