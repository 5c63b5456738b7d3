"""The Prefect server a home keeps between runs (flows/kept_server.py): the first run starts
it, the next one reports to it at once, and it stops by itself once idle, never under a run
that holds its lease."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time

import psutil
import pytest

from flows.kept_server import KEEP_ENV, read_record, take_lease
from tests.builders import article_html, feed, sources_toml
from tests.runs import GAZETTE, without_api

KEEP_S = 6.0
WATCH_S = KEEP_S / 4  # how often the server looks (flows/kept_server.py main)


def _run(sources, home) -> str:
    done = subprocess.run(
        [str(GAZETTE), "run", "--sources", str(sources), "--home", str(home)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout + done.stderr


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.e2e
def test_a_home_keeps_its_server_for_the_next_run_and_stops_it_once_idle(
    site, tmp_path, monkeypatch
):
    prefect_home = tmp_path / "prefect-home"
    without_api(monkeypatch, prefect_home)
    monkeypatch.setenv(KEEP_ENV, str(KEEP_S))
    home = tmp_path / "home"
    site.add("/story.html", article_html("Harbour story", "The ferry runs in winter. "))
    site.add("/feed.xml", feed(site, ["/story.html"]), Content_Type="application/rss+xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(sources_toml(site))

    first = _run(sources, home)
    assert "started this home's server at" in first, first
    record = read_record(home)
    assert record is not None, "no live server recorded for the home after the run"
    assert record["url"] in first
    server = psutil.Process(record["pid"])
    assert server.is_running()  # outlived the run that started it

    second = _run(sources, home)
    (url,) = re.findall(r"Prefect: this home's server at (\S+)", second)
    assert url == record["url"]
    assert "started this home's server" not in second
    assert read_record(home) == record  # the same process, not a new one
    with sqlite3.connect(prefect_home / "prefect.db") as db:
        states = db.execute("select state_type from flow_run").fetchall()
    assert states == [("COMPLETED",), ("COMPLETED",)]  # both runs in one history
    status = subprocess.run(
        [str(GAZETTE), "status", "--home", str(home)], capture_output=True, text=True, timeout=60
    )
    assert f"Prefect server kept for this home: {url} (process {record['pid']}" in " ".join(
        status.stdout.split()
    ), status.stdout

    # idle past its keep time (the lease's time set back, not waited for), but a run holds
    # the lease: it stays up
    lease, leased_url = take_lease(home)
    idle_since = time.time() - KEEP_S - 5
    try:
        assert leased_url == url
        os.utime(lease.path, (idle_since, idle_since))
        time.sleep(3 * WATCH_S)
        assert server.is_running() and server.status() != psutil.STATUS_ZOMBIE
    finally:
        lease.handle.close()  # let go without touching it: idle since long ago, and free
    os.utime(lease.path, (idle_since, idle_since))
    assert _gone(server.pid, 20), "the kept server did not stop once idle"
    assert read_record(home) is None
    assert not (home / "prefect" / "kept-server.json").exists()
