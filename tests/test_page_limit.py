"""No page can hold a worker, its batch or the run: a page past its time limit is quarantined
as extraction_timeout (stopped by the worker's timer, or, deaf to it, by the run killing the
worker), a page that kills its worker is quarantined, and every other page of every batch is
staged."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from flows.staging import StagingPool, fetched_work
from tests.test_bad_inputs import article
from tests.test_batching import NOW, articles, page

RECOGNISER = "tests.hostile_recogniser:factory"


def marked(n: int, cue: str):
    body = article(f"Pool story number {n} about the harbour", f"{cue} P{n}. ").encode()
    return replace(page(n), body=body, bytes=len(body))


def batch(home, name: str, pages: list):
    work = fetched_work(home, "run-1", name, [p.url for p in pages], pages, RECOGNISER)
    work.page_time_limit_s = 1.0
    return work


def quarantined(package) -> dict[str, str]:
    frame = pl.read_parquet(package.file("quarantine"))
    return dict(zip(frame["url"], frame["reason"], strict=True))


def test_slow_stuck_and_deadly_pages_are_quarantined_and_every_other_page_is_staged(tmp_path):
    slow, stuck, deadly = (
        marked(5, "SLOW-IN-PYTHON"),
        marked(15, "STUCK-IN-C"),
        marked(25, "KILLS-ITS-WORKER"),
    )
    batches = {
        "b000000": [page(n) for n in range(0, 5)] + [slow] + [page(n) for n in range(6, 10)],
        "b000001": [page(n) for n in range(10, 15)] + [stuck] + [page(n) for n in range(16, 20)],
        "b000002": [page(n) for n in range(20, 25)] + [deadly] + [page(n) for n in range(26, 30)],
    }
    with StagingPool(NOW, workers=2) as pool:
        for name, pages in batches.items():
            pool.submit(batch(tmp_path, name, pages))
        staged = pool.finish()
    assert [p.manifest.batch for p in staged.packages] == list(batches)
    assert not staged.failed
    first, second, third = staged.packages
    assert quarantined(first) == {slow.url: "extraction_timeout (over 1 s)"}
    assert quarantined(second) == {stuck.url: "extraction_timeout (over 1 s)"}
    assert quarantined(third) == {deadly.url: "worker died on this page"}
    for package, pages in zip(staged.packages, batches.values(), strict=True):
        given_up = set(quarantined(package))
        assert sorted(articles(package)) == sorted(p.url for p in pages if p.url not in given_up)
    assert first.manifest.failures == {"extract: extraction_timeout": 1}
