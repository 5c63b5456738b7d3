"""A query's result for a person (a sample that fits the terminal) and for a script (every
row, streamed)."""

from __future__ import annotations

import io
import json
import subprocess

import duckdb
import pytest

from flows.cli.results import MAX_CELL, box, records, sample, write_csv, write_json
from tests.runs import GAZETTE


def result(sql: str, batch_rows: int = 1000):
    return duckdb.connect().sql(sql).to_arrow_reader(batch_rows)


def test_a_large_result_keeps_its_first_and_last_rows_and_counts_them_all():
    reader = result("select range as n from range(100000)", batch_rows=777)
    found = sample(reader.schema, reader, max_rows=40)
    assert found.total == 100000
    assert [r[0] for r in found.head] == list(range(20))
    assert [r[0] for r in found.tail] == list(range(99980, 100000))
    lines = box(found, width=80)
    assert lines[-1].strip() == "100000 rows (40 shown)"
    assert sum(1 for line in lines if "·" in line) == 3


def test_a_small_result_is_shown_whole_and_max_rows_0_means_all():
    reader = result("select range as n from range(30)")
    found = sample(reader.schema, reader, max_rows=40)
    assert ([r[0] for r in found.head], found.tail) == (list(range(30)), [])
    reader = result("select range as n from range(500)", batch_rows=64)
    assert len(sample(reader.schema, reader, max_rows=0).head) == 500


@pytest.mark.parametrize("width", [80, 120, 200])
def test_a_wide_result_shows_the_columns_that_fit_and_says_how_many(width):
    columns = ", ".join(f"repeat('v{i} ', 30) as column_{i}" for i in range(30))
    reader = result(f"select {columns} from range(3)")
    lines = box(sample(reader.schema, reader, max_rows=40), width)
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    shown = lines[1].count("column_")
    assert 2 <= shown < 30
    assert lines[-1].strip() == f"3 rows  30 columns ({shown} shown)"
    assert all(len(cell.strip()) <= MAX_CELL for cell in lines[3].split("│"))
    assert "…" in lines[3]  # long values are cut, and say so


def test_line_mode_shows_each_record_whole():
    reader = result("select 1 as id, repeat('long ', 40) as text")
    lines = records(sample(reader.schema, reader, max_rows=40))
    assert lines[0] == "  id = 1"
    assert lines[1] == "text = " + "long " * 40


def test_csv_and_json_stream_every_row_with_nested_values_as_json():
    out = io.StringIO()
    write_csv(result("select range as n, [range, 1] as pair from range(5000)", 999), out)
    rows = out.getvalue().splitlines()
    assert rows[0] == "n,pair" and len(rows) == 5001 and rows[-1] == '4999,"[4999, 1]"'
    out = io.StringIO()
    write_json(result("select range as n from range(2500)", 999), out)
    assert [r["n"] for r in json.loads(out.getvalue())] == list(range(2500))


def test_sql_shows_forty_rows_of_a_big_answer_unless_asked_for_all(tmp_path):
    from warehouse.db import connect

    connect(tmp_path).close()
    query = "select range as n from range(300000)"

    def sql(*args: str) -> str:
        return subprocess.run(
            [str(GAZETTE), "sql", "--home", str(tmp_path), *args, query],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    assert sql().splitlines()[-1].strip() == "300000 rows (40 shown)"
    assert len(sql("--format", "csv").splitlines()) == 300001
    assert sql("--max-rows", "0").splitlines()[-1].strip() == "300000 rows"


def test_a_reader_that_stops_early_is_not_a_failed_statement(tmp_path):
    """`gazette sql … | head -3` exited 1, sometimes, with no message."""
    from warehouse.db import connect

    connect(tmp_path).close()
    query = "select range from range(2000000)"
    proc = subprocess.Popen(
        [str(GAZETTE), "sql", "--home", str(tmp_path), "--format", "csv", query],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert [proc.stdout.readline() for _ in range(3)] == ["range\n", "0\n", "1\n"]
    proc.stdout.close()  # what `head -3` does once it has its lines
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == ""


def test_version_and_help_that_keeps_its_brackets():
    version = subprocess.run([str(GAZETTE), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("gazette ")
    helped = subprocess.run([str(GAZETTE), "validate", "--help"], capture_output=True, text=True)
    assert "whose [quality] sets" in " ".join(helped.stdout.split())


def test_a_timestamp_is_spelled_one_way_in_csv_and_json():
    """Three spellings across CSV, JSON and the CSV export before; now the export's."""
    query = "select timestamptz '2026-11-04 08:00:00.5+00' as at, date '2026-11-04' as day"
    out = io.StringIO()
    write_csv(result(query), out)
    assert out.getvalue().splitlines()[1] == "2026-11-04T08:00:00.500000Z,2026-11-04"
    out = io.StringIO()
    write_json(result(query), out)
    assert json.loads(out.getvalue()) == [
        {"at": "2026-11-04T08:00:00.500000Z", "day": "2026-11-04"}
    ]
