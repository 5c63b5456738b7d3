"""A first pass that keeps a fragment of the article is run again with trafilatura's full
comparison. Shown on real pages of three sites (../shared/corpus-more) where `fast` kept
2-30 % of the article; the rule is structural (the share of the page's paragraph text),
not about these sites."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from tests.conftest import SHARED
from transforms.extract import COLLAPSE_SHARE, extract_article, paragraph_chars
from transforms.metadata import parse_html

MORE = SHARED / "corpus-more" / "wcxb-articles"
pytestmark = pytest.mark.skipif(
    not MORE.is_dir(), reason="needs ../shared/corpus-more (real pages, ground truth)"
)


def truth(url_part: str) -> tuple[bytes, dict]:
    for line in (MORE / "ground_truth.jsonl").read_text().splitlines():
        row = json.loads(line)
        if url_part in row["url"]:
            return gzip.decompress((MORE / row["file"]).read_bytes()), row
    raise LookupError(url_part)


def recall(text: str, want: str) -> float:
    got, wanted = set(text.lower().split()), want.lower().split()
    return sum(w in got for w in wanted) / len(wanted)


@pytest.mark.parametrize(
    "url_part",
    ["timeout.com/newyork/things-to-do/best-certificate", "creators.spotify.com", "houstoniamag"],
)
def test_a_collapsed_first_pass_is_run_again_with_the_comparison(url_part):
    html, row = truth(url_part)
    record = extract_article(html, row["url"], datetime.now(UTC))
    method, _, why = record.extraction_method.partition(": ")
    assert (method, why.startswith("first pass kept")) == ("trafilatura_full", True)
    assert recall(record.text, row["text"]) > 0.9


def test_the_collapse_share_is_measured_against_paragraph_text():
    tree = parse_html("<html><body><p>" + "word " * 100 + "</p><p>more</p></body></html>")
    assert paragraph_chars(tree) == len("word " * 100) + len("more")
    assert 0 < COLLAPSE_SHARE < 1
