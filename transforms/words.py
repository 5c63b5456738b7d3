"""What a word is, for the word counts and for the quality gates that check them.

A word is a run of non-space characters, ASCII whitespace only: the extractor counts so,
and the gates recount the stored text the same way and must agree to the word.
"""

from __future__ import annotations

import re
from typing import Any

WORD_PATTERN = r"[^ \t\n\r\f\v]+"
_WORD = re.compile(WORD_PATTERN)


def count_words(text: str) -> int:
    """The words of one text."""
    return len(_WORD.findall(text))


def count_words_arrow(texts: Any) -> Any:
    """The words of each text of an Arrow array, as an Arrow int64 array (nulls stay null):
    a vectorised SQL function for DuckDB. DuckDB's own `regexp_extract_all` builds a list
    of strings per text to count them, 3.4 times the time over the warehouse's texts
    (bench/README.md, issue 38 item 6); polars counts the matches in Rust."""
    import polars as pl

    counted = pl.Series(values=texts).str.count_matches(WORD_PATTERN)
    return counted.cast(pl.Int64).to_arrow()
