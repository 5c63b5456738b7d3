"""A time limit per page, so that no page can hold a worker, its batch or the run.

Two guards, because one cannot stop everything:
- in the worker, an interval timer (SIGALRM) interrupts a page still being extracted when
  its limit is up. It stops Python code (a tokeniser, a scorer, a loop of ours) between two
  bytecodes, but not a C call that never returns to the interpreter (a parser, a regex);
- so each worker also says, in a small file, which page it is on and since when. The run's
  process reads those files and kills a worker that is still on one page well past the
  limit; the pool is replaced, the page is quarantined and its batch, with the other
  batches the dead pool held, is built again without it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warehouse.packages import staging_root

ENV = "GAZETTE_PAGE_TIME_LIMIT_S"
DEFAULT_S = 20.0
# the run's process kills a worker this long after the worker's own timer should have fired
GRACE_S = 5.0
TIMEOUT_REASON = "extraction_timeout"


class PageTimeout(BaseException):
    """A BaseException, so the handlers that turn a crashing page into a reason (and would
    call this one "extractor crashed") let it through to the batch, which quarantines it."""


def page_time_limit() -> float:
    """GAZETTE_PAGE_TIME_LIMIT_S, or 20 s; a value that is not a positive number is an error
    naming the variable, never a run without a limit."""
    raw = os.environ.get(ENV)
    if raw is None:
        return DEFAULT_S
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{ENV} must be a positive number of seconds, not {raw!r}")
    return value


def timeout_reason(limit_s: float) -> str:
    return f"{TIMEOUT_REASON} (over {limit_s:g} s)"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeout in the block once `seconds` have passed. Only the main thread of a
    process receives signals: elsewhere (a small run built in the run's own thread) this
    does nothing, and the bounded inputs of every step are what keep a page short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _watch_dir(home: Path) -> Path:
    return staging_root(home) / ".pages"


@contextlib.contextmanager
def on_page(home: Path, batch: str, url: str) -> Iterator[None]:
    """Say which page this process is on while the block runs (one small file per process)."""
    folder = _watch_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / str(os.getpid())
    path.write_text(f"{time.time()}\t{batch}\t{url}")
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def clear_watch(home: Path) -> None:
    """Remove the workers' page files (a killed worker leaves its own behind)."""
    shutil.rmtree(_watch_dir(home), ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Overdue:
    pid: int
    batch: str
    url: str
    seconds: float


def overdue(home: Path, limit_s: float, pids: set[int]) -> list[Overdue]:
    """Pages of the given worker processes that have run past `limit_s` plus the grace."""
    found = []
    now = time.time()
    for pid in pids:
        page = on_which_page(home, pid)
        if page and now - page[0] > limit_s + GRACE_S:
            found.append(Overdue(pid, page[1], page[2], now - page[0]))
    return found


def on_which_page(home: Path, pid: int) -> tuple[float, str, str] | None:
    """(since, batch, url) of the page the process is on; None between pages."""
    try:
        started, batch, url = (_watch_dir(home) / str(pid)).read_text().split("\t", 2)
        return float(started), batch, url
    except (OSError, ValueError):  # between pages, or a file half written
        return None


def forget(home: Path, pid: int) -> None:
    with contextlib.suppress(OSError):
        (_watch_dir(home) / str(pid)).unlink()


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
