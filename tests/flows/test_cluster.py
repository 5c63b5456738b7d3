"""A local Dask cluster's workers are forked from the staging pool's preloaded process."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from multiprocessing import forkserver
from pathlib import Path

import dask
import distributed  # noqa: F401  (its config keys exist once it is imported)
import pytest

from flows.cluster import _workers_from_a_preloaded_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no forkserver here"
)
def test_local_workers_come_from_the_preloaded_fork_server(monkeypatch):
    """Spawned, each worker loaded the extraction stack on its own (0.74 of the local pool's
    pages per CPU-second); forked from the preload, they share it."""
    server = forkserver._forkserver
    monkeypatch.setattr(server, "_preload_modules", list(server._preload_modules))
    method = "distributed.worker.multiprocessing-method"
    before = dask.config.get(method)
    try:
        _workers_from_a_preloaded_process()
        assert dask.config.get(method) == "forkserver"
        assert "flows.cluster_preload" in server._preload_modules
    finally:
        dask.config.set({method: before})


def test_the_cluster_preload_brings_prefect_and_gx_and_starts_no_thread():
    """A Dask worker runs Prefect's task engine and the row gate: imported in each on its
    first batch they cost 3 to 5 s of CPU and a copy each. A fork server must hold no
    thread when it forks, so the preload must start none."""
    code = (
        "import sys, threading\n"
        "import flows.cluster_preload\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "for name in ('great_expectations.expectations', 'prefect.task_engine',\n"
        "             'expectations.row_gate', 'flows.staging.preload'):\n"
        "    assert name in sys.modules, name\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
