"""The story fingerprint is trafilatura's SimHash bit for bit: fingerprints a warehouse already
holds must stay comparable with the ones computed now."""

from __future__ import annotations

import json

import pytest
from trafilatura.deduplication import content_fingerprint as trafilatura_fingerprint

from tests.conftest import SHARED
from transforms.fingerprint import content_fingerprint

TEXTS = [
    "",
    "one",
    "Harbour council votes to dredge the channel. " * 3,
    "Le conseil municipal a voté, mardi, la rénovation du port — « enfin », disent les pêcheurs.",
    "北京市政府周二宣布。上海的港口扩建工程将于明年开工。",  # no spaces: the punctuation split
    "Tokens repeat: storm storm storm, flood, storm! " * 30,
    "  \n\t  ",
    "a b c d e",  # shorter than every length threshold: all tokens are kept
]


@pytest.mark.parametrize("text", TEXTS)
def test_same_bits_as_trafilatura(text):
    assert content_fingerprint(text) == trafilatura_fingerprint(text)


def test_same_bits_as_trafilatura_on_real_articles():
    truths = sorted(SHARED.glob("corpus*/*/ground_truth.jsonl"))
    if not truths:
        pytest.skip("needs ../shared/corpus (real article texts)")
    texts = [json.loads(line)["text"] or "" for path in truths for line in path.open()]
    assert len(texts) > 100
    assert [content_fingerprint(t) for t in texts] == [trafilatura_fingerprint(t) for t in texts]
