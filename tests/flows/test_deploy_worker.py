"""The documented `prefect deploy` + process worker path, offline, on a local Prefect server:
prefect.yaml's relative `home: data` resolves once to an absolute home, and Data Docs (with
gazette's verdict table) land in data/docs/data_docs/, not under GX's own folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli.demo_site import serve_demo
from flows.serving import LocalPrefectServer

ROOT = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).with_name("prefect")
pytestmark = pytest.mark.e2e


def test_deploy_and_a_process_worker_run_the_flow_into_one_absolute_home(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "flows").symlink_to(ROOT / "flows")  # prefect.yaml's entrypoint, as in the repo
    shutil.copy(ROOT / "prefect.yaml", project / "prefect.yaml")
    with LocalPrefectServer(tmp_path / "server") as server, serve_demo() as site:
        settings, first_outlet, *_ = site.sources_toml().split("\n[[sources]]")
        (project / "sources.toml").write_text(settings + "\n[[sources]]" + first_outlet)
        # `{{ $PWD }}` in prefect.yaml is the shell's working directory, as for a user
        env = dict(os.environ, PREFECT_API_URL=server.url, PWD=str(project))

        def prefect(*args: str, timeout: float = 120) -> str:
            done = subprocess.run(
                [str(PREFECT), *args],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout + done.stderr

        prefect("work-pool", "create", "gazette", "--type", "process")
        prefect("--no-prompt", "deploy", "--all")
        prefect("deployment", "run", "nightly-news/nightly")
        worked = prefect("worker", "start", "--pool", "gazette", "--run-once", timeout=400)
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
        from prefect.settings import PREFECT_API_URL, temporary_settings

        key = ArtifactFilter(key=ArtifactFilterKey(any_=["gazette-run-summary"]))
        with (
            temporary_settings(updates={PREFECT_API_URL: server.url}),
            get_client(sync_client=True) as client,
        ):
            # the deployment's schedule adds runs for 2 a.m.; the one we asked for ran
            done = [r for r in client.read_flow_runs() if r.state and r.state.is_final()]
            [summary] = client.read_artifacts(artifact_filter=key)
    home = project / "data"
    assert [r.state.is_completed() for r in done] == [True], worked
    index = home / "docs" / "data_docs" / "index.html"
    assert index.is_file(), sorted(str(p) for p in project.rglob("index.html"))
    assert 'id="gazette-summary"' in index.read_text(encoding="utf-8")
    assert not (home / "gx" / "gx" / "data").exists()  # GX's folder holds no docs of its own
    reports = re.findall(r"(/\S+?\.html)", str(summary.data))
    assert reports and all(Path(p).is_absolute() and Path(p).exists() for p in reports), summary
    assert str(home) in str(summary.data)
