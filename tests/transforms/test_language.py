"""Language identification reads a bounded sample: its cost must not grow with the article,
and the sample must still carry the article's language."""

from __future__ import annotations

import pytest

from transforms.extract import DETECT_SAMPLE_CHARS, detect_language, language_sample

ARTICLES = {
    "en": "The harbour council voted on Tuesday to dredge the channel, which has silted up. ",
    "de": "Der Stadtrat hat am Dienstag beschlossen, die versandete Hafeneinfahrt auszubaggern. ",
    "fr": "Le conseil municipal a voté mardi le dragage du chenal, envasé depuis des années. ",
    "es": "El ayuntamiento aprobó el martes dragar el canal del puerto, lleno de arena. ",
}


@pytest.mark.parametrize("language", sorted(ARTICLES))
def test_a_long_article_is_identified_from_a_bounded_sample(language):
    text = ARTICLES[language] * 400  # about 33,000 characters
    assert len(language_sample(text)) <= DETECT_SAMPLE_CHARS + 1
    code, probability = detect_language(text)
    assert (code, probability > 0.9) == (language, True)


def test_the_sample_reaches_past_an_opening_in_another_language():
    """An English notice over a German article: the middle of the text is German."""
    notice = "Read this story in English: subscribe for the translation of our news. " * 30
    text = notice + ARTICLES["de"] * 200
    sample = language_sample(text)
    assert sample.startswith(notice[:100]) and "Hafeneinfahrt" in sample
    assert detect_language(text)[0] == "de"


def test_a_short_text_is_read_whole():
    text = ARTICLES["fr"] * 10
    assert language_sample(text) == text
