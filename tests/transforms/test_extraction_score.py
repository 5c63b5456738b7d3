"""The score gate: on real pages with ground truth, gazette beats bare trafilatura."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

pytestmark = pytest.mark.skipif(
    not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus (real pages, ground truth)"
)


def load_bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "score_extraction.py"
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["score_extraction"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("corpus", ["corpus", "corpus-more"])
def test_gazette_is_not_worse_than_bare_trafilatura_on_a_slice(corpus):
    """A slice of each set: the development pages and 301 of other sites."""
    if not (SHARED / corpus).is_dir():
        pytest.skip(f"needs ../shared/{corpus}")
    bench = load_bench()
    pages = bench.load_pages(limit=12, corpus=SHARED / corpus)  # 12 pages of each dataset
    bare = bench.score(pages, bench.bare_extract).summary()
    ours = bench.score(pages, bench.gazette_extract).summary()
    for metric in ("text_f1", "title_exact", "date_day", "author"):
        assert ours[metric] >= bare[metric], (corpus, metric, ours[metric], bare[metric])
    assert ours["future_dates"] == 0


def test_scorer_counts_what_it_claims():
    bench = load_bench()
    assert bench.text_scores("a b c", "a b d")[2] == pytest.approx(2 / 3)
    assert bench.norm_title("It’s  here ") == "It's here"
    assert bench.authors_match(["Ana Ruiz", "Tom Lee"], "Ana Ruiz and Tom Lee")
    assert bench.authors_match(["Ana Ruiz"], "Ana Ruiz, CFP")
    assert not bench.authors_match(["Tom Lee"], "Ana Ruiz")
    assert not bench.authors_match([], "Ana Ruiz")
