"""Progress of a run's long stages: bars in a terminal, plain lines in a log.

A person at a terminal wants to see the fetch moving (counts and rate); cron, systemd and
`gazette serve` want one line per stage and one per dropped article, greppable at 3 a.m.
The flow reports to whichever reporter the CLI installed; plain lines are the default.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Stage:
    """One stage's counter; `advance` is safe from any thread."""

    def __init__(self, reporter: Reporter, name: str, total: int | None) -> None:
        self.reporter, self.name, self.total = reporter, name, total
        self.done_count = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done_count += n
        self.reporter._advanced(self, n)

    def finish(self) -> None:
        self.reporter._finished(self)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()


def stage_line(stage: Stage) -> str:
    seconds = time.monotonic() - stage.started
    rate = f" ({stage.done_count / seconds:.1f}/s)" if seconds > 0 and stage.done_count else ""
    if stage.total is None:
        return f"{stage.name}: done in {seconds:.1f} s"
    return f"{stage.name}: {stage.done_count}/{stage.total} in {seconds:.1f} s{rate}"


class Reporter:
    """Plain lines: `[gazette] fetch: 46 in 3.2 s (14.4/s)`, and one line per dropped item.

    Every line also goes to the run's log (`log_to`): in Prefect's UI a run's Logs tab shows
    its stages and each dropped article, whatever the terminal shows."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.active: dict[str, Stage] = {}  # running stages by name, for `advance`

    def _write(self, line: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(f"[gazette] {line}\n")
        stream.flush()

    def stage(self, name: str, total: int | None = None) -> Stage:
        self.active[name] = stage = Stage(self, name, total)
        return stage

    def _advanced(self, stage: Stage, n: int) -> None:
        pass

    def _finished(self, stage: Stage) -> None:
        self.active.pop(stage.name, None)
        line = stage_line(stage)
        _log(logging.INFO, line)
        self._write(line)

    def dropped(self, what: str, url: str, reason: str) -> None:
        """An article that will not reach the marts, and why."""
        line = f"dropped ({what}): {url}: {reason}"
        _log(logging.INFO, line)
        self._write(line)

    def run_done(self, line: str) -> None:
        """One line per run (run id, verdict, new articles, failures): what `serve` shows."""
        _log(logging.INFO, line)
        self._write(line)

    def close(self) -> None:
        pass


class RichReporter(Reporter):
    """Bars with counts and rates, for a person at a terminal."""

    def __init__(self, console: Console | None = None) -> None:
        super().__init__()
        self.console = console or Console(stderr=True)
        self.progress = self._bars()
        self._ids: dict[int, int] = {}
        self._started = False

    def _bars(self) -> Progress:
        return Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.fields[count]:>11}"),
            TextColumn("{task.fields[rate]:>8}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[eta]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )

    def stage(self, name: str, total: int | None = None) -> Stage:
        """The live display starts with the first long stage, not with the command: a live
        display redraws its line, and under `gazette sql` it erased what the user typed."""
        if not self._started:
            self.progress = self._bars()  # a new run's bars: the last run's stay printed above
            self.progress.start()
            self._started = True
        self.active[name] = stage = Stage(self, name, total)
        count = f"0/{total}" if total is not None else ""
        eta = "eta" if total else ""
        self._ids[id(stage)] = self.progress.add_task(
            name, total=total, rate="", count=count, eta=eta
        )
        return stage

    def _advanced(self, stage: Stage, n: int) -> None:
        seconds = time.monotonic() - stage.started
        rate = f"{stage.done_count / seconds:.1f}/s" if seconds > 0 else ""
        count = f"{stage.done_count}/{stage.total}" if stage.total is not None else ""
        task = self._ids[id(stage)]
        self.progress.update(task, completed=stage.done_count, rate=rate, count=count)

    def _finished(self, stage: Stage) -> None:
        """A counted stage ends full; one without a count (validate, export) says done, not
        `0/0`."""
        self.active.pop(stage.name, None)
        _log(logging.INFO, stage_line(stage))
        task = self._ids[id(stage)]
        if stage.total is None:
            self.progress.update(task, total=1, completed=1, count="done", eta="")
            return
        done = max(stage.done_count, stage.total)
        self.progress.update(task, completed=done, count=f"{stage.done_count}/{stage.total}")

    def dropped(self, what: str, url: str, reason: str) -> None:
        _log(logging.INFO, f"dropped ({what}): {url}: {reason}")
        self.progress.console.print(
            f"[yellow]dropped[/] ({what}): {url}: {reason}", highlight=False
        )

    def run_done(self, line: str) -> None:
        _log(logging.INFO, line)  # the summary table says it at a terminal
        self.close()  # the run's stages are over: nothing may redraw over its summary

    def close(self) -> None:
        """Stop redrawing: the bars stay on screen as they last were, and whatever prints
        next (the summary, an error) is not drawn over. A later stage starts them again."""
        if self._started:
            self.progress.stop()
            self._started = False


_current: Reporter = Reporter()
_run_log: Any = None  # the running flow's logger (Prefect's run logger), or None


def log_to(logger: Any) -> Any:
    """Send every stage line and dropped article to `logger` too (None: stop); returns the
    previous one. A flow sets its run logger, whose records reach the run's logs in the API."""
    global _run_log
    previous, _run_log = _run_log, logger
    return previous


def _log(level: int, line: str) -> None:
    if _run_log is not None:
        _run_log.log(level, line)


def reporter() -> Reporter:
    return _current


def advance(name: str, n: int = 1) -> None:
    """Advance the running stage called `name`, if there is one: a worker thread (a fetch)
    reports each page as it is done, not the batch when the whole of it is."""
    stage = _current.active.get(name)
    if stage is not None:
        stage.advance(n)


def settle() -> None:
    """Close the live display, if any, before printing anything of one's own."""
    _current.close()


def use(new: Reporter) -> Reporter:
    """Install a reporter for this process; returns the previous one."""
    global _current
    previous, _current = _current, new
    return previous
