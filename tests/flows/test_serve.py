"""`gazette serve`: a real schedule on a real Prefect server, started and stopped by serve."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from flows.cli.demo_site import serve_demo

ROOT = Path(__file__).resolve().parents[2]
GAZETTE = Path(sys.executable).with_name("gazette")


def _runs(db: Path) -> dict[str, int]:
    """Run statuses so far; the warehouse is locked while a run writes, so try again."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return {}
    try:
        return dict(con.execute("select status, count(*) from ops.etl_run group by 1").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.close()


def serve_env() -> dict[str, str]:
    """serve's own Prefect server; a test cannot wait for 2 a.m.: the scheduler and the
    runner look every second."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    return env


def test_serve_starts_its_own_server_runs_on_schedule_and_stops_cleanly(tmp_path):
    home = tmp_path / "home"
    env = serve_env()
    with serve_demo() as site:
        sources = tmp_path / "sources.toml"
        # one outlet is enough to prove the schedule, and keeps the test short
        settings, first_outlet, *_ = site.sources_toml().split("\n[[sources]]")
        sources.write_text(settings + "\n[[sources]]" + first_outlet)
        log = tmp_path / "serve.log"
        process = subprocess.Popen(
            [
                str(GAZETTE),
                "serve",
                "--sources",
                str(sources),
                "--home",
                str(home),
                "--cron",
                "* * * * * */5",
            ],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and "succeeded" not in _runs(home / "gazette.duckdb"):
                assert process.poll() is None, log.read_text()
                time.sleep(2)
            assert "succeeded" in _runs(home / "gazette.duckdb"), log.read_text()
            # a `gazette run` on this home would report to serve's server
            assert (home / "prefect" / "server.json").is_file()
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=90)
    output = log.read_text()
    # a stop between runs is clean; one during the next run (every 5 s) says it abandoned it
    assert code == 0 or (code == 143 and "stopped during run" in output), output
    assert "started a local Prefect server" in output.replace("\n", " ")
    assert re.search(r"\[gazette\] run \S+: PASS, 16 new, 0 changed, 1 failure", output), output
    url = re.search(r"http://127\.0\.0\.1:(\d+)/api", output.replace("\n", ""))
    assert url is not None
    assert (home / "prefect").is_dir()  # the server's database lives under the home
    assert not (home / "prefect" / "server.json").exists()  # nor is it offered to runs
    with socket.socket() as s:  # and the server is gone with serve
        assert s.connect_ex(("127.0.0.1", int(url.group(1)))) != 0
    con = duckdb.connect(str(home / "gazette.duckdb"), read_only=True)
    articles = con.execute("select count(*) from fact_article").fetchone()[0]
    overlapping = con.execute(
        "select count(*) from ops.etl_run a join ops.etl_run b on a.run_id < b.run_id "
        "and a.started_at < coalesce(b.finished_at, now()) "
        "and b.started_at < coalesce(a.finished_at, now())"
    ).fetchone()[0]
    con.close()
    assert articles == 16  # Harbor Herald's articles (its feed's 404 entry aside)
    assert overlapping == 0  # one run at a time, even with a schedule every 5 seconds


def test_sigterm_during_a_run_says_the_run_was_abandoned_and_exits_non_zero(tmp_path):
    """SIGTERM under serve while a run fetches: Prefect prints "Crash detected!" and serve
    exited 0. It must name the abandoned run, exit 128 + SIGTERM, and leave nothing loaded."""
    home = tmp_path / "home"
    env = serve_env()
    with serve_demo() as site:
        settings, first_outlet, *_ = site.sources_toml().split("\n[[sources]]")
        slow = settings.replace("per_host_delay_s = 0.02", "per_host_delay_s = 2")
        sources = tmp_path / "sources.toml"
        sources.write_text(slow + "\n[[sources]]" + first_outlet)
        log = tmp_path / "serve.log"
        command = [str(GAZETTE), "serve", "--sources", str(sources), "--home", str(home)]
        process = subprocess.Popen(
            [*command, "--cron", "* * * * * */5"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 240  # fetching: 17 pages 2 s apart
            while time.monotonic() < deadline and "[gazette] discover" not in log.read_text():
                assert process.poll() is None, log.read_text()
                time.sleep(0.5)
            time.sleep(3)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
    output = log.read_text()
    assert code == 128 + signal.SIGTERM, output
    [run_id] = re.findall(r"stopped during run (\S+): the run was abandoned", output)
    con = duckdb.connect(str(home / "gazette.duckdb"), read_only=True)
    status, message = con.execute(
        "select status, message from ops.etl_run where run_id = ?", [run_id]
    ).fetchone()
    loaded = con.execute("select count(*) from fact_article").fetchone()[0]
    con.close()
    assert status == "abandoned" and "SIGTERM" in message
    assert loaded == 0  # stopped while fetching: nothing half-loaded


def test_bad_cron_and_time_zone_are_refused_before_anything_starts(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "A"\nhomepage = "https://a.example/"\n')
    for flag, value, message in (
        ("--cron", "every night", "--cron"),
        ("--timezone", "Mars/Olympus", "unknown time zone"),
    ):
        result = subprocess.run(
            [
                str(GAZETTE),
                "serve",
                "--sources",
                str(sources),
                "--home",
                str(tmp_path),
                flag,
                value,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "prefect").exists()


def test_prefect_yaml_deploys_the_same_flow():
    """For users with their own Prefect server or Prefect Cloud: `prefect deploy` reads this."""
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    (deployment,) = config["deployments"]
    module, _, name = deployment["entrypoint"].partition(":")
    assert module == "flows/nightly.py"
    import flows.nightly

    flow = getattr(flows.nightly, name)
    assert flow.name == "nightly-news"
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)
    assert deployment["concurrency_limit"] == 1
    assert deployment["schedules"][0]["cron"] == "0 2 * * *"
    assert deployment["work_pool"]["name"]


pytestmark = pytest.mark.e2e


def test_serves_api_wants_its_auth_string_and_its_runs_keep_their_home(tmp_path):
    """Its API answers any local process: without the auth string a request is refused, and
    a flow run created (with it) for another home fails without writing there."""
    import json

    import httpx

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "X"\nurls = ["http://127.0.0.1:9/a.html"]\n')
    env = dict(serve_env(), PREFECT_SERVER_API_AUTH_STRING="admin:s3cret-pa55")
    log = tmp_path / "serve.log"
    command = [str(GAZETTE), "serve", "--sources", str(sources), "--home", str(home)]
    process = subprocess.Popen(
        [*command, "--cron", "0 0 1 1 *"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    record = home / "prefect" / "server.json"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and "Schedule:" not in log.read_text():
            assert process.poll() is None, log.read_text()
            time.sleep(0.5)
        api = json.loads(record.read_text())["url"]
        assert httpx.post(f"{api}/deployments/filter", json={}).status_code == 401
        auth = httpx.BasicAuth("admin", "s3cret-pa55")
        deployments: list = []
        while time.monotonic() < deadline and not deployments:
            answer = httpx.post(f"{api}/deployments/filter", json={}, auth=auth)
            deployments = answer.json() if answer.status_code == 200 else []
            time.sleep(0.5)
        (deployment,) = deployments
        assert deployment["parameters"]["home"] == str(home.resolve())
        while True:  # a server still starting its services answers 503 for a moment
            created = httpx.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run",
                json={"parameters": {"home": str(elsewhere), "sources_file": str(sources)}},
                auth=auth,
            )
            if created.status_code < 500 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert created.status_code == 201, created.text
        state = None
        while time.monotonic() < deadline and state not in ("COMPLETED", "FAILED", "CRASHED"):
            time.sleep(1)
            run = httpx.get(f"{api}/flow_runs/{created.json()['id']}", auth=auth).json()
            state = (run.get("state") or {}).get("type")
        assert state == "FAILED", (state, log.read_text())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
    assert "this deployment runs for home" in log.read_text()
    assert not elsewhere.exists()  # nothing written where the request pointed
