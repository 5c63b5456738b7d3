"""Crash safety and one writer at a time, with real processes.

A run is SIGKILLed mid-load and mid-fetch; the next run must converge to exactly the warehouse
an uninterrupted run produces. Two runs started together must not interleave, and `gazette sql`
during a run must say the warehouse is busy.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.commands import app
from tests.runs import gazette_process, kill_run_at, sources_file
from warehouse.db import connect, scalar
from warehouse.lock import RunLock, WarehouseBusy

pytestmark = pytest.mark.e2e
MARTS = [
    ("fact_article", "article_key || ':' || version"),
    ("dim_source", "source_key"),
    ("dim_author", "author_key"),
    ("dim_date", "date_key::varchar"),
    ("dim_tag", "tag_key"),
    ("bridge_article_author", "article_key || author_key"),
    ("bridge_article_tag", "article_key || tag_key"),
    ("fact_image_credit", "article_key || image_order"),
    ("story_simhash_band", "article_key || band"),
    ("fact_article_edit", "article_key || to_version"),
]


def fingerprint(home: Path) -> dict[str, tuple[int, frozenset]]:
    """Row count and key set of every mart table (fact_fetch, raw and ops differ by design)."""
    con = connect(home, read_only=True)
    try:
        result = {}
        for table, key in MARTS:
            keys = frozenset(r[0] for r in con.execute(f"select {key} from {table}").fetchall())
            result[table] = (int(scalar(con, f"select count(*) from {table}")), keys)
        stories = con.execute(
            "select article_key, story_key, is_first_in_story from fact_article"
        ).fetchall()
        result["stories"] = (len(stories), frozenset(stories))
        return result
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(demo_site, api_env, tmp_path_factory):
    """The warehouse an uninterrupted run produces."""
    home = tmp_path_factory.mktemp("reference")
    sources = sources_file(demo_site, home)
    proc = gazette_process(["run", "--sources", str(sources), "--home", str(home)], api_env)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return fingerprint(home)


def crash_then_rerun(demo_site, api_env, tmp_path: Path, stage: str) -> Path:
    home = tmp_path / "home"
    sources = sources_file(demo_site, tmp_path)
    kill_run_at(stage, sources, home, api_env, tmp_path)
    rerun = gazette_process(["run", "--sources", str(sources), "--home", str(home)], api_env)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    return home


def test_sigkill_during_fetch_then_rerun_converges(demo_site, api_env, reference, tmp_path):
    home = crash_then_rerun(demo_site, api_env, tmp_path, "fetch")
    assert fingerprint(home) == reference


def package_urls(packages: list[Path]) -> set[str]:
    return {u for p in packages for u in json.loads((p / "manifest.json").read_text())["urls"]}


def damage(staged: list[Path]) -> list[Path]:
    """Truncate one package's article file and flip bytes in the middle of another's (its
    footer still reads): each used to make every rerun die in a ZSTD traceback."""
    truncated, changed = staged[0], staged[1]
    articles = truncated / "fact_article.parquet"
    articles.write_bytes(articles.read_bytes()[: articles.stat().st_size // 2])
    articles = changed / "fact_article.parquet"
    data = bytearray(articles.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    articles.write_bytes(bytes(data))
    return [truncated, changed]


def test_a_run_killed_after_most_batches_staged_is_resumed_and_its_damaged_packages_refetched(
    demo_site, api_env, reference, tmp_path
):
    """Batches of 5 URLs: ten packages for the demo's 46 article URLs. Killed when the eighth
    is sealed, two of its packages then damaged on disk: the next run names and discards the
    two, loads the other six, and fetches only what no sound package holds."""
    home = tmp_path / "home"
    sources = sources_file(demo_site, tmp_path)
    env = {**api_env, "GAZETTE_BATCH_SIZE": "5"}
    kill_run_at("staged:8", sources, home, env, tmp_path)
    staged = sorted(p for p in (home / "staging").glob("*/*") if not p.name.startswith("."))
    assert len(staged) >= 8
    damaged = damage(staged)
    # read now: the rerun removes the packages it loads
    lost, kept = package_urls(damaged), package_urls([p for p in staged if p not in damaged])
    rerun = gazette_process(["run", "--sources", str(sources), "--home", str(home)], env)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert "resuming: " in out and "Traceback" not in out, out
    for folder in damaged:
        assert f"discarded the staged package {folder}" in out, out
    assert fingerprint(home) == reference
    con = connect(home, read_only=True)
    (fetched, resumed), (first_fetched,) = (
        con.execute(
            "select article_fetches, articles_resumed from ops.etl_run where status = 'succeeded'"
        ).fetchone(),
        con.execute(
            "select count(distinct url) from fact_fetch where purpose = 'article'"
        ).fetchone(),
    )
    con.close()
    assert resumed + fetched == first_fetched  # every URL once: staged before, or fetched now
    assert not any((home / "staging").glob("*/*"))  # loaded and committed: removed

    # lineage: the killed run's fetches keep its id, the rerun names only its own, each run's
    # counts in ops.etl_run agree with its rows, and ops.staged_package says who loaded what
    con = connect(home, read_only=True)
    runs = dict(con.execute("select status, run_id from ops.etl_run").fetchall())
    by_run = dict(
        con.execute(
            "select run_id, count(distinct url) from fact_fetch where purpose = 'article' "
            "group by run_id"
        ).fetchall()
    )
    counted = dict(con.execute("select run_id, article_fetches from ops.etl_run").fetchall())
    refetched = {
        url
        for (url,) in con.execute(
            "select distinct url from fact_fetch where purpose = 'article' and run_id = ?",
            [runs["succeeded"]],
        ).fetchall()
    }
    loaded_by = set(
        con.execute(
            "select run_id, loaded_run_id from ops.staged_package where run_id = ?",
            [runs["abandoned"]],
        ).fetchall()
    )
    con.close()
    assert set(by_run) == {runs["abandoned"], runs["succeeded"]}, by_run
    assert by_run[runs["succeeded"]] == fetched  # a staged 404 is fetched again: by both
    assert resumed <= by_run[runs["abandoned"]] <= resumed + 1, (by_run, resumed)
    assert counted == by_run, (counted, by_run)
    assert loaded_by == {(runs["abandoned"], runs["succeeded"])}
    # what the damaged packages held is fetched again; what the sound ones held is not, but
    # for a staged 404 (it may be back)
    assert lost <= refetched, lost - refetched
    assert len(refetched & kept) <= 1, refetched & kept


def test_sql_during_a_run_says_busy_a_second_run_waits_and_a_kill_at_load_converges(
    demo_site, api_env, reference, tmp_path
):
    """One run parked at its load, then SIGKILLed (one test, to pay for the runs once): while
    it holds the home, `gazette sql` and a second run say it is busy; after the kill, two runs
    started together take turns, and the first loads what the killed run staged."""
    home = tmp_path / "home"
    sources = sources_file(demo_site, tmp_path)
    marker = tmp_path / "paused"
    env = {**api_env, "GAZETTE_CRASH_AT": "load", "GAZETTE_CRASH_MARKER": str(marker)}
    first = gazette_process(["run", "--sources", str(sources), "--home", str(home)], env)
    try:
        while not marker.exists():
            assert first.poll() is None, first.stdout.read()
            time.sleep(0.2)
        busy = CliRunner().invoke(app, ["sql", "--home", str(home), "select 1"])
        assert busy.exit_code == 3
        assert "busy" in busy.output and "run (pid" in busy.output
        second = gazette_process(
            ["run", "--sources", str(sources), "--home", str(home), "--wait", "2"], api_env
        )
        out, _ = second.communicate(timeout=120)
        assert second.returncode == 3, out
        assert "warehouse busy" in out and "gave up after waiting 2 s" in out
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    # two runs started together: one waits for the other, and the result is one clean run
    runs = [
        gazette_process(
            ["run", "--sources", str(sources), "--home", str(home), "--wait", "240"], api_env
        )
        for _ in range(2)
    ]
    for proc in runs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out
    assert fingerprint(home) == reference
    con = connect(home, read_only=True)
    spans = con.execute(
        "select started_at, finished_at from ops.etl_run where status = 'succeeded' "
        "order by started_at"
    ).fetchall()
    con.close()
    assert len(spans) == 2 and spans[0][1] <= spans[1][0]  # never interleaved
    con = connect(home, read_only=True)
    statuses = [
        r[0] for r in con.execute("select status from ops.etl_run order by run_id").fetchall()
    ]
    con.close()
    assert statuses == ["abandoned", "succeeded", "succeeded"]


def test_run_lock_is_exclusive_and_bounded(tmp_path):
    with (
        RunLock(tmp_path, "run", wait_s=0),
        pytest.raises(WarehouseBusy, match=r"run \(pid \d+.*gave up after waiting 0 s"),
        RunLock(tmp_path, "second", wait_s=0.3),
    ):
        pass
    with RunLock(tmp_path, "third", wait_s=0):  # released: free again
        pass
