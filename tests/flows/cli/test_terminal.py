"""The SQL shell a person lives in, tried in a real terminal (tmux, read back with
capture-pane). A run's bars and summary in a terminal: tests/flows/test_temporary_server.py."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.runs import GAZETTE, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (a terminal)")


@pytest.fixture()
def warehouse_home(tmp_path: Path) -> Path:
    from warehouse.db import connect

    connect(tmp_path).close()  # every table and view, no rows
    return tmp_path


def test_the_shell_fits_a_wide_result_to_the_terminal_and_cancels_a_query(warehouse_home):
    """At 80 columns `select *` of a 34-column view drew one-character columns; Ctrl-C left a
    query running with no prompt; `.schema` of a name that is not there printed nothing."""
    with Terminal(f"{GAZETTE} sql --home {warehouse_home}", width=80, height=40) as terminal:
        terminal.wait_for("gazette>")
        terminal.type("select * from v_article;")
        terminal.keys("Enter")
        screen = terminal.wait_for("columns (", timeout=30)
        assert all(len(line) <= 80 for line in screen.splitlines()), screen
        assert "article_key" in screen and "│ … │" in screen, screen
        terminal.type("select sum(a.range * b.range) from range(200000) a, range(200000) b;")
        terminal.keys("Enter")
        time.sleep(1.5)  # the query is running
        terminal.keys("C-c")
        screen = terminal.wait_for("cancelled", timeout=30)
        terminal.wait_for("gazette>", count=3, timeout=30)  # the shell is still there
        terminal.type(".schema nope")
        terminal.keys("Enter")
        terminal.wait_for("no such table or view: nope", timeout=30)


def test_up_recalls_a_statement_typed_over_several_lines_whole(warehouse_home):
    with Terminal(f"{GAZETTE} sql --home {warehouse_home}", width=100, height=40) as terminal:
        terminal.wait_for("gazette>")
        for line in ("select 41 + 1", "as answer;"):
            terminal.type(line)
            terminal.keys("Enter")
        terminal.wait_for("answer", count=2, timeout=30)
        terminal.keys("Up")
        time.sleep(0.5)
        last = [line for line in terminal.screen().splitlines() if line.strip()][-1]
        assert last == "gazette> select 41 + 1 as answer;", last
