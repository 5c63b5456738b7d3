"""What a person reads: whole values in a pipe or an 80-column terminal, no `<bool>` in help."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from flows.cli.commands import app
from flows.cli.tables import show_table

GAZETTE = Path(__file__).resolve().parents[3] / ".venv" / "bin" / "gazette"
COLUMNS = ("run", "command", "started (UTC)", "took", "status", "quality", "new", "failures")
ROWS = [
    ("20261201T020000123456Z", "run", "2026-12-01 02:00", "84 s", "succeeded", "PASS", "120", "3"),
    (
        "20261202T020000654321Z",
        "ingest",
        "2026-12-02 02:00",
        "9 s",
        "failed_quality",
        "FAIL",
        "0",
        "0",
    ),
]


def rendered(terminal: bool, width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=width, color_system=None)
    show_table(console, "Last runs", COLUMNS, ROWS, right=("new",))
    return out.getvalue()


def test_a_wide_terminal_gets_the_table():
    text = rendered(True, 160)
    assert "┃" in text or "│" in text
    assert "20261201T020000123456Z" in text


def test_a_narrow_terminal_and_a_pipe_get_every_value_whole():
    for text in (rendered(True, 80), rendered(False, 80)):
        assert "…" not in text and "│" not in text
        for row in ROWS:
            for value in row:
                assert value in text
        assert all(len(line) <= 80 for line in text.splitlines())


def test_flags_show_no_type_in_help():
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "--refresh" in result.output and "--verbose" in result.output
    assert "<bool>" not in result.output
    assert "<path>" in result.output  # options that take a value keep theirs


def test_a_long_error_stays_one_line_when_piped(tmp_path):
    home = tmp_path / ("a-home-with-a-long-name-" * 3)
    result = subprocess.run(
        [str(GAZETTE), "sql", "--home", str(home), "select 1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = [x for x in result.stderr.splitlines() if "no warehouse" in x]
    assert str(home) in line and "gazette demo" in line


def test_a_reprocess_summary_says_rewritten_where_a_run_says_new_or_changed(capsys, tmp_path):
    """The table said 16 "new or changed" beside "0 new, 0 changed" on the next line: a
    reprocess rewrites articles in place, and its table says so."""
    from flows.cli.commands import _print_summary
    from flows.summary import RunSummary
    from warehouse.changes import Changes

    run = RunSummary("r1", tmp_path, per_source=[("Herald", 16, 16)])
    _print_summary(run, show_queries=False)
    assert "new or changed this run" in capsys.readouterr().out
    reprocess = RunSummary("r2", tmp_path, per_source=[("Herald", 16, 16)], changes=Changes(16))
    _print_summary(reprocess, show_queries=False)
    said = capsys.readouterr().out
    assert "rewritten this run" in said and "new or changed" not in said


def test_prefects_own_lines_stay_off_the_terminal_but_the_runs_and_real_crashes_show():
    import logging

    from flows.cli.commands import PrefectQuiet

    def record(name: str, message: str, exc: BaseException | None = None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc is not None else None
        return logging.LogRecord(name, logging.WARNING, __file__, 1, message, None, info)

    quiet = PrefectQuiet()
    assert not quiet.filter(record("prefect.events.worker", "EventsWorker: still sending"))
    assert not quiet.filter(record("prefect._internal.analytics", "telemetry is on"))
    assert quiet.filter(record("prefect.flow_runs", "discarded the staged package x: y"))
    crash = "Crash detected! Execution was interrupted by an unexpected exception: "
    assert not quiet.filter(record("prefect.flow_runs", crash + "TerminationSignal: SIGTERM"))
    assert not quiet.filter(
        record("prefect.flow_runs", "Crash detected! Execution was aborted", KeyboardInterrupt())
    )
    bug = record("prefect.flow_runs", crash + "ValueError: a bug", ValueError("a bug"))
    assert quiet.filter(bug)  # a real crash shows
    assert quiet.filter(record("gazette", "a line of our own"))
