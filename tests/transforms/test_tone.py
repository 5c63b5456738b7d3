"""Tone from VADER's offline lexicon: sign, shares, and no score for non-English text."""

import pytest

from tests.conftest import SHARED, shared_pages
from transforms.tone import _analyser, _compound, article_tone, tone_sentences


def test_negative_and_positive_texts_get_the_right_sign():
    grim = article_tone("Five militants were killed in a deadly strike. Officials condemned it.")
    glad = article_tone("The festival was a wonderful success. Residents were delighted.", "en")
    assert grim["tone"] < -0.3 < 0.3 < glad["tone"]
    assert grim["negative_share"] > grim["positive_share"] == 0.0
    assert glad["positive_share"] > glad["negative_share"] == 0.0


def test_shares_are_fractions_of_the_words():
    result = article_tone("good bad table chair")
    assert (result["positive_share"], result["negative_share"]) == (0.25, 0.25)


def test_non_english_text_is_not_scored_with_an_english_lexicon():
    assert article_tone("Una fiesta maravillosa en la plaza", "es") == {
        "tone": None,
        "positive_share": None,
        "negative_share": None,
    }


def test_one_endless_line_is_scored_in_bounded_pieces(monkeypatch):
    """A hostile page whose text is one 200 KB line took VADER a minute (its cost is the
    square of a sentence's length): what it scores is now bounded, and the sign survives."""
    import transforms.tone as tone

    analyser = tone._analyser()
    seen: list[int] = []
    real = analyser.compound

    def counting(sentence: str) -> float:
        seen.append(len(sentence.split()))
        return real(sentence)

    monkeypatch.setattr(analyser, "compound", counting)
    line = " ".join(
        ["the", "deadly", "attack", "killed", "villagers", "in", "terrible", "fear"] * 5_000
    )
    result = article_tone(line, "en")
    assert max(seen) <= tone.MAX_SENTENCE_WORDS
    assert sum(seen) <= tone.MAX_SCORED_WORDS + tone.MAX_SENTENCE_WORDS
    assert result["tone"] < -0.3
    assert result["negative_share"] > 0.3


def test_an_ordinary_article_is_scored_sentence_by_sentence():
    text = "The storm destroyed homes. Volunteers were wonderful and generous."
    assert tone_sentences(text) == [
        "The storm destroyed homes.",
        "Volunteers were wonderful and generous.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Volunteers were wonderful and generous.",
        "The café's naïve owners were NOT happy, but the food was great!",
        "What a win 😁 for the team",  # an emoji VADER reads as words
        "😁",
    ],
)
def test_each_sentence_scores_as_vader_scores_it(sentence):
    """The emoji pass is skipped only where it could find no emoji: VADER's own score."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    expected = SentimentIntensityAnalyzer().polarity_scores(sentence)["compound"]
    assert article_tone(sentence, "en")["tone"] == round(expected, 4)
    assert expected != 0


# Each of VADER's rules, in a sentence that sets it off: negation one, two and three words
# before a known word ("not", "n't", "never so", "without doubt"), "no" before a known word,
# "least", "kind of", boosters and dampeners in capitals or not, idioms, "but", punctuation.
VADER_RULES = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Not bad at all",
    "It was never so good, and never this bad.",
    "Without doubt the result was good, without any doubt great.",
    "They did not really like it; he hardly ever was happy.",
    "I do not really truly love it, and we aren't ever so glad.",
    "There was no good answer and no hope, no or nor love.",
    "It was the least bad option, at least good, very least happy.",
    "The new phone is the bomb and the show was to die for, yeah right.",
    "That was the kiss of death for a bad ass beating heart at the bus stop.",
    "Really?? Truly??? Wonderful!!!!! Awful!!",
    "NO ONE was HAPPY but everyone was GREAT, but not so great.",
    "Sort of good, sorta bad, kind-of nice, just enough love.",
    "Good",
    "",
    "the the the",
]


@pytest.mark.parametrize("sentence", VADER_RULES)
def test_the_lean_analyser_scores_each_rule_as_vader_does(sentence):
    """The lean analyser skips the words VADER's lexicon does not know and reads only a
    known word's neighbours: each rule of VADER's must still give VADER's own score."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    expected = SentimentIntensityAnalyzer().polarity_scores(sentence)["compound"]
    analyser = _analyser()
    assert _compound(analyser, sentence) == expected
    assert (
        _compound(analyser, sentence.upper())
        == (SentimentIntensityAnalyzer().polarity_scores(sentence.upper())["compound"])
    )


def test_the_rule_sentences_are_not_all_neutral():
    """Not a vacuous comparison: most of the sentences above have a score."""
    scores = [_compound(_analyser(), s) for s in VADER_RULES]
    assert sum(score != 0 for score in scores) >= len(VADER_RULES) - 4


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus (real pages)")
def test_every_sentence_of_real_articles_scores_as_vader_scores_it():
    """The ground-truth texts of every third page of both sets, sentence by sentence."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    stock = SentimentIntensityAnalyzer()
    analyser = _analyser()
    checked = 0
    for record, _folder in shared_pages(every=3):
        for sentence in tone_sentences(record["text"] or ""):
            expected = stock.polarity_scores(sentence)["compound"]
            assert _compound(analyser, sentence) == expected, sentence
            checked += 1
    assert checked > 5_000
