"""What the machine can do to a command, told in one line with what to do about it: a damaged
warehouse file, a full disk. Read from the exception that surfaced, wherever it was raised."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import duckdb

from warehouse.db import WarehouseDamaged, damage_of, db_path

# a run needs room for tonight's raw pages and staged packages, DuckDB's write-ahead log and
# spill, and the BI snapshot (a copy of the warehouse): about the warehouse again, plus this
RUN_HEADROOM = 1 << 30
_QUOTED_PATH = re.compile(r'"(/[^"]+)"')


def _disk_full(exc: BaseException | None) -> BaseException | None:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return exc
        if isinstance(exc, duckdb.Error) and (
            "No space left on device" in str(exc) or "File too large" in str(exc)
        ):
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
    return (
        f"the disk is full: could not write {where} ({free} free there). A run needs about "
        f"{_mb(size + RUN_HEADROOM)} free (the size of {warehouse.name} again, for its log and "
        "the BI snapshot, plus 1 GB for raw pages, staged packages and spill). The warehouse "
        "is kept as it was: free space and run again; the rerun loads what this one staged"
    )


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
