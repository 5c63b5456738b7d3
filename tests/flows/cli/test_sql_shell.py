"""`gazette sql` as a person and as a script use it: typed text stays on screen in a real
terminal (tmux), a failed statement or a missing warehouse is an exit code a script sees."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from warehouse.db import connect

GAZETTE = Path(sys.executable).with_name("gazette")


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
    session = f"gz-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", session]
    command = f"{GAZETTE} sql --home {home}"
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "30", command],
        check=True,
    )
    try:
        screen = wait_for(tmux, session, "gazette>")
        typed = "select title from v_article"
        subprocess.run([*tmux, "send-keys", "-t", session, "-l", typed], check=True)
        time.sleep(1.5)  # a live display redraws several times a second: give it the chance
        screen = capture(tmux, session)
        assert f"gazette> {typed}" in screen, screen
        subprocess.run([*tmux, "send-keys", "-t", session, "-l", "\\;"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", session, "Enter"], check=True)
        screen = wait_for(tmux, session, "gazette>", count=2)  # ran, and prompts again
        assert f"gazette> {typed};" in screen, screen
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def capture(tmux: list[str], session: str) -> str:
    return subprocess.run(
        [*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout


def wait_for(tmux: list[str], session: str, text: str, count: int = 1, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = capture(tmux, session)
        if screen.count(text) >= count:
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never showed:\n{screen}")
        time.sleep(0.2)
