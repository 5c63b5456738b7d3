"""No page can hold a worker, its batch or the run: a page past its time limit is quarantined
as extraction_timeout (stopped by the worker's timer, or, deaf to it, by the run killing the
worker), a page that kills its worker is quarantined, and every other page of every batch is
staged."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from flows.staging.build import fetched_work
from flows.staging.pool import StagingPool
from tests.builders import NOW, article_html, fetched_page, package_articles

RECOGNISER = "tests.hostile_recogniser:factory"


def marked(n: int, cue: str):
    body = article_html(f"Pool story number {n} about the harbour", f"{cue} P{n}. ").encode()
    return replace(fetched_page(n), body=body, bytes=len(body))


def batch(home, name: str, pages: list):
    work = fetched_work(home, "run-1", name, [p.url for p in pages], pages, RECOGNISER)
    work.page_time_limit_s = 1.0
    return work


def quarantined(package) -> dict[str, str]:
    frame = pl.read_parquet(package.file("quarantine"))
    return dict(zip(frame["url"], frame["reason"], strict=True))


def test_slow_stuck_and_deadly_pages_are_quarantined_and_every_other_page_is_staged(tmp_path):
    slow, stuck, deadly, spinning, waiting = (
        marked(5, "SLOW-IN-PYTHON"),
        marked(15, "STUCK-IN-C"),
        marked(25, "KILLS-ITS-WORKER"),
        marked(35, "SPINNING-IN-C"),
        marked(45, "WAITS-ON-THE-CLOCK"),
    )
    batches = {
        "b000000": [fetched_page(n) for n in range(0, 5)]
        + [slow]
        + [fetched_page(n) for n in range(6, 10)],
        "b000001": [fetched_page(n) for n in range(10, 15)]
        + [stuck]
        + [fetched_page(n) for n in range(16, 20)],
        "b000002": [fetched_page(n) for n in range(20, 25)]
        + [deadly]
        + [fetched_page(n) for n in range(26, 30)],
        "b000003": [fetched_page(n) for n in range(30, 35)]
        + [spinning]
        + [fetched_page(n) for n in range(36, 40)],
        # 4 s by the clock and next to no CPU: what a page costs on a loaded machine. The limit
        # is the page's CPU: it loads (by the clock, it was quarantined)
        "b000004": [fetched_page(n) for n in range(40, 45)]
        + [waiting]
        + [fetched_page(n) for n in range(46, 50)],
    }
    with StagingPool(NOW, workers=2) as pool:
        for name, pages in batches.items():
            pool.submit(batch(tmp_path, name, pages))
        staged = pool.finish()
    assert [p.manifest.batch for p in staged.packages] == list(batches)
    assert not staged.failed
    first, second, third, fourth, fifth = staged.packages
    assert quarantined(first) == {slow.url: "extraction_timeout (over 1 s)"}
    assert quarantined(second) == {stuck.url: "extraction_timeout (over 1 s)"}
    assert quarantined(third) == {deadly.url: "worker died on this page"}
    assert quarantined(fourth) == {spinning.url: "extraction_timeout (over 1 s)"}
    assert quarantined(fifth) == {}
    for package, pages in zip(staged.packages, batches.values(), strict=True):
        given_up = set(quarantined(package))
        assert sorted(package_articles(package)) == sorted(
            p.url for p in pages if p.url not in given_up
        )
    assert first.manifest.failures == {"extract: extraction_timeout": 1}


def test_a_page_that_takes_its_worker_past_the_memory_limit_is_quarantined(tmp_path, monkeypatch):
    """A page's memory is bounded like its time: its worker, past the limit, is killed and
    replaced, the page quarantined, and the other pages of the batch staged."""
    monkeypatch.setenv("GAZETTE_PAGE_MEMORY_LIMIT_MB", "700")
    greedy = marked(5, "EATS-MEMORY")
    batches = {  # enough pages for the pool (a handful is built in the run's own thread)
        "b000000": [fetched_page(n) for n in range(0, 5)]
        + [greedy]
        + [fetched_page(n) for n in range(6, 10)],
        "b000001": [fetched_page(n) for n in range(10, 20)],
        "b000002": [fetched_page(n) for n in range(20, 30)],
    }
    with StagingPool(NOW, workers=2) as pool:
        for name, pages in batches.items():
            work = batch(tmp_path, name, pages)
            work.page_time_limit_s = 60.0  # the memory limit is under test, not the time
            pool.submit(work)
        staged = pool.finish()
    first, *others = staged.packages
    assert quarantined(first) == {greedy.url: "page_too_large (its worker went over 700 MB)"}
    for package, pages in zip(staged.packages, batches.values(), strict=True):
        assert sorted(package_articles(package)) == sorted(p.url for p in pages if p is not greedy)
    assert all(quarantined(p) == {} for p in others)


def test_the_pools_preload_builds_dateparsers_locale_tables_before_any_page():
    """The first page htmldate hands to dateparser paid 1.7 to 2.6 s of CPU for its locale
    tables: under load, past the page's limit. The fork server pays it once, before forking."""
    import subprocess
    import sys

    probe = (
        "import flows.staging.preload\n"
        "from dateparser.languages.loader import default_loader\n"
        "print(len(default_loader._loaded_locales))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True
    )
    assert int(done.stdout.split()[-1]) > 100
