"""The terminal a person lives in, tried in a real one (tmux, read back with capture-pane)."""

from __future__ import annotations

import re
import shlex
import shutil
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
