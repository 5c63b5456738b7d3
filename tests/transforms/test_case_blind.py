"""Case-blind patterns run on the lower-cased text: the same places as case-blind matching."""

import re

import pytest

from transforms.case_blind import CaseBlind, lowered

PATTERN = re.compile(r"(?<![\w-])(?:posted|kelvin|strasse|istanbul)\b", re.IGNORECASE)
TEXTS = [
    "POSTED in Istanbul, posted again",  # ASCII: lower-cased
    "Straße and STRASSE, Posted",  # ß stays one letter: lower-cased
    "5 \u212aelvin, posted",  # the Kelvin sign lower-cases to k, as case-blind reads it
    "\u0130stanbul, Po\u017fted",  # İ and ſ: case-blind reads them as i and s, lower() does not
    "nothing here",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_same_places_as_a_case_blind_search(text: str) -> None:
    blind = CaseBlind(PATTERN)
    expected = [m.span() for m in PATTERN.finditer(text)]
    assert [m.span() for m in blind.finditer(text)] == expected
    first = blind.search(text)
    assert (first.span() if first else None) == (expected[0] if expected else None)


def test_texts_where_lowering_could_differ_are_not_lowered() -> None:
    assert lowered("Po\u017fted") is None and lowered("\u0130stanbul") is None
    assert lowered("Straße") == "straße" and lowered("POSTED") == "posted"
