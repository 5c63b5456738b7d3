"""`gazette run` with no Prefect API configured: it starts Prefect's temporary server itself,
before its own imports, and stops it cleanly once the run's logs are sent."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.serving import (
    LocalPrefectServer,
    PrefectServerError,
    prefect_api_configured,
    running_serve_api,
)
from tests.test_bad_inputs import article, feed, sources_toml

GAZETTE = Path(sys.executable).with_name("gazette")


def _without_api(monkeypatch: pytest.MonkeyPatch, prefect_home: Path) -> None:
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))


def test_api_configured_by_env_or_by_the_active_profile(tmp_path, monkeypatch):
    _without_api(monkeypatch, tmp_path)
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
def test_run_starts_and_stops_its_own_temporary_server(site, tmp_path, monkeypatch):
    prefect_home = tmp_path / "prefect-home"
    _without_api(monkeypatch, prefect_home)
    home = tmp_path / "home"
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="INFO")
    paths = [f"/story{i}.html" for i in range(3)]  # the server is under test, not extraction
    for i, path in enumerate(paths):
        site.add(path, article(f"Harbour story {i}", f"Story {i}. "))
    site.add("/feed.xml", feed(site, paths), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))
    done = subprocess.run(
        [str(GAZETTE), "run", "--sources", str(sources), "--home", str(home)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    # the run reported to the server gazette started: its database is under PREFECT_HOME
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        runs = db.execute(
            "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id"
        ).fetchall()
    assert runs == [("nightly-news", "COMPLETED")]
    assert "Starting temporary server" not in output  # Prefect did not start a second one
    # logs were drained before the server stopped: no minute of retrying a dead API
    assert "Error logging to API" not in output
    (port,) = set(re.findall(r"View at http://127\.0\.0\.1:(\d+)/", output))
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", int(port))) != 0, "the server outlived the run"


def test_a_server_that_cannot_start_is_one_clear_error(tmp_path, monkeypatch):
    """Its database unreachable, the server exits at start: exit 5, one line naming its log."""
    _without_api(monkeypatch, tmp_path / "prefect-home")
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
    _without_api(monkeypatch, tmp_path / "prefect-home")
    home = tmp_path / "home"
    site.add("/story.html", article("Harbour story", "Story. "))
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
    _without_api(monkeypatch, prefect_home)
    home = tmp_path / "home"
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="INFO")
    for args in (["ingest", str(story)], ["reprocess"]):
        code, out, err = _gazette([*args, "--home", str(home)], env)
        assert code == 0, (out + err)[-3000:]
        assert "Starting temporary server" not in out + err  # not Prefect's own
    assert (home / "prefect" / "temporary-server.log").exists()
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        runs = db.execute(
            "select f.name, r.state_type from flow_run r join flow f on f.id = r.flow_id "
            "order by r.created"
        ).fetchall()
    assert [state for _, state in runs] == ["COMPLETED", "COMPLETED"]

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
    _without_api(monkeypatch, tmp_path / "prefect-home")
    site.add("/story.html", article("Harbour story", "Story. "))
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
