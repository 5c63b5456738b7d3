"""Star-schema builders on tiny inputs: grain, keys, order."""

from datetime import UTC, date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from tests.builders import make_article
from transforms.article import Article
from transforms.keys import stable_key, stable_key_expr
from transforms.model import (
    article_key,
    build_bridge_article_author,
    build_dim_author,
    build_dim_date,
    build_fact_article,
)

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def record(url: str, authors: list[str], day: date | None = date(2026, 11, 4)) -> Article:
    return make_article(url, source_name="S", authors=tuple(authors), published_local_date=day)


def test_keys_are_stable_and_match_between_scalar_and_expression():
    assert stable_key("a", "b") == stable_key("a", "b")
    assert stable_key("a b", "c") != stable_key("a", "b c")
    frame = pl.DataFrame({"x": ["a"], "y": ["b"]}).select(k=stable_key_expr("x", "y"))
    assert frame.item() == stable_key("a", "b")


def test_dim_date_has_no_gaps_and_iso_attributes():
    frame = build_dim_date([date(2026, 11, 6), None, date(2026, 11, 9), date(2026, 11, 6)], "r")
    assert frame.get_column("date_key").to_list() == [20261106, 20261107, 20261108, 20261109]
    saturday = frame.filter(pl.col("date_key") == 20261107).row(0, named=True)
    assert (saturday["day_of_week"], saturday["is_weekend"], saturday["day_name"]) == (
        6,
        True,
        "Saturday",
    )
    assert build_dim_date([], "r").is_empty()


def test_authors_normalised_once_and_bridge_keeps_byline_order():
    records = [record("http://n/a", ["Ana Ruiz", "Tom  Lee"]), record("http://n/b", ["ana ruiz"])]
    authors = build_dim_author(records, "r")
    assert authors.height == 2
    bridge = build_bridge_article_author(records, "r")
    expected = pl.DataFrame(
        {
            "article_key": [article_key("http://n/a")] * 2 + [article_key("http://n/b")],
            "author_order": [1, 2, 1],
        },
        schema={"article_key": pl.String, "author_order": pl.Int16},
    )
    assert_frame_equal(bridge.select("article_key", "author_order"), expected)
    assert bridge.get_column("author_key")[0] == bridge.get_column("author_key")[2]


def test_fact_article_one_row_per_url_and_date_key():
    frame = build_fact_article(
        [record("http://n/a", []), record("http://n/a", []), record("http://n/b", [], None)], "r"
    )
    assert frame.height == 2
    assert frame.get_column("published_date_key").to_list() == [20261104, None]
    assert frame.get_column("run_id").unique().to_list() == ["r"]
