"""`gazette serve`: the nightly flow as a scheduled Prefect deployment.

A schedule needs a real Prefect API: the temporary in-process server that `gazette run` uses
cannot schedule. With no PREFECT_API_URL configured, serve starts a Prefect server of its own
on loopback, keeps its database under the home folder, and stops it on the way out. While it
is up, its address is in `<home>/prefect/server.json`, so a `gazette run` on the same home
reports to it (and shows in its UI) instead of paying for a temporary server of its own.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from flows.kept_server import LOG as KEPT_LOG
from flows.kept_server import answers, live_record
from flows.served import SERVED

# on a machine at load 8-16 on 2 cores the server took over 20 s (Prefect's own limit) to
# answer in half of the tries, and every try answered within 180 s (issue 34)
SERVER_START_TIMEOUT_S = 180.0


def start_timeout_s() -> float:
    """How long a server gazette starts may take to answer: GAZETTE_PREFECT_START_TIMEOUT_S,
    else SERVER_START_TIMEOUT_S."""
    try:
        return float(os.environ.get("GAZETTE_PREFECT_START_TIMEOUT_S", SERVER_START_TIMEOUT_S))
    except ValueError:
        return SERVER_START_TIMEOUT_S


SERVER_RECORD = "server.json"
REUSE_HEALTH_TIMEOUT_S = 1.0


def load_prefect() -> None:
    """Import Prefect now (it sets its logging up on import), for a caller that must wrap its
    handlers before the first run logs anything."""
    import prefect  # noqa: F401


def deployment_name(home: Path) -> str:
    """One deployment per home: its concurrency limit of one is then one run per home."""
    digest = hashlib.md5(str(home.resolve()).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"nightly-{home.resolve().name}-{digest}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServerError(RuntimeError):
    """The server gazette started did not come up; the message names its log."""


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _dies_with_this_process() -> Callable[[], None] | None:
    """A pre-exec step that makes the server get SIGTERM when the process that started it
    dies, however it dies: a `kill -9` of a run left its temporary server (some 230 MB) up
    for good, since it runs in a session of its own (so a terminal's Ctrl-C reaches gazette
    first). Linux's parent-death signal fires when the starting *thread* ends, so only the
    main thread asks for it; elsewhere (and off Linux) None, and `stop` remains the way."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return set_parent_death_signal


class LocalPrefectServer:
    """`prefect server start` on 127.0.0.1, with PREFECT_HOME (and so its SQLite database)
    under the gazette home. Health-checked before use; terminated, then killed, on exit.
    While it answers, its address is recorded for runs on the same home to reuse."""

    advertised = True
    dies_with_starter = True  # a kept server (flows/kept_server.py) outlives its run

    def __init__(self, home: Path, port: int | None = None) -> None:
        self.home = home / "prefect"
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = self.home / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _command(self) -> tuple[list[str], dict[str, str]]:
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_UI_API_URL=self.url,
        )
        prefect = Path(sys.executable).with_name("prefect")
        command = [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        return command, env

    def spawn(self) -> None:
        """Start the server process and return at once; `wait_ready` before using it."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command, env = self._command()
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_dies_with_this_process() if self.dies_with_starter else None,
        )
        log.close()

    def wait_ready(self) -> None:
        assert self._process is not None, "spawn() first"
        limit = start_timeout_s()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise PrefectServerError(f"the Prefect server exited at start: see {self.log_path}")
            if answers(self.url):
                return
            time.sleep(0.2)
        self.stop()
        raise PrefectServerError(
            f"the Prefect server gazette started did not answer within {limit:g} s (a machine "
            f"this busy may need more: GAZETTE_PREFECT_START_TIMEOUT_S); its log: {self.log_path}"
        )

    def start(self) -> None:
        self.spawn()
        self.wait_ready()
        if self.advertised and self._process is not None:
            record = self.home / SERVER_RECORD
            temp = record.with_suffix(".tmp")
            temp.write_text(json.dumps({"url": self.url, "pid": self._process.pid}))
            temp.replace(record)

    def stop(self) -> None:
        if self.advertised:
            (self.home / SERVER_RECORD).unlink(missing_ok=True)
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TemporaryPrefectServer(LocalPrefectServer):
    """The temporary API server Prefect starts by itself when no API is configured, started by
    gazette instead, before the run imports its own stack.

    Prefect would start it only at the first flow call, after importing its server code in the
    calling process too: about 13 s, one after the other, on this machine's cores. Spawned
    first, the server starts on one core while the run imports on the other
    (bench/prefect_overhead.py). Same server as Prefect's: the default PREFECT_HOME's
    database, no UI, only the services a temporary server runs.
    """

    advertised = False  # it stops with its run

    def __init__(self, home: Path) -> None:
        super().__init__(home)
        self.log_path = self.home / "temporary-server.log"

    def _command(self) -> tuple[list[str], dict[str, str]]:
        env = dict(
            os.environ,
            PREFECT_UI_ENABLED="0",
            PREFECT__SERVER_EPHEMERAL="1",
            PREFECT__SERVER_FINAL="1",
        )
        env.pop("PREFECT_API_URL", None)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ]
        return command, env


class KeptPrefectServer(TemporaryPrefectServer):
    """The same server, kept up for the runs that follow on this home until it has been idle
    for `keep_s` (flows/kept_server.py says how a run and the server agree)."""

    dies_with_starter = False

    def __init__(self, home: Path, keep_s: float) -> None:
        super().__init__(home)
        self.keep_s = keep_s
        self.log_path = self.home / KEPT_LOG

    def _command(self) -> tuple[list[str], dict[str, str]]:
        _, env = super()._command()
        command = [sys.executable, "-m", "flows.kept_server", "--home", str(self.home.parent)]
        return [*command, "--port", str(self.port), "--keep-s", str(self.keep_s)], env


def prefect_api_configured() -> bool:
    """Whether Prefect will talk to a server of the user's (env or active profile), read
    without importing Prefect."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        document = tomllib.loads(profiles.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or document.get("active", "ephemeral")
    settings = document.get("profiles", {}).get(active, {})
    return bool(settings.get("PREFECT_API_URL"))


def running_serve_api(home: Path) -> str | None:
    """The API of the server a `gazette serve` keeps for this home, if it is up and answers.

    A record left by a serve that was killed names a dead process, or a port nothing (or
    something else) answers on: then None, and the run starts a server as it would anyway."""
    record = live_record(home / "prefect" / SERVER_RECORD)
    if record is None or not answers(record["url"], REUSE_HEALTH_TIMEOUT_S):
        return None
    return record["url"]


@contextlib.contextmanager
def temporary_prefect_api(server: TemporaryPrefectServer | None) -> Iterator[None]:
    """Runs in this block talk to `server` (None: to what Prefect would use anyway)."""
    if server is None:
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server.wait_ready()
    with temporary_settings(updates={PREFECT_API_URL: server.url}):
        try:
            yield
        finally:
            _drain_prefect_workers()


DRAIN_S = 30.0


def _drain_prefect_workers() -> None:
    """Logs and events still queued go out before the server stops, as Prefect's own test
    harness does; otherwise the exiting process retries a dead API for a minute."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    # each returns as soon as its queue is empty; on a loaded machine 5 s left a run's last
    # logs and its artifacts' events queued, and the process then retried a dead API for two
    # minutes before it exited (bounded here, never by the night's size)
    APILogWorker.drain_all(timeout=DRAIN_S)
    EventsWorker.drain_all(timeout=DRAIN_S)


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound as Ctrl-C is."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """A service manager stops us with SIGTERM: unwind as for Ctrl-C, so the server stops."""

    def _raise(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped_runs(home: Path, since: datetime) -> list[str]:
    """Runs a stop of serve cut short: abandoned at or after `since` (the stop, less a
    margin), or still marked running (a run process killed before it could say so, marked
    abandoned here once its lock is free). A run abandoned earlier is not this stop's."""
    from warehouse import ops
    from warehouse.db import connect, db_path
    from warehouse.lock import RunLock, WarehouseBusy

    if not db_path(home).exists():
        return []
    try:
        with RunLock(home, "serve", 10.0):
            con = connect(home)
            try:
                ops.abandon_stale_runs(con, datetime.now(UTC))
                rows = con.execute(
                    "select run_id from ops.etl_run where status = 'abandoned' "
                    "and finished_at >= ? order by started_at",
                    [since],
                ).fetchall()
            finally:
                con.close()
    except WarehouseBusy:
        return []
    return [run_id for (run_id,) in rows]


def serve_nightly(
    sources: Path, home: Path, cron: str, timezone: str | None, api_url: str | None = None
) -> None:
    """Register the nightly deployment for this home and run what it schedules, until
    interrupted. At most one run at a time (the deployment's and the runner's limit). Its
    runs inherit SERVED: they refuse any other home or sources file (check_served_parameters).
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if api_url is not None:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            serve_nightly(sources, home, cron, timezone)
        return
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.nightly import nightly_news

    fixed = {"home": str(home.resolve()), "sources_file": str(sources.resolve())}
    os.environ[SERVED] = json.dumps(fixed)
    nightly_news.serve(
        name=deployment_name(home),
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"sources_file": str(sources.resolve()), "home": str(home.resolve())},
        global_limit=1,
        limit=1,
        tags=["gazette"],
        description=f"gazette nightly run for {home.resolve()}",
        print_starting_message=False,
        # import the flow by module, as the CLI does (a file-path load leaves the string
        # annotations of `from __future__ import annotations` unresolvable)
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
