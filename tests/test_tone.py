"""Tone from VADER's offline lexicon: sign, shares, and no score for non-English text."""

from transforms.tone import article_tone


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
