"""The terminal a person lives in, tried in a real one (tmux, read back with capture-pane)."""

from __future__ import annotations

import re
import shlex
import shutil
import time
from pathlib import Path

import pytest

from tests.builders import article_html, feed, sources_toml
from tests.runs import GAZETTE, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (a terminal)")
BAR = re.compile(r"━.* \d+/\d+")  # a progress bar and its count (a table's rule has none)


def news_site(site, tmp_path: Path) -> Path:
    urls = [f"/story-{n}.html" for n in range(1, 6)]
    for n, url in enumerate(urls, start=1):
        site.add(url, article_html(f"Harbour story number {n}", f"S{n}. "))
    site.add("/feed.xml", feed(site, urls), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    return sources


@pytest.mark.e2e
def test_a_runs_summary_is_printed_after_the_bars_stop_not_through_them(site, api_env, tmp_path):
    """The bars used to redraw until the command ended: the summary's lines came out mixed
    with bar fragments, and the bars' last frame landed below it."""
    sources = news_site(site, tmp_path)
    env = f"PREFECT_API_URL={shlex.quote(api_env['PREFECT_API_URL'])} PREFECT_LOGGING_LEVEL=ERROR"
    run = f"{GAZETTE} run --sources {sources} --home {tmp_path / 'home'}"
    with Terminal(f"env {env} {run}; echo RUN-ENDED; sleep 600", width=100) as terminal:
        screen = terminal.wait_for("RUN-ENDED", timeout=300)
    lines = screen.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Discovered "))
    summary = lines[first : lines.index("RUN-ENDED")]
    assert not [line for line in summary if BAR.search(line)], screen
    assert any(line.startswith("Data Docs:") for line in summary), screen
    assert any(line.startswith("Report:") for line in summary), screen
    assert any(BAR.search(line) for line in lines[:first]), screen  # the bars were there, above
    said = [line for line in lines if line.strip()]
    assert said[0].startswith("gazette run: 1 source from"), screen  # at once, before Prefect
    stages = [line.split()[0] for line in lines[:first] if BAR.search(line)]
    assert stages.index("fetch") < stages.index("stage"), screen  # in the order they run


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
