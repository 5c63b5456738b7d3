"""A local Dask cluster's workers are forked from the staging pool's preloaded process."""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

import dask
import distributed  # noqa: F401  (its config keys exist once it is imported)
import pytest

from flows.cluster import _workers_from_a_preloaded_process


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
        assert "flows.staging.preload" in server._preload_modules
    finally:
        dask.config.set({method: before})
