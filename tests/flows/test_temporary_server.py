"""`gazette run` with no Prefect API configured: it starts Prefect's temporary server itself,
before its own imports, and stops it cleanly once the run's logs are sent."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys

import pytest

from flows.serving import (
    LocalPrefectServer,
    prefect_api_configured,
    running_serve_api,
)
from tests.builders import article_html, feed, sources_toml
from tests.runs import GAZETTE, Terminal, without_api

BAR = re.compile(r"━.* \d+/\d+")  # a progress bar and its count (a table's rule has none)


def test_api_configured_by_env_or_by_the_active_profile(tmp_path, monkeypatch):
    without_api(monkeypatch, tmp_path)
    assert not prefect_api_configured()  # no profiles file at all
    (tmp_path / "profiles.toml").write_text(
        'active = "local"\n[profiles.local]\nPREFECT_LOGGING_LEVEL = "INFO"\n'
        '[profiles.remote]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'
    )
    assert not prefect_api_configured()  # the URL is in a profile that is not active
    monkeypatch.setenv("PREFECT_PROFILE", "remote")
    assert prefect_api_configured()
    monkeypatch.delenv("PREFECT_PROFILE")
    (tmp_path / "profiles.toml").write_text("not toml [")
    assert not prefect_api_configured()  # unreadable: Prefect would not use it either
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert prefect_api_configured()


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (a terminal)")
def test_run_starts_and_stops_its_own_temporary_server(site, tmp_path, monkeypatch):
    """One run in a real terminal (tmux), read back with capture-pane, checks two things: the
    temporary server (started by gazette, reported to, stopped), and what a person sees: a
    first line at once, the bars in the stages' order, and a summary printed after the bars
    stop (they used to redraw through it, and their last frame landed below it)."""
    prefect_home = tmp_path / "prefect-home"
    without_api(monkeypatch, prefect_home)  # the terminal's environment is this process's
    home = tmp_path / "home"
    paths = [f"/story{i}.html" for i in range(3)]  # the server is under test, not extraction
    for i, path in enumerate(paths):
        site.add(path, article_html(f"Harbour story {i}", f"Story {i}. "))
    site.add("/feed.xml", feed(site, paths), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    run = f"{GAZETTE} run --sources {sources} --home {home}"
    command = f"env PREFECT_LOGGING_LEVEL=INFO {run}; echo EXIT=$?; sleep 600"
    with Terminal(command, width=250, height=60) as terminal:
        output = terminal.wait_for("EXIT=", timeout=300)
    assert "EXIT=0" in output, output[-3000:]
    # the run reported to the server gazette started: its database is under PREFECT_HOME
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        runs = db.execute(
            "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id"
        ).fetchall()
    assert runs == [("nightly-news", "COMPLETED")]
    assert "Starting temporary server" not in output  # Prefect did not start a second one
    # logs were drained before the server stopped: no minute of retrying a dead API
    assert "Error logging to API" not in output
    (port,) = set(re.findall(r"server for this run at http://127\.0\.0\.1:(\d+)/", output))
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(port))) != 0, "the server outlived the run"

    lines = output.splitlines()
    said = [line for line in lines if line.strip()]
    assert said[0].startswith("gazette run: 1 source from"), output  # at once, before Prefect
    first = next(i for i, line in enumerate(lines) if line.startswith("Discovered "))
    summary = lines[first : next(i for i, line in enumerate(lines) if line.startswith("EXIT="))]
    assert not [line for line in summary if BAR.search(line)], output
    assert any(line.startswith("Data Docs:") for line in summary), output
    assert any(line.startswith("Report:") for line in summary), output
    stages = [line.split()[0] for line in lines[:first] if BAR.search(line)]
    assert stages.index("fetch") < stages.index("stage"), output  # in the order they run


def test_a_server_that_cannot_start_is_one_clear_error(tmp_path, monkeypatch):
    """Its database unreachable, the server exits at start: exit 5, one line naming its log."""
    without_api(monkeypatch, tmp_path / "prefect-home")
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "X"\nhomepage = "http://127.0.0.1:9/"\n')
    env = dict(
        os.environ,
        PREFECT_API_DATABASE_CONNECTION_URL="sqlite+aiosqlite:////nonexistent/dir/prefect.db",
    )
    done = subprocess.run(
        [str(GAZETTE), "run", "--sources", str(sources), "--home", str(tmp_path / "home")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 5, done.stdout + done.stderr
    log = tmp_path / "home" / "prefect" / "temporary-server.log"
    assert "the Prefect server exited at start" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Application startup failed" in log.read_text()


def test_a_stale_or_foreign_server_record_is_not_reused(tmp_path):
    """A serve killed with SIGKILL leaves its record; a run must not report to a dead API,
    nor to an address someone else wrote."""
    record = tmp_path / "prefect" / "server.json"
    record.parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with socket.socket() as s:  # a port nothing answers on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for url, pid in (
        (f"http://127.0.0.1:{port}/api", dead.pid),  # its process is gone
        (f"http://127.0.0.1:{port}/api", os.getpid()),  # alive, but nothing answers
        ("http://10.0.0.5:4200/api", os.getpid()),  # not loopback
    ):
        record.write_text(json.dumps({"url": url, "pid": pid}))
        assert running_serve_api(tmp_path) is None, url
    record.write_text("{not json")
    assert running_serve_api(tmp_path) is None


@pytest.mark.e2e
def test_run_reports_to_the_server_serve_keeps_for_its_home(site, tmp_path, monkeypatch):
    """With serve's server up, a run starts no temporary server: it shows in serve's UI."""
    without_api(monkeypatch, tmp_path / "prefect-home")
    home = tmp_path / "home"
    site.add("/story.html", article_html("Harbour story", "Story. "))
    site.add("/feed.xml", feed(site, ["/story.html"]), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    with LocalPrefectServer(home) as server:
        record = json.loads((home / "prefect" / "server.json").read_text())
        assert record["url"] == server.url
        done = subprocess.run(
            [str(GAZETTE), "run", "--sources", str(sources), "--home", str(home)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, output[-3000:]
        assert f"Reporting to the Prefect server of `gazette serve`: {server.url}" in output
        with sqlite3.connect(home / "prefect" / "prefect.db") as db:
            runs = db.execute(
                "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id"
            ).fetchall()
        assert runs == [("nightly-news", "COMPLETED")]
    assert not (home / "prefect" / "temporary-server.log").exists()
    assert not (tmp_path / "prefect-home" / "prefect.db").exists()
    assert not (home / "prefect" / "server.json").exists()  # gone with its server
