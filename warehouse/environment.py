"""What the machine can do to a command, told in one line with what to do about it: a damaged
warehouse file, a full disk. Read from the exception that surfaced, wherever it was raised."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import duckdb

from warehouse.db import DAMAGE_SIGNS, WarehouseDamaged, damage_of, db_path

# DuckDB's spill and write-ahead log during a load, at most about its memory limit (256 MB)
LOAD_HEADROOM = 256 << 20
_QUOTED_PATH = re.compile(r'"(/[^"]+)"')


FULL_SIGNS = ("No space left on device", "Disk quota exceeded", "File too large")


def environment_signs(text: str) -> bool:
    """Whether a log line speaks of a full disk or a damaged warehouse."""
    return any(sign in text for sign in (*FULL_SIGNS, *DAMAGE_SIGNS))


def _disk_full(exc: BaseException | None) -> BaseException | None:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return exc
        if isinstance(exc, duckdb.Error) and any(sign in str(exc) for sign in FULL_SIGNS):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _mb(n: float) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def disk_full_message(exc: BaseException, home: Path) -> str:
    """Which file could not be written, the room there is, and the room a run needs."""
    path: str | None = getattr(exc, "filename", None)
    if path is None and (match := _QUOTED_PATH.search(str(exc))):
        path = match.group(1)
    where = Path(path) if path else Path(home)
    probe = where if where.is_dir() else where.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = _mb(shutil.disk_usage(probe).free)
    except OSError:
        free = "unknown"
    warehouse = db_path(home)
    size = warehouse.stat().st_size if warehouse.exists() else 0
    night = _largest_day(Path(home) / "raw")
    return (
        f"the disk is full: could not write {where} ({free} free there). A run needs about "
        f"{_mb(size + night + LOAD_HEADROOM)} free: {warehouse.name} again for the BI "
        f"snapshot ({_mb(size)}), a night of raw pages and staged packages (the largest so "
        f"far: {_mb(night)}) and {_mb(LOAD_HEADROOM)} for the load's log and spill. The "
        "warehouse is kept as it was: free space and run again; the rerun loads what this "
        "one staged"
    )


def _largest_day(raw: Path) -> int:
    """Bytes of the largest day of the raw archive (raw/YYYY/MM/DD)."""
    days = [0]
    for day in raw.glob("*/*/*"):
        try:
            days.append(sum(f.stat().st_size for f in day.iterdir() if f.is_file()))
        except OSError:
            continue
    return max(days)


def environment_problem(exc: BaseException, home: Path) -> str | None:
    """The one line for a damaged warehouse or a full disk behind `exc`; None for anything
    else (a bug: let its traceback show)."""
    damaged = damage_of(exc)
    if damaged is not None:
        if isinstance(exc, WarehouseDamaged):
            return str(exc)
        found = exc
        while found is not None and not isinstance(found, WarehouseDamaged):
            found = found.__cause__ or found.__context__
        return str(found) if found is not None else str(WarehouseDamaged(db_path(home), damaged))
    full = _disk_full(exc)
    if full is not None:
        return disk_full_message(full, home)
    return None
