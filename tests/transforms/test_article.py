"""One typed article for both extractors: every field set by each, none misspelt, and the
fact_article columns read off its fields."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from flows.staging.extract import extract_one
from tests.builders import make_article
from transforms.article import ARTICLE_COLUMNS, Article
from transforms.model import FACT_ARTICLE_SCHEMA, build_fact_article

NOW = datetime(2026, 11, 26, tzinfo=UTC)
PAGE = (
    b"<html lang='en'><head><title>Ferry fares rise | Herald</title>"
    b"<meta name='robots' content='noarchive'></head><body><article><h1>Ferry fares rise</h1>"
    + b"<p>The council raised ferry fares by ten percent on Monday after a long debate.</p>" * 8
    + b"</article></body></html>"
)
TEXT = b"date 2026-11-04\n\n" + b"The council raised ferry fares on Monday after a debate.\n" * 8


def extracted(body: bytes, content_type: str) -> Article:
    item = (
        body,
        "https://herald.test/fares",
        NOW,
        None,
        "Herald",
        content_type,
        None,
        {},
        "allowed",
    )
    result = extract_one(item)
    assert isinstance(result, Article), result
    return result


def test_both_extractors_fill_the_rights_and_tags_of_the_article():
    """A plain-text document (the seed's form) used to leave the rights columns and the tags
    out of its record, so they loaded as nulls whatever the fetch said."""
    for body, content_type in ((PAGE, "text/html"), (TEXT, "text/plain; charset=utf-8")):
        found = extracted(body, content_type)
        assert found.robots_decision == "allowed", content_type
        assert found.tags == () or all(len(t) == 2 for t in found.tags)
    assert extracted(PAGE, "text/html").robots_directives == "noarchive"


def test_an_article_missing_a_field_or_with_a_misspelt_one_is_an_error():
    whole = dataclasses.asdict(make_article("https://herald.test/a"))
    del whole["enrichment"]
    Article(**{**whole, "image_credits": (), "tags": ()})  # every field: fine
    with pytest.raises(TypeError, match="license_url"):
        Article(**{k: v for k, v in whole.items() if k != "license_url"})
    with pytest.raises(TypeError, match="titel"):
        Article(**{**whole, "titel": "Ferry fares rise"})


def test_fact_article_columns_are_the_articles_typed_fields_and_the_load_keys():
    names = {f.name for f in dataclasses.fields(Article)}
    assert set(ARTICLE_COLUMNS) <= names
    derived = set(FACT_ARTICLE_SCHEMA) - set(ARTICLE_COLUMNS)
    assert derived == {
        "article_key",
        "version",
        "valid_from",
        "valid_to",
        "is_current",
        "story_key",
        "is_first_in_story",
        "source_key",
        "published_date_key",
        "run_id",
    }
    row = build_fact_article([extracted(PAGE, "text/html")], "r1").row(0, named=True)
    assert row["title"] == "Ferry fares rise" and row["robots_directives"] == "noarchive"
