"""Tone from VADER's offline lexicon: sign, shares, and no score for non-English text."""

import pytest

from transforms.tone import article_tone, tone_sentences


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
    real = analyser.polarity_scores

    def counting(sentence: str) -> dict:
        seen.append(len(sentence.split()))
        return real(sentence)

    monkeypatch.setattr(analyser, "polarity_scores", counting)
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
