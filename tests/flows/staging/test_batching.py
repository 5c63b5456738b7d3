"""Batches and the staging pool: a big host is cut into pieces fetched one after another, and
each fetched batch becomes a sealed package on disk, built in a pool as batches arrive."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from flows.staging.pool import StagingPool, stop_fork_server, worker_context
from tests.builders import batch_work, cand, fetched_page, package_articles
from transforms.batches import after_same_host, host_batches


def test_big_hosts_are_cut_small_ones_share_and_pieces_of_a_host_wait_for_each_other():
    urls = [f"http://big.example/{i}" for i in range(7)] + [
        "http://a.example/1",
        "http://b.example/1",
    ]
    batches = host_batches([cand(u) for u in urls], size=3)
    assert [[c.url.split("/")[2] for c in b] for b in batches] == [
        ["big.example"] * 3,
        ["big.example"] * 3,
        ["big.example", "a.example", "b.example"],
    ]
    # each piece of big.example waits for the one before; the small hosts wait for nothing
    assert after_same_host(batches) == [[], [0], [1]]
    assert sorted(c.url for b in batches for c in b) == sorted(urls)


NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_pool_stages_batches_as_they_come_in_as_sealed_packages(tmp_path):
    staged_now = []
    batches = [[fetched_page(n) for n in range(i, i + 15)] for i in (0, 15)]
    with StagingPool(NOW, workers=2, on_staged=lambda p, b, h: staged_now.append(p)) as pool:
        pool.submit(batch_work(tmp_path, "b000000", [*batches[0], fetched_page(99, ok=False)]))
        assert pool._pool is None  # 15 pages: not yet worth starting processes
        pool.submit(batch_work(tmp_path, "b000001", batches[1]))
        assert pool._pool is not None  # 30 pages waiting: the pool starts
        staged = pool.finish()
    assert [p.manifest.batch for p in staged.packages] == ["b000000", "b000001"]
    assert len(staged_now) == 2 and pool.backlog() == 0 and not staged.failed
    first, second = staged.packages
    assert sorted(package_articles(first)) == sorted(p.url for p in batches[0])
    assert first.manifest.counts["fact_fetch"] == 16  # the 404 is recorded with the rest
    assert first.manifest.outcomes == {"ok": 15, "http_error": 1}
    assert first.manifest.failures == {"http_error (404)": 1}
    assert "http://pool.example/99" in first.manifest.urls
    assert second.manifest.extracted == 15
    # whole packages only: nothing half-written is left beside them
    assert sorted(p.name for p in (tmp_path / "staging" / "run-1").iterdir()) == [
        "b000000",
        "b000001",
    ]
    # the load and validation that follow have the memory of the fork server back
    assert not _fork_servers()


def _fork_servers() -> list[int]:
    """This process's children that are multiprocessing fork servers."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"forkserver" in command:
            found.append(int(entry.name))
    return found


def _models_loaded() -> tuple[bool, bool]:
    from transforms import extract, gazetteer

    return extract._DETECTOR is not None, gazetteer.gazetteer.cache_info().currsize == 1


def test_pool_workers_start_with_the_models_loaded_and_shared():
    # loaded once by the fork server, before any page: not once per worker
    with ProcessPoolExecutor(max_workers=1, mp_context=worker_context()) as pool:
        assert pool.submit(_models_loaded).result() == (True, True)
    assert _fork_servers()
    stop_fork_server()
    assert not _fork_servers()


STAGE_IN_A_FRESH_PROCESS = """
import json
import sys
from pathlib import Path

import polars as pl

from flows.staging.pool import StagingPool
from tests.builders import NOW, batch_work, fetched_page

home = Path(sys.argv[1])
with StagingPool(NOW, workers=2) as pool:
    for i in (0, 15):
        pool.submit(batch_work(home, f"b{i:06d}", [fetched_page(n) for n in range(i, i + 15)]))
    staged = pool.finish()
    loaded = [m for m in ("trafilatura", "py3langid") if m in sys.modules]
gated = [pl.read_parquet(p.file("dq_result")).height for p in staged.packages]
print(json.dumps([len(staged.packages), sum(p.manifest.extracted for p in staged.packages),
                  gated, loaded]))
"""


def test_the_runs_process_hands_batches_out_and_never_holds_the_extraction_stack(tmp_path):
    # the workers extract; the parent gates and seals, and never loads what they extract with
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", STAGE_IN_A_FRESH_PROCESS, str(tmp_path)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,  # a worker that deadlocks on a lock its fork server held fails here
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    packages, extracted, gated, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert (packages, extracted) == (2, 30)
    assert all(gated)  # each package carries the row gate's results
    assert loaded == []


def test_the_pool_needs_no_body_after_hand_in_so_the_run_can_free_them(tmp_path):
    """The fetch loop empties pages once handed in (the fetch task's result holds them too);
    the work must hold what it extracts, whether the pool started yet or not."""
    batches = [[fetched_page(n) for n in range(i, i + 15)] for i in (0, 15)]
    with StagingPool(NOW, workers=2) as pool:
        for i, batch in enumerate(batches):
            pool.submit(batch_work(tmp_path, f"b00000{i}", batch))
            for p in batch:
                p.body = b""
        staged = pool.finish()
    assert [len(package_articles(p)) for p in staged.packages] == [15, 15]


def test_a_small_run_stays_in_process_and_quarantines_what_cannot_be_extracted(tmp_path):
    broken = fetched_page(1)
    broken.body = b"%PDF-1.7 not a page"
    with StagingPool(NOW, workers=2) as pool:
        pool.submit(batch_work(tmp_path, "b000000", [fetched_page(0), broken]))
        (package,) = pool.finish().packages
    assert pool._pool is None
    assert package_articles(package) == ["http://pool.example/0"]
    held = pl.read_parquet(package.file("quarantine"))
    assert held.get_column("url").to_list() == ["http://pool.example/1"]
    assert held.get_column("stage").to_list() == ["extract"] and held.get_column("reason")[0]


def test_one_core_stages_as_pages_arrive_so_fetching_never_waits_on_it(tmp_path):
    with StagingPool(NOW, workers=1) as pool:
        pool.submit(batch_work(tmp_path, "b000000", [fetched_page(0), fetched_page(1)]))
        assert pool.backlog() == 0  # done already: a bounded queue cannot block fetching
        pool.wait_for_room(1)
        pool.submit(batch_work(tmp_path, "b000001", [fetched_page(2)]))
        staged = pool.finish()
    assert [package_articles(p) for p in staged.packages] == [
        ["http://pool.example/0", "http://pool.example/1"],
        ["http://pool.example/2"],
    ]


def test_an_unreachable_dask_scheduler_is_a_clear_config_error(tmp_path):
    from typer.testing import CliRunner

    from flows.cli.commands import app
    from tests.runs import closed_port

    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "S"\nurls = ["https://example.org/a"]\n')
    address = f"tcp://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--sources",
            str(sources),
            "--home",
            str(tmp_path / "h"),
            "--task-runner",
            "dask",
            "--dask-address",
            address,
        ],
    )
    assert result.exit_code == 2, result.output
    assert f"no Dask scheduler answers at {address}" in " ".join(result.output.split())
    assert not (tmp_path / "h" / "gazette.duckdb").exists()  # nothing ran
