"""A run's stages and its dropped articles reach its logs in Prefect's API (the UI's Logs
tab), even when the terminal is quiet; and the run says in one line how it went."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli.demo_site import serve_demo

GAZETTE = Path(sys.executable).with_name("gazette")
pytestmark = pytest.mark.e2e


def test_stage_lines_and_dropped_articles_are_in_the_runs_api_logs(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL

    home = tmp_path / "home"
    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    env.pop("PREFECT_LOGGING_LEVEL", None)  # as a user's shell has it: gazette's own defaults
    with serve_demo() as site:
        settings, first_outlet, *_ = site.sources_toml().split("\n[[sources]]")
        sources = tmp_path / "sources.toml"
        sources.write_text(settings + "\n[[sources]]" + first_outlet)
        done = subprocess.run(
            [str(GAZETTE), "--quiet", "run", "--sources", str(sources), "--home", str(home)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    [dropped_url] = [
        line.split(": ")[1] for line in done.stderr.splitlines() if "dropped (fetch)" in line
    ]
    assert "Flow run" not in done.stderr  # the terminal stays quiet: INFO goes to the API only
    [summary] = [line for line in done.stderr.splitlines() if line.startswith("[gazette] run ")]
    assert summary.endswith(": PASS, 16 new, 0 changed, 1 failure"), summary
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=50)
        [flow_run] = [r for r in runs if r.parameters.get("home") == str(home)]
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
        )
    messages = [log.message for log in logs]
    assert any(m.startswith("fetch: 17/17 in ") for m in messages), messages
    assert any(m.startswith("load: ") for m in messages), messages
    assert f"dropped (fetch): {dropped_url}: http_error: HTTP 404" in messages
    assert summary.removeprefix("[gazette] ") in messages
