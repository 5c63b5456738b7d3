"""A run killed half-way through its export: readers keep the previous export and snapshot.

Its own file so that the test runner can give it a worker of its own (it runs the flow three
times in subprocesses).
"""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.runs import kill_run_at, sources_file

pytestmark = pytest.mark.e2e


def test_sigkill_during_export_leaves_the_previous_export_whole(demo_site, api_env, tmp_path):
    home = tmp_path / "home"
    sources = sources_file(demo_site, tmp_path)
    from flows.config import RunOptions
    from flows.nightly import nightly_news

    nightly_news(sources_file=sources, home=home)  # in-process: only the crash needs a process
    exports = home / "exports" / "parquet"
    before = json.loads((exports / "manifest.json").read_text())

    kill_run_at("export", sources, home, api_env, tmp_path)

    # half a new export sits in exports/parquet.tmp; readers still see the whole old one
    assert (home / "exports" / "parquet.tmp").is_dir()
    assert json.loads((exports / "manifest.json").read_text()) == before
    for table in before["tables"]:
        assert pq.read_table(exports / table["path"]).num_rows == table["rows"], table["name"]
    snapshot = duckdb.connect(str(home / "exports" / "gazette.duckdb"), read_only=True)
    assert snapshot.execute("select count(*) from fact_article").fetchone()[0] == 45
    snapshot.close()

    nightly_news(sources_file=sources, home=home, options=RunOptions(wait_s=60))
    after = json.loads((exports / "manifest.json").read_text())
    assert after["run_id"] != before["run_id"]
    assert not (home / "exports" / "parquet.tmp").exists()
