"""A full disk (a real tmpfs) and many sources: the operator's faults of
tests/e2e/test_operator_faults.py that take a run each. Its own file, so the test runner can
spread them over its workers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.builders import article_html, site_with_two_sources
from tests.runs import ENVIRONMENT_EXIT, articles_by_source, run_gazette
from warehouse.db import connect

pytestmark = pytest.mark.e2e


@pytest.fixture
def small_disk(tmp_path):
    """A 40 MB tmpfs: a disk that fills up for real (root and mount rights needed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path, leave_bytes: int) -> Path:
    stats = os.statvfs(disk)
    filler = disk / "filler"
    with open(filler, "wb") as out:
        out.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave_bytes))
    return filler


def test_a_full_disk_is_one_line_naming_the_path_and_the_rerun_converges(
    site, quiet_api_env, tmp_path, small_disk
):
    sources = site_with_two_sources(site, tmp_path)
    home = small_disk / "home"
    filler = _fill(small_disk, 2 << 20)
    done = run_gazette(["run", "--sources", str(sources), "--home", str(home)], quiet_api_env)
    said = done.stdout + done.stderr
    assert done.returncode == ENVIRONMENT_EXIT, said[-3000:]
    assert "Traceback" not in said, said[-3000:]
    errors = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "the disk is full: could not write" in errors[0], said[-3000:]
    assert str(small_disk) in errors[0] and "A run needs about" in errors[0]
    assert "free there" in errors[0]

    filler.unlink()  # space again: the rerun loads everything, once
    done = run_gazette(["run", "--sources", str(sources), "--home", str(home)], quiet_api_env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    loaded = articles_by_source(home)
    assert len(loaded) == len(set(loaded)) == 6


def test_many_sources_are_discovered_by_groups_not_one_task_and_file_each(
    prefect_harness, site, tmp_path
):
    """10,000 sources with one URL each ran a task, a WARC file, a staged package and
    several statements per source, and did not finish in 900 s. Discovery now goes by groups
    of sources (bench/many_sources.py runs the 10,000)."""
    from flows.nightly import nightly_news
    from flows.tasks import DISCOVERY_GROUP

    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    count = DISCOVERY_GROUP + 5
    lines = ['[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n']
    for n in range(count):
        site.add(f"/s{n}.html", article_html(f"Story number {n} of the many sources", f"S{n}. "))
        lines.append(
            f'[[sources]]\nname = "Source {n:03d}"\nurls = ["{site.url(f"/s{n}.html")}"]\n'
        )
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(lines))
    home = tmp_path / "home"
    assert nightly_news(sources_file=sources, home=home).exit_code == 0
    discovery_files = list((home / "raw").rglob("*-discover-*.warc.gz"))
    assert len(discovery_files) == 2, discovery_files  # a group of 50 sources a file
    con = connect(home, read_only=True)
    loaded = con.execute(
        "select count(*), count(distinct source_key) from fact_article where is_current"
    ).fetchone()
    versions = con.execute("select count(*) from dim_source where is_current").fetchone()
    con.close()
    assert loaded == (count, count) and versions == (count,)
    assert nightly_news(sources_file=sources, home=home).exit_code == 0  # a rerun: no new
    con = connect(home, read_only=True)
    assert con.execute("select count(*) from dim_source").fetchone() == (count,)
    con.close()
