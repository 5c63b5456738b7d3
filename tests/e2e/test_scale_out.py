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
                        batch_size=20,  # a batch per outlet: three batches for two workers
                    ),
                )
    # the batches ran on the cluster's two workers, not in this process
    assert len(stream.data) == 3
    assert len({task["worker"] for task in stream.data}) == 2
    assert scaled.articles_extracted == 45
    assert scaled.dq_verdict == "pass"
    recorded = json.loads((Path(__file__).parent / "demo_warehouse_shape.json").read_text())
    assert shape(tmp_path / "dask") == recorded
    # the staging files were read and, once loaded, removed
    assert not (tmp_path / "dask" / "staging").exists() or not any(
        (tmp_path / "dask" / "staging").iterdir()
    )
