"""A time limit per page, so that no page can hold a worker, its batch or the run.

The limit is the page's own CPU time, not the clock's: on a machine at load 8 a page that
takes 2 s of CPU takes 16 s or more of wall time, and which pages loaded then depended on the
load. Two guards, because one cannot stop everything:
- in the worker, a CPU-time timer (ITIMER_PROF, SIGPROF) interrupts a page still being
  extracted when its limit is spent. It stops Python code (a tokeniser, a scorer, a loop of
  ours) between two bytecodes, but not a C call that never returns to the interpreter (a
  parser, a regex);
- so each worker also says, in a small file, which page it is on, since when, and its CPU
  time then. The run's process reads those files and kills a worker whose page has used
  more CPU than the limit plus a grace (it reads the worker's CPU in /proc), or has been on
  the clock WALL_FACTOR times the limit (a C call that waits rather than computes); the pool
  is replaced, the page quarantined and its batch, with the other batches the dead pool
  held, built again without it.
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
# the run's process kills a worker whose page used this much CPU past the limit (its own
# timer should have fired), or that has been on one page WALL_FACTOR times the limit by the
# clock: a backstop for a page blocked in a C call, wide enough for a machine at load 8 or so
GRACE_S = 5.0
WALL_FACTOR = 6.0
TIMEOUT_REASON = "extraction_timeout"


class PageTimeout(BaseException):
    """A BaseException, so the handlers that turn a crashing page into a reason (and would
    call this one "extractor crashed") let it through to the batch, which quarantines it."""


def _positive_env(name: str, default: float, unit: str) -> float:
    """A limit from the environment; one that is not a positive number is an error naming the
    variable, never a run without a limit."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{name} must be a positive number of {unit}, not {raw!r}")
    return value


def page_time_limit() -> float:
    """GAZETTE_PAGE_TIME_LIMIT_S, or 20 s of CPU."""
    return _positive_env(ENV, DEFAULT_S, "seconds")


def timeout_reason(limit_s: float) -> str:
    return f"{TIMEOUT_REASON} (over {limit_s:g} s)"


MEMORY_ENV = "GAZETTE_PAGE_MEMORY_LIMIT_MB"
# a worker's resident memory, shared pages of the fork server included (about 250 MB): a page
# whose parse takes it past this is given up. One 50 MB page of 1,000,000 links took the
# process tree to 2.6 GB with no limit
DEFAULT_MEMORY_MB = 1024
MEMORY_REASON = "page_too_large"


def page_memory_limit_mb() -> int:
    """GAZETTE_PAGE_MEMORY_LIMIT_MB, or 1024."""
    return int(_positive_env(MEMORY_ENV, DEFAULT_MEMORY_MB, "megabytes"))


def memory_reason(limit_mb: int) -> str:
    return f"{MEMORY_REASON} (its worker went over {limit_mb} MB)"


def process_rss_mb(pid: int) -> float | None:
    """Resident memory of a process, from /proc (None where there is none)."""
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeout in the block once it has used `seconds` of this process's CPU time.
    Only the main thread of a process receives signals: elsewhere (a small run built in the
    run's own thread) this does nothing, and the bounded inputs of every step are what keep
    a page short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise PageTimeout

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _watch_dir(home: Path) -> Path:
    return staging_root(home) / ".pages"


@contextlib.contextmanager
def on_page(home: Path, batch: str, url: str) -> Iterator[None]:
    """Say which page this process is on while the block runs (one small file per process)."""
    folder = _watch_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / str(os.getpid())
    path.write_text(f"{time.time()}\t{time.process_time()}\t{batch}\t{url}")
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
    seconds: float  # CPU seconds on the page, wall seconds (by the clock), or MB (memory)
    by: str = "cpu"


def process_cpu_s(pid: int) -> float | None:
    """User plus system CPU seconds of a process, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def overdue(
    home: Path, limit_s: float, pids: set[int], memory_mb: int | None = None
) -> list[Overdue]:
    """Pages of the given worker processes past a limit: more CPU than `limit_s` plus the
    grace, WALL_FACTOR times `limit_s` by the clock, or (memory_mb) a worker resident past
    that many MB."""
    found = []
    now = time.time()
    for pid in pids:
        page = on_which_page(home, pid)
        if page is None:
            continue
        since, cpu_then, batch, url = page
        cpu_now = process_cpu_s(pid)
        rss = process_rss_mb(pid) if memory_mb else None
        if rss is not None and memory_mb and rss > memory_mb:
            found.append(Overdue(pid, batch, url, rss, by="memory"))
        elif cpu_now is not None and cpu_now - cpu_then > limit_s + GRACE_S:
            found.append(Overdue(pid, batch, url, cpu_now - cpu_then))
        elif now - since > max(limit_s * WALL_FACTOR, limit_s + GRACE_S):
            found.append(Overdue(pid, batch, url, now - since, by="wall"))
    return found


def on_which_page(home: Path, pid: int) -> tuple[float, float, str, str] | None:
    """(since, CPU seconds then, batch, url) of the page the process is on; None between
    pages."""
    try:
        started, cpu, batch, url = (_watch_dir(home) / str(pid)).read_text().split("\t", 3)
        return float(started), float(cpu), batch, url
    except (OSError, ValueError):  # between pages, or a file half written
        return None


def forget(home: Path, pid: int) -> None:
    with contextlib.suppress(OSError):
        (_watch_dir(home) / str(pid)).unlink()


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
