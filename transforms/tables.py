"""Every table gazette makes, once: what builds it from a batch, what hangs off an article,
what a package holds, what the loader reads and what the exports publish.

Packages (`warehouse/packages.py`), the loader (`warehouse/load.py`), the exports
(`warehouse/export.py`) and the tests read these lists instead of keeping their own, so a new
table is one entry here, one builder in `transforms/model.py` and one `create table` in
`warehouse/sql` (its columns and its key: `warehouse.keys.key_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from transforms import model
from transforms.article import Article
from transforms.records import FetchResult


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch hands the table builders: its records, its fetch attempts, and the
    archive rows of responses it kept without a fetch (ingested files)."""

    records: Sequence[Article]
    fetches: Sequence[FetchResult]
    run_id: str
    archived: Sequence[FetchResult] = ()


TableKind = Literal["dimension", "fact", "bridge", "raw", "quality"]
Builder = Callable[["Batch"], pl.DataFrame]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    kind: TableKind
    # a batch's rows of the table; None where the loader or the quality gate makes them
    build: Builder | None = None
    by_article: bool = False  # rows hang off one article row and are replaced with it
    # a dimension row stays in a package only while a row of this fact, by this key, uses it
    used_by: tuple[str, str] | None = None
    staged: bool = False  # one Parquet file in every staged package
    loaded: bool = False  # read from the packages by the loader
    exported: bool = False  # published to exports/ and delivered by `gazette sync`
    partitioned: bool = False  # exported in year=/month= folders

    def schema(self) -> pl.Schema:
        """The columns a batch writes: what the builder makes of an empty batch."""
        if self.build is None:
            raise ValueError(f"{self.name} is not built from a batch")
        return self.build(Batch([], [], "")).schema


def _records(builder: Callable[[Any, str], pl.DataFrame]) -> Callable[[Batch], pl.DataFrame]:
    return lambda batch: builder(batch.records, batch.run_id)


def _mart(name: str, kind: TableKind, build: Builder, **flags: Any) -> Table:
    """A table built from each batch, staged in its package, loaded and exported: most are."""
    return Table(name, kind, build, staged=True, loaded=True, exported=True, **flags)


_REGISTRY = (
    Table("dim_source", "dimension", exported=True),  # versioned by the loader from the config
    Table("dim_date", "dimension", exported=True),  # the loader fills the days between
    _mart(
        "dim_author",
        "dimension",
        _records(model.build_dim_author),
        used_by=("bridge_article_author", "author_key"),
    ),
    _mart("fact_article", "fact", _records(model.build_fact_article), partitioned=True),
    _mart(
        "bridge_article_author",
        "bridge",
        _records(model.build_bridge_article_author),
        by_article=True,
    ),
    _mart("fact_image_credit", "fact", _records(model.build_fact_image_credit), by_article=True),
    _mart("fact_fetch", "fact", lambda batch: model.build_fact_fetch(batch.fetches, batch.run_id)),
    Table("fact_article_edit", "fact", exported=True),  # the loader compares versions
    _mart(
        "dim_tag",
        "dimension",
        _records(model.build_dim_tag),
        used_by=("bridge_article_tag", "tag_key"),
    ),
    _mart(
        "bridge_article_tag", "bridge", _records(model.build_bridge_article_tag), by_article=True
    ),
    _mart(
        "dim_entity",
        "dimension",
        _records(model.build_dim_entity),
        used_by=("fact_entity_mention", "entity_key"),
    ),
    _mart(
        "fact_entity_mention",
        "fact",
        _records(model.build_fact_entity_mention),
        by_article=True,
        partitioned=True,
    ),
    _mart(
        "fact_quote", "fact", _records(model.build_fact_quote), by_article=True, partitioned=True
    ),
    _mart(
        "fact_count", "fact", _records(model.build_fact_count), by_article=True, partitioned=True
    ),
    Table(
        "raw_fetch",
        "raw",
        lambda batch: model.build_raw_fetch([*batch.fetches, *batch.archived], batch.run_id),
        staged=True,
        loaded=True,
    ),
    # the row gate's input and results (written by the staging pool and the gate)
    Table("gate", "quality", staged=True),
    Table("dq_result", "quality", staged=True),
    Table("quarantine", "quality", staged=True, loaded=True),  # what was held back, and why
)
TABLES: dict[str, Table] = {t.name: t for t in _REGISTRY}

PACKAGE_TABLES = tuple(t.name for t in _REGISTRY if t.staged)
STAGED = tuple(t.name for t in _REGISTRY if t.loaded)  # what the loader reads of a package
BUILT = tuple(t.name for t in _REGISTRY if t.build is not None)
DEPENDENTS = tuple(t.name for t in _REGISTRY if t.by_article)
DIMENSIONS_USED_BY = {t.name: t.used_by for t in _REGISTRY if t.used_by is not None}
MART_TABLES = tuple(t.name for t in _REGISTRY if t.exported)
PARTITIONED = tuple(t.name for t in _REGISTRY if t.partitioned)


def batch_tables(
    records: Sequence[Article],
    fetches: Sequence[FetchResult],
    run_id: str,
    archived: Sequence[FetchResult] = (),
) -> dict[str, pl.DataFrame]:
    """The rows of one batch for every table built from batches, keyed like the marts; the
    loader versions and links them. Two records of one article in the batch keep the last,
    for every table alike."""
    batch = Batch(
        list({model.record_key(r): r for r in records}.values()), fetches, run_id, archived
    )
    return {t.name: t.build(batch) for t in _REGISTRY if t.build is not None}
