"""The Prefect server a home keeps between runs, so that a run does not wait for one to start.

A temporary server took 6 to 7 s to answer on this machine (importing Prefect's server code
alone takes 5 s), and a run could not send its first request before it answered: most of a
run's start-up, and most of a rerun with nothing new. So the first run on a home starts the
same server (Prefect's temporary-server settings, its usual database, no UI) in a session of
its own, and it stays up for the runs that follow, as a build tool keeps its daemon: it stops
by itself once no run has used it for GAZETTE_PREFECT_KEEP_S seconds (three hours unless set;
0 starts and stops one with each run, as before).

How a run and the server agree, with no window where a run uses a server that is stopping:
a run holds a shared lock on `<home>/prefect/kept-server.lease` for as long as it runs, and
touches the file as it starts and ends; the server stops only when the file has been
untouched for the keep time and it can take the lock exclusively (no run holds it), and it
removes its record before it lets the lock go. A run that finds no live record, or a server
that does not answer, starts a new one under the exclusive lock.

This module is also the server process's entry point (`python -m flows.kept_server`): the
server's idle watch, then uvicorn with Prefect's app.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

KEEP_ENV = "GAZETTE_PREFECT_KEEP_S"
DEFAULT_KEEP_S = 3 * 3600.0
RECORD = "kept-server.json"
LEASE = "kept-server.lease"
LOG = "kept-server.log"
HEALTH_TIMEOUT_S = 2.0


def keep_seconds() -> float:
    """How long a home's server outlives its last run: GAZETTE_PREFECT_KEEP_S, else three
    hours; 0 (or less) keeps none (a temporary server per run)."""
    try:
        return float(os.environ.get(KEEP_ENV, DEFAULT_KEEP_S))
    except ValueError:
        return DEFAULT_KEEP_S


def folder(home: Path) -> Path:
    return home / "prefect"


def read_record(home: Path) -> dict | None:
    """The kept server's record, if it names a loopback address and a live process."""
    return live_record(folder(home) / RECORD)


def live_record(path: Path) -> dict | None:
    """A server's record (a kept server's, or serve's), if it names a loopback address and a
    live process: a record left by a server that was killed names a dead one, and only a
    loopback address is taken from a file."""
    try:
        record = json.loads(path.read_text())
        url, pid = str(record["url"]), int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not url.startswith("http://127.0.0.1:") or not _alive(pid):
        return None
    return {"url": url, "pid": pid}


def write_record(home: Path, url: str, pid: int) -> None:
    record = folder(home) / RECORD
    temp = record.with_suffix(".tmp")
    temp.write_text(json.dumps({"url": url, "pid": pid, "keep_s": keep_seconds()}))
    temp.replace(record)


def answers(url: str, timeout_s: float = HEALTH_TIMEOUT_S) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


@dataclass
class Lease:
    """A run's hold on its home's server: the shared lock, until `release`."""

    handle: IO[str]
    path: Path

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.path)  # the keep time counts from the end of the last run
        self.handle.close()  # and the lock with it


def take_lease(home: Path) -> tuple[Lease, str | None]:
    """The lease, and the address of a kept server that answers (None: the caller starts
    one and records it, still under the exclusive lock, then calls `share`)."""
    folder(home).mkdir(parents=True, exist_ok=True)
    path = folder(home) / LEASE
    handle = path.open("a+")
    fcntl.flock(handle, fcntl.LOCK_EX)  # waits while a server is deciding to stop, or starting
    os.utime(path)
    record = read_record(home)
    url = record["url"] if record and answers(record["url"]) else None
    lease = Lease(handle, path)
    if url is not None:
        share(lease)
    return lease, url


def share(lease: Lease) -> None:
    """From deciding (exclusive) to using (shared): other runs may use the server too."""
    fcntl.flock(lease.handle, fcntl.LOCK_SH)


# -- the server process --------------------------------------------------------------------


def _idle_watch(home: Path, keep_s: float, every_s: float) -> None:
    """Stop this server once no run has touched the lease for `keep_s` and none holds it."""
    path = folder(home) / LEASE
    while True:
        time.sleep(every_s)
        try:
            idle = time.time() - path.stat().st_mtime
        except OSError:
            idle = keep_s  # the lease is gone (the home removed): nobody will use us
        record = read_record(home)
        replaced = record is None or record["pid"] != os.getpid()
        if idle < keep_s and not replaced:
            continue
        handle = path.open("a+") if path.parent.is_dir() else None
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a run holds it: not idle after all
                handle.close()
                continue
            if not replaced:
                (folder(home) / RECORD).unlink(missing_ok=True)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn shuts down; the lock goes with us
        return


def main() -> None:
    parser = argparse.ArgumentParser(description="a gazette home's kept Prefect server")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keep-s", type=float, required=True)
    args = parser.parse_args()
    every_s = min(30.0, max(0.2, args.keep_s / 4))
    threading.Thread(
        target=_idle_watch, args=(args.home, args.keep_s, every_s), daemon=True
    ).start()
    import uvicorn

    uvicorn.run(
        "prefect.server.api.server:create_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_level="error",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
