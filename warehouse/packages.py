"""Staged packages: what one batch leaves on disk for the one loader.

A package is a folder `staging/<run_id>/<batch>/` holding one Parquet file per table the
batch feeds (articles and what hangs off them, fetch attempts, archive rows, quarantined
rows, the row gate's results) and `manifest.json` (run, batch, URLs, row counts, schema
version). It is built under a hidden temporary name and renamed when complete, so a folder
without the dot is whole; the loader reads the folders of a run set-based, and a run that
died leaves packages the next run loads instead of fetching their URLs again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.tables import DEPENDENTS, DIMENSIONS_USED_BY, PACKAGE_TABLES

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
PARTIAL_PREFIX = ".partial-"


def staging_root(home: Path) -> Path:
    return Path(home) / "staging"


def run_dir(home: Path, run_id: str) -> Path:
    return staging_root(home) / run_id


@dataclass(slots=True)
class Manifest:
    """What a package holds: enough to check it against its files and to plan a resume."""

    run_id: str
    batch: str
    schema_version: int = SCHEMA_VERSION
    urls: list[str] = field(default_factory=list)  # every URL the batch was given
    counts: dict[str, int] = field(default_factory=dict)  # rows per table file
    outcomes: dict[str, int] = field(default_factory=dict)  # fetch attempts by outcome
    failures: dict[str, int] = field(default_factory=dict)  # dropped or degraded, by reason
    warc_files: list[str] = field(default_factory=list)  # archive files its rows point into
    extracted: int = 0  # records made by extraction, before the row gate
    sources: list[str] = field(default_factory=list)  # source names its rows name
    retry: list[str] = field(default_factory=list)  # URLs whose fetch failed: fetch them again
    versioning: bool = True  # False: a reprocess, which rewrites versions in place

    @property
    def key(self) -> tuple[str, str]:
        return self.run_id, self.batch

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        return cls(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Package:
    folder: Path
    manifest: Manifest

    def file(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def partial_dir(home: Path, run_id: str, batch: str) -> Path:
    """Where a package is built; invisible to the loader until `seal` renames it."""
    return run_dir(home, run_id) / f"{PARTIAL_PREFIX}{batch}"


def write_frame(frame: pl.DataFrame, path: Path) -> None:
    """A package file, with a CRC per page: a byte a crash or a bad disk changed is found by
    `read_whole` before the load reads it (an unchecked page may decode into wrong values)."""
    pq.write_table(frame.to_arrow(), path, compression="zstd", write_page_checksum=True)


def read_whole(path: Path) -> int:
    """Decode every page of a package file, checking its CRCs, as the load will read it; the
    rows it holds. Raises OSError or an Arrow error on a truncated or damaged file."""
    rows = 0
    with pq.ParquetFile(path, page_checksum_verification=True) as parquet:
        for group in range(parquet.num_row_groups):
            rows += parquet.read_row_group(group).num_rows
    return rows


def write_tables(folder: Path, frames: Mapping[str, pl.DataFrame]) -> dict[str, int]:
    """One Parquet file per frame (an empty frame still writes its schema); rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        write_frame(frame, folder / f"{table}.parquet")
    return {table: frame.height for table, frame in frames.items()}


def seal(folder: Path, manifest: Manifest) -> Package:
    """Write the manifest, then rename the folder to its final name: the package exists."""
    manifest.counts = {
        table: pl.scan_parquet(folder / f"{table}.parquet").select(pl.len()).collect().item()
        for table in PACKAGE_TABLES
    }
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
    final = folder.with_name(manifest.batch)
    if final.exists():  # a batch staged again (a retried task): the new copy wins
        shutil.rmtree(final)
    os.replace(folder, final)
    return Package(final, manifest)


_BY_ARTICLE = ("fact_article", *DEPENDENTS)


def drop_articles(folder: Path, keys: set[str]) -> None:
    """Take articles out of a partial package (the row gate held them back): their rows, and
    the dimension rows only they pointed at."""
    if not keys:
        return
    held = pl.Series(sorted(keys), dtype=pl.String)
    for table in _BY_ARTICLE:
        path = folder / f"{table}.parquet"
        write_frame(
            pl.read_parquet(path).filter(~pl.col("article_key").is_in(held.implode())), path
        )
    for dimension, (facts, key) in DIMENSIONS_USED_BY.items():
        used = pl.read_parquet(folder / f"{facts}.parquet", columns=[key]).get_column(key)
        path = folder / f"{dimension}.parquet"
        write_frame(pl.read_parquet(path).filter(pl.col(key).is_in(used.implode())), path)


@dataclass(slots=True)
class Inventory:
    """The packages under a home's staging folder: whole ones, and what was thrown away."""

    packages: list[Package] = field(default_factory=list)
    discarded: list[tuple[Path, str]] = field(default_factory=list)  # folder, why

    @property
    def urls(self) -> set[str]:
        """The URLs these packages hold: a resumed run does not fetch them (a failed fetch is
        not held: it is tried again)."""
        return {
            url
            for p in self.packages
            if p.manifest.versioning
            for url in set(p.manifest.urls) - set(p.manifest.retry)
        }


def inventory(
    home: Path, archive_root: Path | None = None, sealed_by: str | None = None
) -> Inventory:
    """Every complete package, in load order (run, then batch); partial or broken ones are
    removed and listed with the reason. The caller holds the home's lock. Each file is read
    to its end, page checksums checked, except those of the run `sealed_by` (this run's own,
    just sealed), whose footers' row counts suffice."""
    found = Inventory()
    root = staging_root(home)
    if not root.is_dir():
        return found
    # a dot folder is the workers' (which page each is on), not a run's
    for run_folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name[0] != "."):
        for folder in sorted(p for p in run_folder.iterdir() if p.is_dir()):
            whole = run_folder.name != sealed_by
            problem = _problem(folder, archive_root or Path(home), whole)
            if problem is None:
                found.packages.append(Package(folder, Manifest.read(folder)))
            else:
                found.discarded.append((folder, problem))
                shutil.rmtree(folder, ignore_errors=True)
        if run_folder.exists() and not any(run_folder.iterdir()):
            run_folder.rmdir()
    return found


def _problem(folder: Path, home: Path, whole: bool = True) -> str | None:
    """Why a package folder cannot be loaded, or None when it is whole."""
    if folder.name.startswith(PARTIAL_PREFIX):
        return "incomplete: its batch never finished"
    try:
        manifest = Manifest.read(folder)
    except (OSError, ValueError, TypeError) as exc:
        return f"no readable manifest ({type(exc).__name__})"
    if manifest.schema_version != SCHEMA_VERSION:
        return f"schema version {manifest.schema_version}, this release reads {SCHEMA_VERSION}"
    for table in PACKAGE_TABLES:  # read whole: a footer can be sound over damaged pages
        path = folder / f"{table}.parquet"
        try:
            rows = read_whole(path) if whole else pq.read_metadata(path).num_rows
        except (OSError, pa.ArrowException) as exc:
            return f"{table}.parquet is damaged ({type(exc).__name__}: {exc})"
        if rows != manifest.counts.get(table):
            return (
                f"{table}.parquet has {rows} rows, its manifest says {manifest.counts.get(table)}"
            )
    return _archive_problem(folder, home)


def _archive_problem(folder: Path, home: Path) -> str | None:
    """Every archived response the package points at must be in the raw archive."""
    refs = pl.read_parquet(
        folder / "raw_fetch.parquet", columns=["warc_file", "warc_offset", "warc_length"]
    )
    if refs.is_empty():
        return None
    ends = refs.group_by("warc_file").agg((pl.col("warc_offset") + pl.col("warc_length")).max())
    for warc_file, end in ends.iter_rows():
        path = home / warc_file
        if not path.is_file():
            return f"its archive file {warc_file} is missing"
        if path.stat().st_size < end:
            return f"its archive file {warc_file} stops before its records end"
    return None


def files(packages: Iterable[Package], table: str) -> list[str]:
    return [str(p.file(table)) for p in packages]


def remove(packages: Iterable[Package]) -> None:
    """Loaded and committed: the packages are no longer needed (the archive keeps the bytes)."""
    runs = set()
    for package in packages:
        shutil.rmtree(package.folder, ignore_errors=True)
        runs.add(package.folder.parent)
    for folder in runs:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def summary(packages: Iterable[Package]) -> dict[str, Any]:
    """Totals over packages, for the run's summary: outcomes, failures, records extracted."""
    outcomes: dict[str, int] = {}
    failures: dict[str, int] = {}
    extracted = 0
    for p in packages:
        for k, v in p.manifest.outcomes.items():
            outcomes[k] = outcomes.get(k, 0) + v
        for k, v in p.manifest.failures.items():
            failures[k] = failures.get(k, 0) + v
        extracted += p.manifest.extracted
    return {"outcomes": outcomes, "failures": failures, "extracted": extracted}
