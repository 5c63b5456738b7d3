"""Crash drills: `GAZETTE_CRASH_AT=<stage>` makes a run stop dead at that stage.

Used by the tests that SIGKILL a run mid-load and mid-fetch to prove the next run converges.
The run writes `GAZETTE_CRASH_MARKER` (a path) and then sleeps until it is killed. Without the
variable this is a no-op costing one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def checkpoint(stage: str, count: int | None = None) -> None:
    """`GAZETTE_CRASH_AT=stage`, or `stage:N` to stop at its N-th pass (e.g. `staged:7`, the
    seventh package sealed)."""
    name, _, nth = os.environ.get("GAZETTE_CRASH_AT", "").partition(":")
    if name != stage or (nth and count != int(nth)):
        return
    marker = os.environ.get("GAZETTE_CRASH_MARKER")
    if marker:
        Path(marker).write_text(f"{os.getpid()} at {stage}\n")
    time.sleep(3600)  # the test kills us here
