"""Deterministic surrogate keys, so reruns and reprocessing produce the same keys."""

from __future__ import annotations

import hashlib

import polars as pl

_SEP = "\x1f"  # unit separator: cannot occur in URLs or names, so ("a b", "c") != ("a", "b c")


def stable_key(*parts: object) -> str:
    """An md5 hex digest of the natural key; never polars' hash, which changes between versions."""
    joined = _SEP.join("" if p is None else str(p) for p in parts)
    return hashlib.md5(joined.encode("utf-8"), usedforsecurity=False).hexdigest()


def stable_key_expr(*columns: str) -> pl.Expr:
    """`stable_key` over DataFrame columns (same digest as the scalar function)."""
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in columns], separator=_SEP
    ).map_elements(
        lambda s: hashlib.md5(s.encode("utf-8"), usedforsecurity=False).hexdigest(),
        return_dtype=pl.String,
    )


def date_key(year: int, month: int, day: int) -> int:
    """dim_date's key: yyyymmdd as an integer, readable in SQL and sortable."""
    return year * 10000 + month * 100 + day
