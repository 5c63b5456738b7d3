"""Reprocess's input: archived article pages, read back from the raw archive a batch at a
time, so a reprocess of years of pages holds one batch of bodies at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from flows.staging.build import BatchWork
from transforms.batches import batch_name
from warehouse.raw_archive import archived_page


def archived_batches(
    home: Path, run_id: str, recogniser: str | None, rows: pl.DataFrame, batch_size: int
) -> Iterator[BatchWork]:
    """A batch of archived pages per `batch_size` rows of `warehouse.state.archived_articles`;
    loaded in place (`versioning` off): a reprocess corrects, it is not a new version."""
    for index, start in enumerate(range(0, rows.height, batch_size)):
        chunk = rows.slice(start, batch_size)
        pages = [archived_page(home, row) for row in chunk.iter_rows(named=True)]
        yield BatchWork(
            home,
            run_id,
            batch_name("r", index),
            [p.url for p in pages],
            pages=pages,
            recogniser=recogniser,
            versioning=False,
        )
