"""Scale-out: `--task-runner dask` fans fetch and extraction out to a real Dask cluster (a
scheduler and two worker processes on loopback); workers write staging Parquet, one writer
loads DuckDB, and the warehouse is the one a local run makes."""

from __future__ import annotations

import pytest

from flows.cli.demo_site import serve_demo
from transforms.tables import MART_TABLES
from warehouse.db import connect

pytestmark = pytest.mark.e2e
# what differs between two runs of the same pages: when, how long, and which run
VOLATILE = {"run_id", "fetched_at", "valid_from", "valid_to", "fetch_key", "elapsed_ms"}


def _contents(home) -> dict[str, list[tuple]]:
    con = connect(home, read_only=True)
    try:
        contents = {}
        for table in MART_TABLES:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where table_name = ? "
                    "and schema_name = 'main' order by column_index",
                    [table],
                ).fetchall()
                if c not in VOLATILE
            ]
            rows = con.execute(f"select {', '.join(columns)} from {table}").fetchall()
            contents[table] = sorted(rows, key=repr)
        return contents
    finally:
        con.close()


def test_dask_cluster_run_makes_the_same_warehouse_as_a_local_run(prefect_harness, tmp_path):
    from distributed import Client, LocalCluster, get_task_stream

    from flows.config import RunOptions
    from flows.nightly import nightly_news

    with serve_demo() as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(site.sources_toml())
        local = nightly_news(sources_file=sources, home=tmp_path / "local")
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
    assert scaled.articles_extracted == local.articles_extracted == 45
    assert scaled.dq_verdict == local.dq_verdict == "pass"
    got, expected = _contents(tmp_path / "dask"), _contents(tmp_path / "local")
    for table in MART_TABLES:
        assert got[table] == expected[table], table
    # the staging files were read and, once loaded, removed
    assert not (tmp_path / "dask" / "staging").exists() or not any(
        (tmp_path / "dask" / "staging").iterdir()
    )
