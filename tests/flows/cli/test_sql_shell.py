"""`gazette sql` as a person and as a script use it: typed text stays on screen in a real
terminal (tmux), a failed statement or a missing warehouse is an exit code a script sees."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.runs import GAZETTE, Terminal
from warehouse.db import connect


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    connect(tmp_path).close()  # an empty warehouse: every table and view, no rows
    return tmp_path


def piped(home: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GAZETTE), "sql", "--home", str(home), "--format", "csv"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_failed_statement_in_a_script_exits_1_with_the_error_on_stderr(home):
    done = piped(home, "select 1 as a;\nselct 2;\nselect 3 as c;\n")
    assert done.returncode == 1
    assert "syntax error" in done.stderr
    assert done.stdout.splitlines() == ["a", "1"]  # stopped where it failed


def test_a_script_against_a_home_with_no_warehouse_exits_2(tmp_path):
    done = piped(tmp_path / "nothing-here", "select 1;\n")
    assert done.returncode == 2
    assert "no warehouse" in done.stderr


def test_a_script_that_succeeds_exits_0(home):
    done = piped(home, "select count(*) as n\nfrom v_article;\n")
    assert (done.returncode, done.stdout.splitlines()) == (0, ["n", "0"])


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (a real terminal)")
def test_typed_text_stays_on_screen_in_a_terminal(home):
    with Terminal(f"{GAZETTE} sql --home {home}", width=120, height=30) as terminal:
        terminal.wait_for("gazette>")
        typed = "select title from v_article"
        terminal.type(typed)
        time.sleep(1.5)  # a live display redraws several times a second: give it the chance
        screen = terminal.screen()
        assert f"gazette> {typed}" in screen, screen
        terminal.type(";")
        terminal.keys("Enter")
        screen = terminal.wait_for("gazette>", count=2)  # ran, and prompts again
        assert f"gazette> {typed};" in screen, screen


def test_schema_alone_lists_every_column_and_a_missing_name_says_so(home):
    """`.schema` alone was an unknown command; `.schema nope` printed an empty table."""
    done = piped(home, ".schema\n")
    assert done.returncode == 0, done.stderr
    tables = {line.split(",")[0] for line in done.stdout.splitlines()[1:]}
    assert {"fact_article", "dim_source", "ops.etl_run", "v_article"} <= tables
    done = piped(home, ".schema nope\n")
    assert "no such table or view: nope" in done.stderr and done.stdout == ""
