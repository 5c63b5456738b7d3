"""Scale-out: the Prefect task runner that fans staging batches out to a Dask cluster."""

from __future__ import annotations

import logging
import multiprocessing
import os
from contextlib import AbstractContextManager
from typing import Any


def ahead_of_the_rest() -> AbstractContextManager[None]:
    """Tasks submitted in this block go first when a worker has several ready: a host's next
    fetch became ready with the staging of its last one (both needed that fetch), and on the
    worker that holds it would otherwise wait for the whole staging behind it."""
    import dask

    return dask.annotate(priority=1)


def _workers_from_a_preloaded_process() -> None:
    """A local cluster's workers forked from one process that has loaded the extraction stack
    and its models and warmed them (`flows.staging.preload`, the staging pool's), with
    Prefect's task engine and Great Expectations besides (`flows.cluster_preload`),
    instead of each started fresh: they share those pages and skip the loading (a fresh
    worker held 750 MB against 290 for a forked one, and spent a fifth of its CPU on
    imports)."""
    import dask
    from distributed.utils import get_mp_context

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    # distributed sets its own preload once, on first use; ours comes after and adds to it
    get_mp_context().set_forkserver_preload(["distributed", "flows.cluster_preload"])


def dask_runner(address: str | None = None, workers: int | None = None) -> Any:
    """A prefect-dask task runner: the cluster at `address`, or a local one with a worker
    process per core (one thread each: extraction holds the GIL)."""
    from prefect.client.orchestration import get_client
    from prefect_dask import DaskTaskRunner

    logging.getLogger("distributed").setLevel(logging.WARNING)  # one line per worker event
    if address:  # its workers need PREFECT_API_URL of a server they can reach (scale-out.md)
        return DaskTaskRunner(address=address)
    _workers_from_a_preloaded_process()
    n = workers or os.cpu_count() or 1
    # workers report to this run's Prefect API; without it each would start a temporary
    # server of its own (~15 s) and its task runs would not show in this run
    api = str(get_client().api_url).rstrip("/")
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": n,
            "threads_per_worker": 1,
            "processes": True,
            "silence_logs": logging.WARNING,
            "dashboard_address": None,
            "env": {"PREFECT_API_URL": api},
        }
    )
