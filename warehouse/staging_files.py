"""Extracted records as staging Parquet files: what Dask workers hand to the one loader.

A worker that extracted a batch writes one file under `staging/<run_id>/`; the loader reads
them all back as the same records the in-process path would give, then deletes the run's
folder once the load committed. Files are written under a temporary name and renamed, so a
worker that dies half-way leaves no half file for the loader to trip on.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import polars as pl


def staging_dir(home: Path, run_id: str) -> Path:
    return Path(home) / "staging" / run_id


def write_records(home: Path, run_id: str, records: list[dict[str, Any]]) -> Path | None:
    """One Parquet file of records (nested lists and structs kept); None when there are none."""
    if not records:
        return None
    folder = staging_dir(home, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(8)}.parquet"
    partial = path.with_suffix(".partial")
    pl.from_dicts(records, infer_schema_length=None).write_parquet(partial)
    os.replace(partial, path)
    return path


def read_records(paths: list[Path]) -> list[dict[str, Any]]:
    """The records of every file, file by file (each has its own inferred schema), in order."""
    records: list[dict[str, Any]] = []
    for path in paths:
        records.extend(pl.read_parquet(path).to_dicts())
    return records


def clear(home: Path, run_id: str) -> None:
    shutil.rmtree(staging_dir(home, run_id), ignore_errors=True)


def clear_others(home: Path, run_id: str) -> list[str]:
    """Remove what runs that died before loading left behind (the caller holds the home's
    lock, so no other run is writing); returns their run ids. Their pages are in the raw
    archive and their URLs unloaded, so the next run fetches them again."""
    root = Path(home) / "staging"
    stale = [p for p in root.iterdir() if p.is_dir() and p.name != run_id] if root.is_dir() else []
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(p.name for p in stale)
