"""Batches and the extraction pool: a big host is cut into pieces fetched one after another,
and extraction takes pages as they arrive, in a pool, with the results in hand-in order."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.extracting import ExtractionPool, drop_bodies, usable_pages
from flows.nightly import after_same_host, host_batches
from tests.test_bad_inputs import article
from transforms.records import Candidate, FetchResult


def cand(url: str) -> Candidate:
    return Candidate(url, "S", "sitemap")


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


def page(n: int, ok: bool = True) -> FetchResult:
    body = article(f"Pool story number {n} about the harbour", f"P{n}. ").encode()
    return FetchResult(
        url=f"http://pool.example/{n}",
        purpose="article",
        source_name="Pool",
        final_url=f"http://pool.example/{n}",
        host="pool.example",
        status=200 if ok else 404,
        content_type="text/html",
        outcome="ok" if ok else "http_error",
        error=None,
        bytes=len(body),
        elapsed_ms=1,
        fetched_at=datetime(2026, 11, 26, tzinfo=UTC),
        body=body if ok else b"",
    )


def test_pool_extracts_batches_as_they_come_in_hand_in_order():
    done = []
    batches = [[page(n) for n in range(i, i + 15)] for i in (0, 15)]
    with ExtractionPool(None, workers=2, on_done=done.append) as pool:
        pool.submit(usable_pages([*batches[0], page(99, ok=False)]))
        assert pool._pool is None  # 15 pages: not yet worth starting processes
        pool.submit(usable_pages(batches[1]))
        assert pool._pool is not None  # 30 pages waiting: the pool starts
        records, failures = pool.results()
    assert [r["url"] for r in records] == [p.url for b in batches for p in b]
    assert failures == [] and sum(done) == 30 and pool.backlog() == 0
    assert records[3]["title"] == "Pool story number 3 about the harbour"


def test_the_pool_needs_no_body_after_hand_in_so_the_run_can_free_them():
    """The fetch loop empties pages once handed in (the fetch task's result holds them too);
    the pool must have taken what it extracts, whether it started yet or not."""
    batches = [[page(n) for n in range(i, i + 15)] for i in (0, 15)]
    with ExtractionPool(None, workers=2) as pool:
        for batch in batches:
            pool.submit(usable_pages(batch))
            assert drop_bodies(batch) is batch and all(p.body == b"" for p in batch)
        records, failures = pool.results()
    assert failures == []
    assert [r["url"] for r in records] == [p.url for b in batches for p in b]


def test_a_small_run_stays_in_process_and_reports_failures():
    with ExtractionPool(None, workers=2) as pool:
        broken = page(1)
        broken.body = b"%PDF-1.7 not a page"
        pool.submit([page(0), broken])
        records, failures = pool.results()
    assert pool._pool is None
    assert [r["url"] for r in records] == ["http://pool.example/0"]
    assert [f.url for f in failures] == ["http://pool.example/1"] and failures[0].reason


def test_one_core_extracts_as_pages_arrive_so_fetching_never_waits_on_it():
    with ExtractionPool(None, workers=1) as pool:
        pool.submit([page(0), page(1)])
        assert pool.backlog() == 0  # done already: a bounded queue cannot block fetching
        pool.wait_for_room(1)
        pool.submit([page(2)])
        records, failures = pool.results()
    assert [r["url"] for r in records] == [f"http://pool.example/{n}" for n in range(3)]
    assert failures == []


def test_an_unreachable_dask_scheduler_is_a_clear_config_error(tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app
    from tests.test_bad_inputs import closed_port

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
