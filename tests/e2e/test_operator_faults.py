"""Faults an operator's machine brings, with real processes and real files: a damaged
warehouse file, a full disk. Each gives one line naming the file and what to do, a non-zero
exit, no traceback, and loses nothing."""

from __future__ import annotations

import pytest

from tests.builders import site_with_two_sources
from tests.runs import ENVIRONMENT_EXIT, articles_by_source, run_gazette

pytestmark = pytest.mark.e2e


def test_a_damaged_warehouse_is_one_line_for_every_command_and_is_left_as_it_is(
    site, quiet_api_env, tmp_path
):
    from flows.nightly import nightly_news

    sources = site_with_two_sources(site, tmp_path)
    home = tmp_path / "home"
    assert nightly_news(sources_file=sources, home=home).exit_code == 0
    loaded = articles_by_source(home)
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
            done = run_gazette([*args, "--home", str(home)], quiet_api_env)
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
    assert articles_by_source(restored) == loaded
    rebuilt = tmp_path / "rebuilt"
    done = run_gazette(["ingest", str(home / "raw"), "--home", str(rebuilt)], quiet_api_env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    assert articles_by_source(rebuilt) == loaded  # the archive names each page's source
