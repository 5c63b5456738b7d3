"""Scale-out: `--task-runner dask` fans fetch and extraction out to a real Dask cluster (a
scheduler and two worker processes on loopback); workers write staging Parquet, one writer
loads DuckDB, and the warehouse is the one a local run makes: the demo's recorded shape
(tests/e2e/warehouse_shape.py, which tests/e2e/test_e2e_demo.py holds a local run to)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.cli.demo_site import serve_demo
from tests.e2e.warehouse_shape import shape

pytestmark = pytest.mark.e2e


def _task_runs(run_id: str) -> tuple[dict, dict]:
    """The run's fetch-batch and stage-batch task runs from Prefect's API, by batch:
    (host, start, end) and (start, end)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[run_id]))
        )
    fetched, staged = {}, {}
    for run in runs:
        kind, _, rest = run.name.partition(" ")
        batch = rest.split(":")[0]
        if kind == "fetch" and ":" in rest:  # fetch b000001: http://host:port/... and the rest
            host = rest.split("://", 1)[1].split("/", 1)[0]
            fetched[batch] = (host, run.start_time, run.end_time)
        elif kind == "stage":
            staged[batch] = (run.start_time, run.end_time)
    return fetched, staged


def test_dask_cluster_run_makes_the_warehouse_a_local_run_makes(prefect_harness, tmp_path):
    from distributed import Client, LocalCluster, get_task_stream

    from flows.config import RunOptions
    from flows.nightly import nightly_news

    with serve_demo() as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml())
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            from prefect.client.orchestration import get_client

            api = str(get_client().api_url).rstrip("/")
            client.run(lambda: __import__("os").environ.__setitem__("PREFECT_API_URL", api))
            with get_task_stream(client) as stream:
                scaled = nightly_news(
                    sources_file=sources,
                    home=tmp_path / "dask",
                    options=RunOptions(
                        task_runner="dask",
                        dask_address=cluster.scheduler_address,
                        batch_size=8,  # two or more batches per outlet (host), for two workers
                    ),
                )
    # the batches ran on the cluster's two workers, not in this process: a fetch and a
    # staging task for each
    fetched, staged = _task_runs(scaled.run_id)
    assert len(fetched) == len(staged) >= 6
    assert len(stream.data) == 2 * len(fetched)
    assert len({task["worker"] for task in stream.data}) == 2
    # politeness waits for the fetch of a host's earlier batch, not for its staging too: a
    # host's second batch was fetched while its first was still being staged (before issue
    # 38 a host's batches ran whole, one after another, one worker at a time)
    hosts: dict[str, list[str]] = {}
    for batch, (host, _, _) in sorted(fetched.items()):
        hosts.setdefault(host, []).append(batch)
    assert len(hosts) == 3 and min(len(batches) for batches in hosts.values()) >= 2, fetched
    overlapped = [
        host
        for host, (first, second, *_) in hosts.items()
        if fetched[second][1] < staged[first][1]  # the fetch started before the staging ended
    ]
    assert overlapped, (fetched, staged)
    assert scaled.articles_extracted == 45
    assert scaled.dq_verdict == "pass"
    recorded = json.loads((Path(__file__).parent / "demo_warehouse_shape.json").read_text())
    assert shape(tmp_path / "dask") == recorded
    # the staging files were read and, once loaded, removed
    assert not (tmp_path / "dask" / "staging").exists() or not any(
        (tmp_path / "dask" / "staging").iterdir()
    )
