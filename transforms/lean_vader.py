"""VADER's analyser, scoring a sentence with no emoji in it for a third of the work and to the
same compound score (held by tests against VADER's own `polarity_scores`).

VADER spends its time on the words its lexicon does not know (nine words in ten of news text),
and each known word lower-cases the whole sentence twice to look at its three neighbours (the
cost grows with the square of the sentence). Here an unknown word costs one lookup, and the
neighbour checks read the few words they need.
"""

from __future__ import annotations

import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    N_SCALAR,
    NEGATE,
    SentimentIntensityAnalyzer,
    allcap_differential,
    normalize,
)

_NEGATIONS = frozenset(NEGATE)


def _negation(word: str) -> bool:
    """VADER's `negated` of one lower-case word, without building its list of negations."""
    return word in _NEGATIONS or "n't" in word


class _Sentence:
    """What VADER's `sentiment_valence` reads of its `SentiText`."""

    __slots__ = ("is_cap_diff", "words_and_emoticons")

    def __init__(self, words: list[str]) -> None:
        self.words_and_emoticons = words
        self.is_cap_diff = allcap_differential(words)


class LeanAnalyser(SentimentIntensityAnalyzer):  # type: ignore[misc]
    def compound(self, sentence: str) -> float:
        """`polarity_scores(sentence)["compound"]` of a sentence without emoji."""
        words = []
        for word in sentence.split():  # VADER's tokens: punctuation cut off a word
            bare = word.strip(string.punctuation)
            words.append(word if len(bare) <= 2 else bare)
        lower = [w.lower() for w in words]
        lexicon = self.lexicon
        if lexicon.keys().isdisjoint(lower):
            return 0.0  # no word to score: every valence is 0
        sentiments: list[float] = []
        known = _Sentence(words)
        last = len(words) - 1
        for i, word in enumerate(lower):
            if (
                word not in lexicon
                or word in BOOSTER_DICT
                or (word == "kind" and i < last and lower[i + 1] == "of")
            ):
                sentiments.append(0)
            else:
                sentiments = self.sentiment_valence(0, known, words[i], i, sentiments)
        if "but" in lower:
            sentiments = self._but_check(words, sentiments)
        total = float(sum(sentiments))
        emphasis = self._punctuation_emphasis(sentence)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        return round(normalize(total), 4)

    def _negation_check(self, valence: float, words: list[str], start_i: int, i: int) -> float:
        """VADER's check of the word start_i + 1 before a known word, reading only the
        words it needs (VADER lower-cases the whole sentence for it, and builds its
        list of negations anew for each word). VADER calls it only for i > start_i."""
        w1 = words[i - 1].lower()
        if start_i == 0:
            return valence * N_SCALAR if _negation(w1) else valence
        w2 = words[i - 2].lower()
        if start_i == 1:
            if w2 == "never" and w1 in ("so", "this"):
                return valence * 1.25
            if w2 == "without" and w1 == "doubt":
                return valence
            return valence * N_SCALAR if _negation(w2) else valence
        w3 = words[i - 3].lower()
        if (w3 == "never" and w2 in ("so", "this")) or w1 in ("so", "this"):
            return valence * 1.25
        if w3 == "without" and "doubt" in (w2, w1):
            return valence
        return valence * N_SCALAR if _negation(w3) else valence

    # VADER's idiom check reads words i-3 to i+2 (VADER calls it only for i > 2) and
    # the sentence's length past i + 2: the same words, cut out, give the same answer
    def _special_idioms_check(self, valence: float, words: list[str], i: int) -> float:
        low = max(0, i - 3)
        return SentimentIntensityAnalyzer._special_idioms_check(
            valence, words[low : i + 3], i - low
        )
