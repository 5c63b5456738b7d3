"""Counts in the spirit of GDELT's: a number, what it counts, and the event it belongs to
("attacked 97 times", "five militants killed", "thousands displaced").

Dates, times, money, percentages, ages and measures are numbers but not counts, and are
skipped. English only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from transforms.case_blind import CaseBlind
from transforms.vocabulary import CountType

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# vague quantities: the lower bound, flagged approximate
_VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "millions": 2_000_000}
_WORD_NUMBER = (
    r"(?:a\s+dozen|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s]"
    r"(?:one|two|three|four|five|six|seven|eight|nine))?|zero|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
    r"eighteen|nineteen)"
)
_NUMBER = re.compile(
    r"(?<![\w€$£¥₹.,/:-])(?:(?P<digits>\d{1,3}(?:,\d{3}){1,4}|\d{1,12}(?:\.\d+)?)"
    rf"|(?P<words>{_WORD_NUMBER})|(?P<vague>dozens|scores|hundreds|thousands|millions))"
    r"(?:\s+(?P<scale>hundred|thousand|million|billion))?(?![\w%€$£/:-]|[.,]\d)",
    re.IGNORECASE,
)
_NUMBERS = CaseBlind(_NUMBER)  # found on the lower-cased text: twice as fast
_NOUN = re.compile(r"\s+(?:of\s+)?([a-z][a-z'-]*)", re.IGNORECASE)
_NOT_COUNTED = {
    "percent", "per", "cent", "pc", "km", "kilometres", "kilometers", "miles", "mile", "metres",
    "meters", "metre", "meter", "feet", "foot", "inches", "kg", "kilograms", "tonnes", "tons",
    "pounds", "euros", "dollars", "pence", "cents", "yen", "degrees", "am", "pm", "o'clock",
    "years", "year", "months", "month", "weeks", "week", "days", "day", "hours", "hour",
    "minutes", "minute", "seconds", "second", "decades", "decade", "centuries", "century",
    "hectares", "acres", "mph", "kmh", "litres", "liters", "gallons", "per-cent", "points",
    "goals", "nil", "minutes'", "bn", "m", "of", "to", "and", "or", "in", "on", "at", "for",
    "the", "a", "an", "by", "from", "with", "than", "more", "less", "out", "as",
    "centimetres", "centimeters", "millimetres", "millimeters", "yards", "crowns", "francs",
    "rupees", "pesos", "dinars", "riyals", "sizes", "seasons", "winters", "summers", "nights",
    "evenings", "mornings", "weekends", "times-", "trillion", "votes", "seats", "roubles",
    "rubles", "shekels", "yuan", "won", "lira", "naira", "rand", "krona", "kronor", "kroner",
    "mins", "hrs", "secs", "kms", "lbs", "ounces", "oz", "grams", "gigawatts", "megawatts",
    "kilowatts", "watts", "volts", "bytes", "gigabytes", "megabytes", "pixels", "calories",
    "bps", "knots", "storeys", "stories", "floors", "laps", "runs", "wickets", "sets",
}  # fmt: skip
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun",
           "jul", "aug", "sep", "sept", "oct", "nov", "dec"}  # fmt: skip
# GDELT-like count types -> their event words; the types are transforms.vocabulary's
EVENT_WORDS: dict[CountType, str] = {
    "KILL": "killed kill kills killing dead died die dies deaths death slain massacred "
    "executed bodies",
    "WOUND": "wounded injured injuring injuries hurt wounding maimed",
    "ARREST": "arrested arrests arrest detained detention detaining jailed imprisoned "
    "captured apprehended",
    "KIDNAP": "kidnapped abducted hostages hostage seized",
    "DISPLACE": "displaced evacuated fled homeless refugees evacuate displacing stranded forced",
    "ATTACK": "attack attacks attacked targeted struck strikes strike shelled fired "
    "bombed raids raided launched",
    "PROTEST": "protested protesters protest protests marched demonstrators rallied",
    "AFFECT": "affected missing rescued sick infected",
    "JOBS": "jobs job redundancies layoffs",
}
_EVENTS: dict[str, CountType] = {}
for _type, _words in EVENT_WORDS.items():
    for _word in _words.split():
        _EVENTS.setdefault(_word, _type)
# clause ends, but not the dots inside "U.S."
_CLAUSE_BREAK = re.compile(r"[;:!?\n]|(?<![\s.][A-Z])\.(?=\s|$)|,\s+(?:and|but|which|who)\b")
_BEFORE_BREAK = re.compile(r"[;:!?\n,]|(?<![\s.][A-Z])\.(?=\s|$)")


@dataclass(frozen=True, slots=True)
class Count:
    value: float
    is_approximate: bool
    counted: str
    verb: str | None
    count_type: CountType | None
    offset: int
    context: str

    def row(self) -> dict[str, Any]:
        """Its fact-table columns."""
        return {
            "count_value": self.value,
            "is_approximate": self.is_approximate,
            "counted": self.counted,
            "event_word": self.verb,
            "count_type": self.count_type,
            "char_offset": self.offset,
            "context": self.context,
        }


def _value(match: re.Match[str]) -> tuple[float, bool] | None:
    scale = _SCALES.get((match.group("scale") or "").lower(), 1)
    if match.group("digits"):
        return float(match.group("digits").replace(",", "")) * scale, False
    if match.group("vague"):
        return float(_VAGUE[match.group("vague").lower()]), True
    words = re.split(r"[-\s]+", match.group("words").lower())
    if words[:2] == ["a", "dozen"]:
        return 12.0 * scale, False
    return float(sum(_UNITS.get(w, 0) for w in words)) * scale, False


def _is_date_or_year(text: str, match: re.Match[str]) -> bool:
    digits = match.group("digits")
    before = text[max(0, match.start() - 12) : match.start()].lower().split()
    after = text[match.end() : match.end() + 12].lower().split()
    if before and before[-1].strip(",") in _MONTHS:
        return True
    if after and after[0].strip(",.") in _MONTHS:
        return True
    if digits and re.fullmatch(r"(1[89]|20)\d\d", digits) and before and before[-1] in _YEAR_CUES:
        return True  # "in 2023 prices rose", but "2000 troops" is a count
    if digits and re.fullmatch(r"\d{1,2}\.\d\d", digits):
        return True  # "at 10.30": a time of day
    return bool(before and before[-1] in {"no", "no.", "number", "page", "article", "section"})


_YEAR_CUES = {"in", "since", "by", "until", "from", "of", "to", "before", "after", "during",
              "early", "late", "mid", "between", "around", "circa", "c."}  # fmt: skip


def _event(words: list[str]) -> tuple[str | None, CountType | None]:
    for word in words:
        key = word.lower().strip(",'’\"")
        if key in _EVENTS:
            return key, _EVENTS[key]
    return None, None


_IRREGULAR_PLURALS = {"people", "men", "women", "children", "police", "staff", "cattle",
                      "sheep", "fish", "personnel", "crew", "livestock", "aircraft", "deer",
                      "troops", "youth", "clergy", "militia", "infantry"}  # fmt: skip
_NOT_NOUNS = {"us", "this", "his", "its", "was", "has", "is", "as", "thus", "less", "various",
              "previous", "serious", "famous", "dangerous", "numerous", "across",
              "plus"}  # fmt: skip


def _plural(word: str) -> bool:
    lowered = word.lower()
    if lowered in _IRREGULAR_PLURALS:
        return True
    return (
        lowered.endswith("s") and not lowered.endswith(("ss", "ous")) and lowered not in _NOT_NOUNS
    )


def find_counts(text: str) -> list[Count]:
    """Numbers that count something, with the counted noun and the event word nearby."""
    counts = []
    for match in _NUMBERS.finditer(text):
        if match.group("words") and match.group("words").lower() == "one":
            continue  # "one of the", "one day": almost never a count
        if _is_date_or_year(text, match):
            continue
        value = _value(match)
        if value is None or value[0] == 0:
            continue
        noun = _NOUN.match(text, match.end())
        if not noun:
            continue
        counted = noun.group(1)
        if counted.lower() in _NOT_COUNTED or text[match.end() : match.end() + 1] == "-":
            continue
        if not _plural(counted):
            continue  # "4,000 nautical miles", "three possible sites": not the thing counted
        window = max(0, match.start() - 300)  # a clause is never longer; keeps this linear
        breaks = [m.end() for m in _BEFORE_BREAK.finditer(text, window, match.start())]
        start = breaks[-1] if breaks else window
        limit = min(len(text), match.end() + 300)
        tail = _CLAUSE_BREAK.search(text, match.end(), limit)
        end = tail.start() if tail else limit
        after_words = text[noun.end() : end].split()[:6]
        before_words = text[start : match.start()].split()[-6:][::-1]
        # the counted word itself ("forty jobs"), the words right after it ("five militants
        # killed", "40 people fainted"), the clause before it ("attacked 97 times"), the rest
        verb, kind = _event([counted])
        for words in (after_words[:3], before_words, after_words[3:]):
            if verb is None:
                verb, kind = _event(words)
        counts.append(
            Count(
                value=value[0],
                is_approximate=value[1],
                counted=counted.lower(),
                verb=verb,
                count_type=kind,
                offset=match.start(),
                context=" ".join(text[start:end].split())[:300],
            )
        )
    return counts
