"""Shared fixtures: a scripted local web server and one Prefect test harness per session."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.siteserver import Site, start

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_pages(every: int = 1) -> Iterator[tuple[dict[str, Any], Path]]:
    """Every `every`-th ground-truth record of ../shared/corpus and ../shared/corpus-more,
    in a fixed order, with the folder its page file is in (`shared_html` reads it)."""
    for corpus in ("corpus", "corpus-more"):
        for truth in sorted((SHARED / corpus).glob("*/ground_truth.jsonl")):
            for number, line in enumerate(truth.read_text().splitlines()):
                if number % every == 0:
                    yield json.loads(line), truth.parent


def shared_html(record: dict[str, Any], folder: Path) -> bytes:
    """The page bytes of a `shared_pages` record."""
    raw = (folder / record["file"]).read_bytes()
    return gzip.decompress(raw) if record["file"].endswith(".gz") else raw


os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# a server per run, stopped with it: a test's home is gone when it ends, and a server kept
# for it would idle on for hours (tests/flows/test_kept_server.py tests the kept one)
os.environ.setdefault("GAZETTE_PREFECT_KEEP_S", "0")


def _served() -> Iterator[Site]:
    s = Site()
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture
def site():
    yield from _served()


@pytest.fixture
def other_site():
    """A second host, for what must not cross from one host to another."""
    yield from _served()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (~7 s), not one per test."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def demo_site():
    """The bundled demo news site, served for one test module."""
    from flows.cli.demo_site import serve_demo

    with serve_demo() as demo:
        yield demo


def _api_env(level: str) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_LOGGING_LEVEL=level)


@pytest.fixture(scope="module")
def api_env(prefect_harness):
    """Subprocesses talk to the session's Prefect API instead of starting their own."""
    return _api_env("WARNING")


@pytest.fixture(scope="module")
def quiet_api_env(prefect_harness):
    """The same, with Prefect's warnings off: for tests that read what a command prints."""
    return _api_env("ERROR")
