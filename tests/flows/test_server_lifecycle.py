"""The Prefect server a command starts: ingest and reprocess start it as run does, wait for
it as long as a loaded machine needs, and it dies with the process that started it.

Its own file (beside tests/flows/test_temporary_server.py) so that the test runner can spread the
slow server tests over its workers."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.serving import LocalPrefectServer, PrefectServerError
from tests.builders import article_html, feed, sources_toml
from tests.runs import GAZETTE, without_api

STORY = (
    "date 2026-11-20 The harbour council voted on Tuesday to extend the ferry timetable into "
    "the winter months, after a petition signed by more than two thousand residents. "
) * 6


def _gazette(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [str(GAZETTE), *args], env=env, capture_output=True, text=True, timeout=600
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.e2e
def test_ingest_and_reprocess_start_their_server_as_the_run_does(tmp_path, monkeypatch):
    """Prefect's own temporary server gives up after 20 s, which on a busy machine sank half
    the ingest and reprocess commands with a traceback. They now start gazette's server, as
    `gazette run` does, and wait for it as long as a loaded machine needs."""
    prefect_home = tmp_path / "prefect-home"
    without_api(monkeypatch, prefect_home)
    home = tmp_path / "home"
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="INFO")
    # ingest here; reprocess goes through the same function (flows/cli/commands.py `_with_prefect`)
    code, out, err = _gazette(["ingest", str(story), "--home", str(home)], env)
    assert code == 0, (out + err)[-3000:]
    assert "Starting temporary server" not in out + err  # not Prefect's own
    assert (home / "prefect" / "temporary-server.log").exists()
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        runs = db.execute(
            "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id"
        ).fetchall()
    assert runs == [("ingest-local", "COMPLETED")]

    # a server that cannot start: one line naming its log, exit 5, no traceback
    env["PREFECT_API_DATABASE_CONNECTION_URL"] = "sqlite+aiosqlite:////nonexistent/dir/p.db"
    for args in (["ingest", str(story)],):  # reprocess starts it the same way (_with_prefect)
        code, out, err = _gazette([*args, "--home", str(home)], env)
        assert code == 5, out + err
        assert "the Prefect server exited at start" in err and "Traceback" not in out + err
        assert len(err.strip().splitlines()) == 1, err


class _Silent(LocalPrefectServer):
    """A "server" process that never answers: what a machine too busy to start one shows."""

    advertised = False

    def _command(self) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ)


def test_a_server_that_does_not_answer_in_time_is_stopped_and_named(tmp_path, monkeypatch):
    monkeypatch.setenv("GAZETTE_PREFECT_START_TIMEOUT_S", "1.5")
    server = _Silent(tmp_path)
    server.spawn()
    process = server._process
    started = time.monotonic()
    with pytest.raises(PrefectServerError) as raised:
        server.wait_ready()
    assert 1.5 <= time.monotonic() - started < 30
    message = str(raised.value)
    assert "did not answer within 1.5 s" in message and "GAZETTE_PREFECT_START_TIMEOUT_S" in message
    assert str(server.log_path) in message
    assert process.poll() is not None  # stopped, not left behind


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_a_killed_runs_temporary_server_dies_with_it(site, tmp_path, monkeypatch):
    """The server runs in a session of its own, so a `kill -9` of the run left it up (some
    230 MB) for good: every killed nightly run leaked one."""
    without_api(monkeypatch, tmp_path / "prefect-home")
    site.add("/story.html", article_html("Harbour story", "Story. "))
    site.add("/feed.xml", feed(site, ["/story.html"]), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    marker = tmp_path / "parked"
    env = dict(os.environ, GAZETTE_CRASH_AT="fetch", GAZETTE_CRASH_MARKER=str(marker))
    run = subprocess.Popen(
        [str(GAZETTE), "run", "--sources", str(sources), "--home", str(tmp_path / "home")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            assert run.poll() is None and time.monotonic() < deadline, "never reached fetch"
            time.sleep(0.2)
        servers = [
            pid
            for pid in _children(run.pid)
            if b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(servers) == 1, servers
    finally:
        run.kill()
        run.wait(timeout=30)
    (server,) = servers
    deadline = time.monotonic() + 60
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(server, os.WNOHANG)  # reaped by init normally; never ours
        time.sleep(0.2)
    assert not _alive_process(server), "the temporary server outlived its killed run"


def _alive_process(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
