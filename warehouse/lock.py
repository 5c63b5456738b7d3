"""One writer per home: an advisory lock file, taken by every run before it writes.

DuckDB lets one process open a database file for writing; two gazette runs against the same
home would otherwise fail half-way or interleave. The second run waits (bounded) for the lock,
saying who holds it, or gives up with a clear message.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = ".gazette.lock"


class WarehouseBusy(RuntimeError):
    """Another process holds the home's write lock (the message says which)."""


def holder(home: Path) -> str:
    """Who holds (or last held) the lock, for messages."""
    try:
        info = json.loads((Path(home) / LOCK_NAME).read_text() or "{}")
    except (FileNotFoundError, ValueError):
        return "another gazette process"
    return f"{info.get('command', 'a run')} (pid {info.get('pid')}, since {info.get('since')})"


def run_waiting(home: Path) -> bool:
    """Whether a run holds the home's lock: it is about to open the warehouse, or waiting for
    a reader to let go of it. A reader polls this to yield (`gazette sql`)."""
    try:
        fd = os.open(Path(home) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of a shared lock taken above
    return False


class RunLock:
    """`with RunLock(home, "run", wait_s=300):` holds the home for one writer."""

    def __init__(
        self,
        home: Path,
        command: str,
        wait_s: float = 300.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(home) / LOCK_NAME
        self.command = command
        self.wait_s = wait_s
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WarehouseBusy(
                        f"{self.path.parent} is being written by {holder(self.path.parent)}; "
                        f"gave up after waiting {self.wait_s:.0f} s"
                    ) from None
                if not told and self.on_wait:
                    self.on_wait(f"waiting for {holder(self.path.parent)} to finish")
                    told = True
                time.sleep(0.2)
        info = {
            "pid": os.getpid(),
            "command": self.command,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
