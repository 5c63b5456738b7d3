"""Tone of an article from VADER's offline lexicon (it ships with the package).

`tone` is the mean VADER compound score of the article's sentences, in [-1, 1]; the shares
are the fractions of words that the lexicon scores positive or negative, in the spirit of
GDELT's tone, positive score and negative score.
"""

from __future__ import annotations

import re
from typing import Any

_ANALYSER: Any = None
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _analyser() -> Any:
    global _ANALYSER
    if _ANALYSER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _ANALYSER = SentimentIntensityAnalyzer()
    return _ANALYSER


def article_tone(text: str, language: str | None = None) -> dict[str, float | None]:
    """tone, positive_share, negative_share; None for non-English text (the lexicon is
    English, and scoring other languages with it would be noise, not tone)."""
    if language not in (None, "en") or not text.strip():
        return {"tone": None, "positive_share": None, "negative_share": None}
    analyser = _analyser()
    sentences = [s for s in _SENTENCES.split(text) if s.strip()]
    scores = [analyser.polarity_scores(s)["compound"] for s in sentences]
    words = [w.lower() for w in _WORDS.findall(text)]
    lexicon = analyser.lexicon
    positive = sum(1 for w in words if lexicon.get(w, 0) > 0)
    negative = sum(1 for w in words if lexicon.get(w, 0) < 0)
    total = len(words) or 1
    return {
        "tone": round(sum(scores) / len(scores), 4) if scores else None,
        "positive_share": round(positive / total, 4),
        "negative_share": round(negative / total, 4),
    }
