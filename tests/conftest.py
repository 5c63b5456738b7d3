"""Shared fixtures: a scripted local web server and one Prefect test harness per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.siteserver import Site, start

SHARED = Path(__file__).resolve().parents[2] / "shared"
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture
def site():
    s = Site()
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (~7 s), not one per test."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
