"""Faults an operator's machine brings, with real processes and real files: a damaged
warehouse file, a full disk. Each gives one line naming the file and what to do, a non-zero
exit, no traceback, and loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_bad_inputs import article, feed
from warehouse.db import connect

pytestmark = pytest.mark.e2e
GAZETTE = Path(sys.executable).with_name("gazette")
ENVIRONMENT_EXIT = 5


@pytest.fixture(scope="module")
def api_env(prefect_harness):
    """Subprocesses talk to the session's Prefect API instead of starting their own."""
    from prefect.settings import PREFECT_API_URL

    return dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_LOGGING_LEVEL="ERROR")


def _gazette(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GAZETTE), *args], env=env, capture_output=True, text=True, timeout=600
    )


def _site_with_two_sources(site, tmp_path: Path) -> Path:
    site.add("/robots.txt", "User-agent: *\n", Content_Type="text/plain")
    for n in range(1, 4):
        site.add(f"/h{n}.html", article(f"Harbour story number {n}", f"H{n}. "))
        site.add(f"/v{n}.html", article(f"Valley story number {n}", f"V{n}. "))
    site.add("/h.xml", feed(site, ["/h1.html", "/h2.html", "/h3.html"]), Content_Type="text/xml")
    site.add("/v.xml", feed(site, ["/v1.html", "/v2.html", "/v3.html"]), Content_Type="text/xml")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
        f'[[sources]]\nname = "Harbour Herald"\nfeeds = ["{site.url("/h.xml")}"]\n'
        f'[[sources]]\nname = "Valley Ledger"\nfeeds = ["{site.url("/v.xml")}"]\n'
    )
    return sources


def _articles_by_source(home: Path) -> list[tuple[str, str]]:
    con = connect(home, read_only=True)
    try:
        return con.execute(
            "select source_name, title from fact_article join dim_source using (source_key) "
            "where fact_article.is_current order by all"
        ).fetchall()
    finally:
        con.close()


def test_a_damaged_warehouse_is_one_line_for_every_command_and_is_left_as_it_is(
    site, api_env, tmp_path
):
    from flows.nightly import nightly_news

    sources = _site_with_two_sources(site, tmp_path)
    home = tmp_path / "home"
    assert nightly_news(sources_file=sources, home=home).exit_code == 0
    loaded = _articles_by_source(home)
    assert len(loaded) == 6
    warehouse = home / "gazette.duckdb"
    story = tmp_path / "story.txt"
    story.write_text("date 2026-11-20 " + "The council met about the ferry timetable. " * 20)
    commands = [  # the readers, and the writers (each opens the file its own way)
        ["status"],
        ["export", "--format", "csv", "--out", str(tmp_path / "csv")],
        ["sql", "select count(*) from fact_article"],
        ["validate"],
        ["run", "--sources", str(sources)],
        ["ingest", str(story)],
    ]
    good = warehouse.read_bytes()
    for damage, commands_tried in (
        ("truncated", commands),
        ("overwritten", [["status"], ["run", "--sources", str(sources)]]),
    ):
        data = good[: len(good) // 2] if damage == "truncated" else b"not a database\n" * 500
        warehouse.write_bytes(data)
        for args in commands_tried:
            done = _gazette([*args, "--home", str(home)], api_env)
            said = done.stdout + done.stderr
            assert done.returncode == ENVIRONMENT_EXIT, (damage, args, said[-2000:])
            assert "Traceback" not in said, (damage, args, said[-2000:])
            (line,) = [x for x in done.stderr.splitlines() if x.strip()]
            assert f"the warehouse {warehouse} is damaged" in line, line
            assert "exports/gazette.duckdb" in line and f"gazette ingest {home / 'raw'}" in line
            assert warehouse.read_bytes() == data, (damage, args)  # nothing replaced it

    # both ways back that the message names: the snapshot, and the raw archive alone
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "gazette.duckdb").write_bytes((home / "exports" / "gazette.duckdb").read_bytes())
    assert _articles_by_source(restored) == loaded
    rebuilt = tmp_path / "rebuilt"
    done = _gazette(["ingest", str(home / "raw"), "--home", str(rebuilt)], api_env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert _articles_by_source(rebuilt) == loaded  # the archive names each page's source
