"""A recogniser that misbehaves on cue, to drive the per-page limits from inside a real pool
worker (it is loaded the way a user's own `module:factory` recogniser is)."""

from __future__ import annotations

import os
import signal
import time


class Hostile:
    def recognise(self, text: str, language: str | None) -> list:
        if "SLOW-IN-PYTHON" in text:  # bytecode after bytecode: the worker's own timer stops it
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sum(range(1000))
        if "STUCK-IN-C" in text:  # deaf to the worker's timer, as a C call that waits would be
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
            time.sleep(120)
        if "SPINNING-IN-C" in text:  # deaf to it and burning CPU, as a regex gone wild would be
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sum(range(1000))
        if "EATS-MEMORY" in text:  # a page whose parse grows without end (1,000,000 links)
            hoard = []
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                hoard.append(b"\x01" * (32 << 20))  # written, so resident
                time.sleep(0.05)
        if "WAITS-ON-THE-CLOCK" in text:  # a page the machine's load slows: CPU light, wall long
            time.sleep(4)
        if "KILLS-ITS-WORKER" in text:  # as a segfault in a C extension would
            os.kill(os.getpid(), signal.SIGKILL)
        return []


def factory() -> Hostile:
    return Hostile()
