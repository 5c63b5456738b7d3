"""Shared test helpers that run gazette and watch it: the console script as a subprocess, a
run killed at a crash point, a port nobody listens on, the marts' row counts, Chromium
rendering a page. Tests import them from here, never from one another."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.db import connect, scalar


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


MARTS = ["fact_article", "dim_author", "dim_date", "dim_source", "bridge_article_author"]


def mart_counts(home) -> dict[str, int]:
    con = connect(home, read_only=True)
    try:
        return {t: int(scalar(con, f"select count(*) from {t}")) for t in MARTS}
    finally:
        con.close()


GAZETTE = Path(sys.executable).with_name("gazette")


def without_api(monkeypatch: pytest.MonkeyPatch, prefect_home: Path) -> None:
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))


ENVIRONMENT_EXIT = 5


def run_gazette(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GAZETTE), *args], env=env, capture_output=True, text=True, timeout=600
    )


def articles_by_source(home: Path) -> list[tuple[str, str]]:
    con = connect(home, read_only=True)
    try:
        return con.execute(
            "select source_name, title from fact_article join dim_source using (source_key) "
            "where fact_article.is_current order by all"
        ).fetchall()
    finally:
        con.close()


def gazette_process(args: list[str], env: dict, **kwargs) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("gazette")
    return subprocess.Popen(
        [str(exe), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def sources_file(site, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml())
    return path


def kill_run_at(stage: str, sources: Path, home: Path, api_env: dict, tmp_path: Path) -> None:
    """Start `gazette run`, wait until it parks at the `stage` crash point, SIGKILL it."""
    marker = tmp_path / f"crashed-at-{stage.replace(':', '-')}"
    env = {**api_env, "GAZETTE_CRASH_AT": stage, "GAZETTE_CRASH_MARKER": str(marker)}
    proc = gazette_process(["run", "--sources", str(sources), "--home", str(home)], env)
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the run never reached the crash point"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def render(url: str, profile) -> str:
    """The page's text after Chromium has loaded it (scripts and all)."""
    dom = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))


class Terminal:
    """A real terminal: a command in a detached tmux session, its screen read back with
    `capture-pane` (scrollback included), keys sent as a person types them."""

    def __init__(self, command: str, width: int = 100, height: int = 40) -> None:
        import uuid

        self.session = f"gz-{uuid.uuid4().hex[:8]}"
        self.tmux = ["tmux", "-L", self.session]
        size = ["-x", str(width), "-y", str(height)]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", self.session, *size, command], check=True
        )
        subprocess.run([*self.tmux, "set-option", "-t", self.session, "remain-on-exit", "on"])

    def screen(self, history: bool = False) -> str:
        start = ["-S", "-5000"] if history else []
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", *start, "-t", self.session],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_for(self, text: str, count: int = 1, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(history=True)
            if screen.count(text) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never showed:\n{screen}")
            time.sleep(0.2)

    def type(self, text: str) -> None:
        if text.endswith(";"):  # tmux reads a bare trailing ";" as the end of its own command
            text = text[:-1] + "\\;"
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, "-l", text], check=True)

    def keys(self, *names: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.session, *names], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
