"""Tone of an article from VADER's offline lexicon (it ships with the package).

`tone` is the mean VADER compound score of the article's sentences, in [-1, 1]; the shares
are the fractions of words that the lexicon scores positive or negative, in the spirit of
GDELT's tone, positive score and negative score.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_ANALYSER: Any = None
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# VADER's cost grows with the square of a sentence's length (each word looks at every word of
# its sentence): a page that is one 200 KB line took a minute. A "sentence" is cut into pieces
# of at most this many words (VADER's rules look three words back), and an article is scored
# on at most MAX_SCORED_WORDS words of sentences, spread over the whole text. Against all of
# the first 5,000 words, 2,000 agree at r = 0.995 (mean difference 0.006, the same sign class
# on 405 of 409 English pages of ../shared) for 0.9 ms a page less (bench/README.md, issue 20).
MAX_SENTENCE_WORDS = 100
MAX_SCORED_WORDS = 2_000


def tone_sentences(text: str) -> list[str]:
    """What VADER scores: the text's sentences, none longer than MAX_SENTENCE_WORDS words,
    and every k-th of them when the text holds more than MAX_SCORED_WORDS words."""
    pieces = []
    for sentence in _SENTENCES.split(text):
        words = sentence.split()
        for start in range(0, len(words), MAX_SENTENCE_WORDS):
            pieces.append(words[start : start + MAX_SENTENCE_WORDS])
    total = sum(len(p) for p in pieces)
    stride = -(-total // MAX_SCORED_WORDS) if total > MAX_SCORED_WORDS else 1
    return [" ".join(p) for p in pieces[::stride]]


_EMOJI_CHARS: frozenset[str] = frozenset()


def _analyser() -> Any:
    global _ANALYSER, _EMOJI_CHARS
    if _ANALYSER is None:
        from transforms.lean_vader import LeanAnalyser  # VADER imports requests: load late

        _ANALYSER = LeanAnalyser()
        # VADER compares one character at a time: only one-character emojis can match
        _EMOJI_CHARS = frozenset(e for e in _ANALYSER.emojis if len(e) == 1)
    return _ANALYSER


def _compound(analyser: Any, sentence: str) -> float:
    if sentence.isascii() or (
        _EMOJI_CHARS.isdisjoint(sentence) and sentence not in analyser.emojis
    ):
        return analyser.compound(sentence)
    return analyser.polarity_scores(sentence)["compound"]  # VADER reads its emoji as words


def article_tone(text: str, language: str | None = None) -> dict[str, float | None]:
    """tone, positive_share, negative_share; None for non-English text (the lexicon is
    English, and scoring other languages with it would be noise, not tone)."""
    if language not in (None, "en") or not text.strip():
        return {"tone": None, "positive_share": None, "negative_share": None}
    analyser = _analyser()
    scores = [_compound(analyser, s) for s in tone_sentences(text)]
    words = _WORDS.findall(text)
    lexicon = analyser.lexicon
    positive = negative = 0
    for word, count in Counter(words).items():  # a word once, however often it is used
        valence = lexicon.get(word.lower(), 0)
        if valence > 0:
            positive += count
        elif valence < 0:
            negative += count
    total = len(words) or 1
    return {
        "tone": round(sum(scores) / len(scores), 4) if scores else None,
        "positive_share": round(positive / total, 4),
        "negative_share": round(negative / total, 4),
    }
