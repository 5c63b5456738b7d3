"""Who and where: people, organisations, places and groups named in an article's text.

Two steps. A recogniser finds mentions (offsets and a type); the default one is rules over
capitalised phrases plus the gazetteer, with no model to download, and any object with the
same `recognise` method can replace it (see `load_recogniser`). Then `resolve_entities` turns
mentions into entities, whatever recognised them: variants fold into one canonical name
("U.S.", "American" -> United States; "Al-Sudani" -> Mohammed Shia al-Sudani), places get an
ISO country code and, for cities, coordinates, using the article's other places to choose
between cities of the same name. What cannot be resolved is kept with its name, not guessed.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from transforms.gazetteer import MAX_NAME_TOKENS, Entry, Place, fold, gazetteer
from transforms.keys import stable_key
from transforms.known_entities import CIVIC_SUFFIXES, ORG_PREFIXES, ORG_SUFFIXES, PERSON_TITLES
from transforms.mentions import Mention, Recogniser
from transforms.vocabulary import ENTITY_TYPES

_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+(?:['’][^\W_]+)*|&")
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")  # the words kept between the gaps
_CONNECTORS = {"of", "al", "el", "bin", "ibn", "bint", "abu", "de", "da", "del", "van", "von",
               "der", "du", "la", "le", "di", "&"}  # fmt: skip
_NAME_PARTICLES = {"al", "el", "bin", "ibn", "bint", "abu", "de", "da", "del", "van", "von",
                   "der", "du", "la", "le", "di"}  # fmt: skip
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "lt", "col",
                  "capt", "sgt", "prof", "jr", "sr", "no"}  # fmt: skip
_CALENDAR = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "christmas", "easter", "ramadan", "eid",
}  # fmt: skip
# Capitalised because they start a sentence, not because they name anything.
_STOP_CAPS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "or", "it", "its", "this", "that",
    "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our",
    "my", "your", "after", "before", "when", "while", "if", "as", "for", "from", "with",
    "without", "by", "to", "of", "some", "many", "most", "more", "last", "next", "every",
    "each", "according", "speaking", "meanwhile", "however", "also", "although", "despite",
    "during", "since", "until", "under", "over", "among", "around", "about", "half", "part",
    "there", "here", "what", "who", "why", "how", "where", "which", "all", "both", "one",
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "no", "not",
    "so", "yet", "then", "now", "once", "other", "another", "such", "only", "even", "just",
    "still", "we're", "it's", "i'm", "don't", "can't", "let", "yes", "thanks", "sir", "madam",
    "el", "la", "los", "las", "un", "una", "en", "y", "del", "por", "para", "con",
}  # fmt: skip
_ACRONYM_STOP = {"CEO", "TV", "GMT", "AM", "PM", "ID", "OK", "PDF", "FAQ", "DJ", "MP", "MPS",
                 "AD", "BC", "UTC", "VAT", "GDP", "COVID", "II", "III", "IV", "HQ", "PR", "CV",
                 "DIY", "FM", "UFO", "VIP", "RIP", "ASAP", "LED", "USB", "IT", "AI"}  # fmt: skip
_LOCATION_SUFFIXES = {
    "street", "road", "avenue", "lane", "square", "park", "bridge", "river", "island",
    "islands", "bay", "harbour", "harbor", "quay", "green", "hill", "hills", "valley",
    "estuary", "sea", "ocean", "point", "cross", "channel", "coast", "mountains", "mountain",
    "lake", "forest", "county", "province", "district", "region", "estate", "ward",
    "peninsula", "strait", "gulf", "heights", "village", "town", "city", "port", "station",
    "airport", "beach", "field", "fields", "moor", "marsh", "wood", "woods", "weir", "ground",
}  # fmt: skip
# before a name of several words, these make it a place; "from", "to", "through" do not
# ("a penalty from Connor Haigh")
_AREA_PREPOSITIONS = {"in", "near", "off", "outside", "across", "throughout", "inside",
                      "around", "towards", "toward"}  # fmt: skip
# words before a title that say when or how, not whose: "Former President Barack Obama"
_TITLE_MODIFIERS = {"former", "acting", "outgoing", "incoming", "then", "late", "interim",
                    "deputy", "yesterday", "today", "tomorrow", "meanwhile", "also", "new",
                    "ex", "current", "newly", "elected", "veteran", "retired", "fellow",
                    "senior", "junior", "assistant", "associate", "vice", "co", "lead",
                    "first", "second", "the", "a", "an", "and", "but", "when", "after",
                    "as", "so", "now", "earlier", "later", "on", "last", "next"}  # fmt: skip
_FEATURES = {"river", "lake", "valley", "mount", "sea", "bay", "estuary", "island", "forest",
             "glacier", "desert", "strait", "gulf", "peninsula", "canal", "creek"}  # fmt: skip
_PLACE_PREFIXES = {"st", "saint", "mount", "fort", "cape", "lake", "port", "lower", "upper"}
_VENUES = {"hall", "church", "chapel", "cathedral", "abbey", "stadium", "arena", "centre",
           "center", "theatre", "theater", "cinema", "palace", "castle", "tower", "market",
           "farm", "mill", "pier", "terrace", "gardens", "house", "exchange", "gate",
           "capitol", "bridge", "monument", "memorial", "cemetery", "plaza"}  # fmt: skip
_PLACE_NOUNS = {"town", "city", "village", "island", "port", "region", "province", "county",
                "district", "valley", "river", "estuary", "coast", "bay", "harbour", "harbor",
                "ward", "estate", "suburb", "neighbourhood", "neighborhood", "state", "capital",
                "border", "area", "channel", "lake", "mountains", "peninsula", "green"}  # fmt: skip
_DIRECTIONS = {"northern", "southern", "eastern", "western", "central", "north", "south",
               "east", "west", "northeastern", "northwestern", "southeastern", "southwestern",
               "downtown", "rural", "coastal", "occupied"}  # fmt: skip
_ORG_NOUNS = {"charity", "group", "company", "firm", "start-up", "startup", "club", "band",
              "party", "union", "shipbuilder", "operator", "retailer", "supermarket", "chain",
              "brand", "cooperative", "co-operative", "trust", "carrier", "airline", "bank",
              "broadcaster", "newspaper", "outlet", "agency", "insurer", "developer", "builder",
              "manufacturer", "maker", "lender", "organisation", "organization",
              "campaign", "network", "side", "team", "rivals", "publisher", "label"}  # fmt: skip
_APPOSITIVE = {"who", "whose", "a", "an", "the", "leader", "director", "chief", "head",
               "chair", "chairman", "chairwoman", "founder", "owner", "manager", "spokesperson",
               "spokesman", "spokeswoman", "president", "secretary", "minister", "mayor",
               "professor", "author", "aged"}  # fmt: skip
_EVENT_SUFFIXES = {"festival", "regatta", "cup", "championship", "championships", "games",
                   "olympics", "marathon", "war", "summit", "conference", "award", "awards",
                   "prize", "day", "week", "fair", "show", "exhibition", "election", "trophy",
                   "derby", "open", "series", "tour", "race"}  # fmt: skip
_LOCATIVE = {"in", "at", "near", "from", "outside", "across", "around", "towards", "toward",
             "into", "via", "off", "inside", "through", "throughout", "between", "en",
             "to"}  # fmt: skip
REPORTING_VERBS = {"said", "says", "told", "added", "warned", "stated", "declared", "insisted",
                   "noted", "explained", "claimed", "argued", "announced", "reported",
                   "confirmed", "denied", "acknowledged", "admitted", "urged",
                   "cautioned"}  # fmt: skip
SPEECH_VERBS = {"said", "says", "say", "told", "tells", "added", "adds", "warned", "warns",
                "stated", "states", "asked", "asks", "declared", "declares", "insisted",
                "insists", "noted", "notes", "explained", "explains", "wrote", "writes",
                "claimed", "claims", "argued", "argues", "announced", "announces", "reported",
                "reports", "confirmed", "confirms", "denied", "denies", "acknowledged",
                "admitted", "urged", "urges", "cautioned", "responded", "replied", "recalled",
                "remembered", "agreed", "believes", "thinks", "described", "called"}  # fmt: skip


# A token is a word with what the rules ask of it, a plain tuple made by zip() over columns
# built whole (a page has thousands: a NamedTuple made one at a time cost a third of the
# recogniser's time). Its fields, by position:
_Token = tuple[int, int, str, str, bool, bool, bool]
_START, _END, _TEXT, _KEY, _CAP, _OPENS, _POSSESSIVE = range(7)  # _OPENS: starts a sentence
_SENTENCE_END = frozenset(".!?:;")


def _tokens(text: str) -> list[_Token]:
    """Every word of the text as a token. The text is split once into gaps and words; the
    columns are made whole, and only the few words that need it are looked at one by one:
    a possessive ("Tanner's", "Traders'"), or a gap other than one space (a sentence may
    start after it)."""
    parts = _TOKEN_SPLIT.split(text)  # gap, word, gap, word, ..., gap
    words = parts[1::2]
    if not words:
        return []
    gaps = parts[0::2]
    offsets = list(accumulate(map(len, parts)))
    starts, ends = offsets[0:-1:2], offsets[1::2]  # a word starts where its gap ends
    folded = {word: fold(word) for word in set(words)}
    keys = [folded[word] for word in words]
    caps = [word[:1].isupper() for word in words]
    possessive = [False] * len(words)
    for i in [i for i, word in enumerate(words) if word[-1] == "s"]:
        word = words[i]
        if word[-2:] in ("'s", "’s") and len(word) > 2:
            words[i] = bare = word[:-2]
            ends[i] -= 2
            keys[i] = fold(bare)
            caps[i] = bare[:1].isupper()
            possessive[i] = True
        elif gaps[i + 1][:1] in ("'", "’"):
            possessive[i] = True  # plural possessive: "Traders'"
    opens = [gap != " " for gap in gaps[: len(words)]]
    for i in [i for i, odd in enumerate(opens) if odd and i]:
        gap = gaps[i]
        bare = gap.strip(" \t\"'“”‘’()[]")
        opens[i] = (
            "\n" in gap
            or "“" in gap
            or "‘" in gap
            or '"' in gap
            or (bare[-1:] in _SENTENCE_END and keys[i - 1] not in _ABBREVIATIONS)
            or (gap.strip().startswith("'") and bare == "")
        )
    opens[0] = True
    return list(zip(starts, ends, words, keys, caps, opens, possessive, strict=True))


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Whether two tokens can sit in one name: a space or a hyphen between them, or the dot
    of an abbreviated title ("Dr. Imogen Sallis")."""
    gap = text[left[_END] : right[_START]]
    if left[_POSSESSIVE]:
        # "St Aldhelm's Church", "Tanner's Weir", "Quayside Traders' Association"
        return gap in ("'s ", "’s ", "' ", "’ ") and (
            right[_KEY] in ORG_SUFFIXES
            or right[_KEY] in _LOCATION_SUFFIXES
            or right[_KEY] in _VENUES
        )
    if gap in (" ", "-", "‐"):
        return True
    return gap == ". " and left[_KEY] in _ABBREVIATIONS


def _is_name_token(token: _Token) -> bool:
    return token[_CAP] and token[_KEY] not in _CALENDAR and not token[_TEXT].isdigit()


def _spans(text: str, tokens: list[_Token]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised tokens, with the lower-case particles names carry
    ("Secretary of State", "al-Sudani")."""
    spans: list[tuple[int, int]] = []
    n = len(tokens)
    end = 0  # the tokens before it are in a span already
    # a run can start only at a name or at "al"/"el": the other words are skipped unread
    for i in [i for i, t in enumerate(tokens) if t[_CAP] or t[_KEY] in ("al", "el")]:
        if i < end:
            continue
        token = tokens[i]
        starts = _is_name_token(token) or (
            token[_KEY] in {"al", "el"}
            and i + 1 < n
            and text[token[_END] : tokens[i + 1][_START]] == "-"
            and _is_name_token(tokens[i + 1])
        )
        if not starts:
            continue
        j = i + 1
        while j < n and _joined(text, tokens[j - 1], tokens[j]):
            nxt = tokens[j]
            if tokens[j - 1][_POSSESSIVE] and (
                j + 1 < n and _joined(text, nxt, tokens[j + 1]) and _is_name_token(tokens[j + 1])
            ):
                break  # "Halvik's Harbour Square" is two names, "Tanner's Weir" one
            if _is_name_token(nxt):
                j += 1
                continue
            k = j  # a chain of particles before a name: "von der Leyen", "de la Cruz"
            while (
                k < n
                and tokens[k][_KEY] in _CONNECTORS
                and k + 1 < n
                and (_joined(text, tokens[k], tokens[k + 1]))
            ):
                k += 1
            if k > j and k < n and _is_name_token(tokens[k]) and k - j <= 2:
                j = k + 1
                continue
            if (  # "Food and Drug Administration": kept whole only if it ends as an org
                nxt[_KEY] == "and"
                and j + 1 < n
                and _joined(text, nxt, tokens[j + 1])
                and _is_name_token(tokens[j + 1])
            ):
                j += 2
                continue
            if (  # "Friends of the Sorrel Meadows"
                nxt[_KEY] == "of"
                and j + 2 < n
                and tokens[j + 1][_KEY] == "the"
                and not tokens[j + 1][_CAP]
                and _joined(text, nxt, tokens[j + 1])
                and _joined(text, tokens[j + 1], tokens[j + 2])
                and _is_name_token(tokens[j + 2])
                and tokens[i][_KEY] in ORG_PREFIXES
            ):
                j += 3
                continue
            break
        spans.append((i, j))
        end = j
    return spans


def _accepts(entry: Entry, surface: str) -> bool:
    if entry.case == "exact":
        return re.sub(r"[^A-Za-z]", "", surface) == re.sub(r"[^A-Za-z]", "", entry.surface)
    if entry.case == "title":
        # "al-Nujaba" is written with a small particle; the name after it is capitalised
        return re.sub(r"^(?:al|el)[-\s]", "", surface)[:1].isupper()
    return True


_TITLE_FIRST_WORDS = frozenset(title.split(" ")[0] for title in PERSON_TITLES)
_KIND_ORDER = {"org": 0, "country": 1, "region": 2, "state": 3, "demonym": 4, "group": 5}


def _lookup(key: str, surface: str, allow_city: bool) -> Entry | None:
    entries = gazetteer().lookup(key)
    if not entries:
        return None  # most words and runs of words name nothing: no list made for them
    found = [e for e in entries if _accepts(e, surface)]
    if not allow_city:
        found = [e for e in found if e.kind != "city"]
    if not found:
        return None
    return min(found, key=lambda e: _KIND_ORDER.get(e.kind, 9))


def _org_shaped(tokens: list[_Token], i: int, j: int) -> bool:
    """An organisation by its words: "... Council", "Ministry of ...", "Massachusetts
    Institute of Technology"."""
    if tokens[j - 1][_KEY] in ORG_SUFFIXES:
        return True
    return any(
        tokens[k][_KEY] in ORG_PREFIXES and tokens[k + 1][_KEY] == "of" and tokens[k][_CAP]
        for k in range(i, j - 2)
    )


def _title_length(tokens: list[_Token], i: int, j: int) -> int:
    """How many tokens from i form a person's title ("Secretary of State")."""
    if tokens[i][_KEY] not in _TITLE_FIRST_WORDS:
        return 0  # most words start no title: no phrase joined for them
    for n in range(min(4, j - i), 0, -1):
        if " ".join(t[_KEY] for t in tokens[i : i + n]) in PERSON_TITLES:
            return n
    return 0


class RuleRecogniser:
    """Capitalised phrases classified by the gazetteer, titles, organisation and place
    words, speech verbs and prepositions. English cues; names in other Latin-script
    languages are still found by the gazetteer and capitalisation."""

    name = "rules"

    def recognise(self, text: str, language: str | None = None) -> list[Mention]:
        tokens = _tokens(text)
        mentions: list[Mention] = []
        unknown: list[tuple[int, int]] = []
        covered: set[int] = set()
        for i, j in _spans(text, tokens):
            covered.update(range(i, j))
            self._span(text, tokens, i, j, mentions, unknown)
        # names reporters write in lower case ("a pentagon official"); a word is looked up
        # once per text
        seen: dict[tuple[str, str], Entry | None] = {}
        any_case = gazetteer().any_case
        for i, token in enumerate(tokens):
            if token[_CAP] or token[_KEY] not in any_case or i in covered:
                continue
            word = (token[_KEY], token[_TEXT])
            if word in seen:
                entry = seen[word]
            else:
                entry = seen[word] = _lookup(token[_KEY], token[_TEXT], allow_city=False)
            if entry is not None and entry.case == "any":
                mentions.append(
                    Mention(token[_START], token[_END], token[_TEXT], entry.entity_type, entry)
                )
        mentions.extend(self._second_pass(text, tokens, mentions, unknown))
        return sorted(mentions, key=lambda m: m.start)

    def _span(
        self,
        text: str,
        tokens: list[_Token],
        i: int,
        j: int,
        mentions: list[Mention],
        unknown: list[tuple[int, int]],
    ) -> None:
        while i < j and (
            tokens[i][_KEY] in _STOP_CAPS or tokens[i][_KEY] in _CONNECTORS - {"al", "el"}
        ):
            i += 1
        if i >= j:
            return

        def emit(a: int, b: int, kind: str, entry: Entry | None = None) -> None:
            start, end = tokens[a][_START], tokens[b - 1][_END]
            mentions.append(Mention(start, end, text[start:end], kind, entry))

        surface = text[tokens[i][_START] : tokens[j - 1][_END]]
        ands = [k for k in range(i + 1, j - 1) if tokens[k][_KEY] == "and"]
        if ands and not _org_shaped(tokens, i, j):
            # "Iraq and Syria", "Darfur and Kordofan": names side by side, not one name
            for a, b in zip([i, *(k + 1 for k in ands)], [*ands, j], strict=True):
                self._span(text, tokens, a, b, mentions, unknown)
            return
        whole = _lookup(" ".join(t[_KEY] for t in tokens[i:j]), surface, allow_city=True)
        if whole is not None:
            emit(i, j, whole.entity_type, whole)
            return
        if j - i >= 2 and _org_shaped(tokens, i, j):
            if _title_length(tokens, i, j) < j - i:
                emit(i, j, "ORG")
            return
        if j - i >= 2 and tokens[i][_KEY] in _DIRECTIONS:
            rest = _lookup(" ".join(t[_KEY] for t in tokens[i + 1 : j]), surface, allow_city=False)
            if rest is not None and rest.kind in ("country", "region", "state"):
                emit(i, j, "LOCATION")  # "East Africa", "Western Australia"
                return
        pos = i
        run_start = None
        while pos < j:
            title = _title_length(tokens, pos, j)
            if title and pos + title < j and tokens[pos + title][_KEY] == "of":
                # "The President of France": a title of a place or body, not a person
                if run_start is not None:
                    unknown.append((run_start, pos))
                    run_start = None
                pos += title + 1
                continue
            if title and pos + title < j:
                if run_start is not None:
                    if any(t[_KEY] not in _TITLE_MODIFIERS for t in tokens[run_start:pos]):
                        # "Bundesbank President Joachim Nagel": whose president it is
                        emit(run_start, pos, "ORG")
                    run_start = None
                emit(pos + title, j, "PERSON")
                return
            if title:  # a bare title ("The Prime Minister said") names nobody
                pos += title
                continue
            entry = None
            # a city inside a longer name only after "of" ("Residents of Paris"), never as a
            # word of the name itself ("Paris City Council", "Michael Jackson")
            city_ok = pos > i and tokens[pos - 1][_KEY] == "of"
            words = [t[_KEY] for t in tokens[pos : pos + min(MAX_NAME_TOKENS, j - pos)]]
            for n in range(len(words), 0, -1):
                key = " ".join(words[:n])
                part = text[tokens[pos][_START] : tokens[pos + n - 1][_END]]
                entry = _lookup(key, part, allow_city=city_ok)
                if entry is not None:
                    break
            if (
                entry is not None
                and pos == i
                and entry.kind in ("country", "state")
                and pos + n < j
                and _lookup(tokens[pos + n][_KEY], tokens[pos + n][_TEXT], allow_city=False) is None
                and not _title_length(tokens, pos + n, j)
                and tokens[pos + n][_KEY] not in _CONNECTORS
            ):
                entry = None  # "Jordan Henderson", "Virginia Woolf": a first name
                run_start = pos
                pos = j
                continue
            if entry is not None:
                if run_start is not None:
                    unknown.append((run_start, pos))
                    run_start = None
                emit(pos, pos + n, entry.entity_type, entry)
                pos += n
                continue
            if run_start is None:
                run_start = pos
            pos += 1
        if run_start is not None:
            unknown.append((run_start, j))

    def _classify(self, text: str, tokens: list[_Token], i: int, j: int) -> str | None:
        """A capitalised run the gazetteer does not know: what the words around it say."""
        words = tokens[i:j]
        last = words[-1][_KEY]
        opened_with_the = i > 0 and tokens[i - 1][_KEY] == "the" and tokens[i - 1][_CAP]
        if last in _EVENT_SUFFIXES:
            return None
        if len(words) >= 2 and (last in ORG_SUFFIXES or any(t[_TEXT] == "&" for t in words)):
            return "ORG"
        if len(words) >= 2 and (
            last in _LOCATION_SUFFIXES or last in _VENUES or words[0][_KEY] in _PLACE_PREFIXES
        ):
            return "LOCATION"  # "Old Market Street", "St Aldhelm", "Mount Sinjar"
        if len(words) == 1 and words[0][_TEXT].isupper() and 2 <= len(words[0][_TEXT]) <= 6:
            return None if words[0][_TEXT] in _ACRONYM_STOP else "ORG"
        # words before a run count only within its sentence
        before = tokens[i - 1] if i > 0 and not words[0][_OPENS] else None
        before2 = tokens[i - 2] if i > 1 and before is not None else None
        after = tokens[j] if j < len(tokens) else None
        gap_after = text[words[-1][_END] : after[_START]] if after is not None else ""
        if after is not None and after[_TEXT].isdigit() and gap_after == " ":
            return None  # "Line 3", "Route 42": a product or a route, not a name
        if before is not None and not before[_CAP]:
            if before[_KEY] in PERSON_TITLES:
                return "PERSON"
            if before[_KEY] in _ORG_NOUNS:
                return "ORG"
            if before[_KEY] in _DIRECTIONS or before[_KEY] in _LOCATION_SUFFIXES:
                return "LOCATION"  # "southern Karsten", "the river Orsa"
            if before[_KEY] == "of" and before2 is not None and before2[_KEY] in _PLACE_NOUNS:
                return "LOCATION"  # "the border town of Ostra-Vessa"
        if after is not None and not after[_CAP] and gap_after == " ":
            if after[_KEY] in _PLACE_NOUNS or after[_KEY] in _VENUES:
                return "LOCATION"  # "the Vessa valley", "the Palladium cinema"
            if after[_KEY] == "based":
                return "LOCATION"
        if opened_with_the:
            return None  # "The Salt Year": a work or an outfit, not a person
        if 2 <= len(words) <= 4:
            if after is not None and after[_KEY] in SPEECH_VERBS:
                return "PERSON"
            if before is not None and before[_KEY] in SPEECH_VERBS:
                return "PERSON"
            if (
                gap_after.startswith(",")
                and after is not None
                and (
                    after[_KEY] in _APPOSITIVE
                    or (after[_TEXT].isdigit() and len(after[_TEXT]) <= 3)
                )
            ):
                return "PERSON"  # "Len Hargreaves, who has lived ...", "Tom Letourneau, 61,"
            if before is not None and before[_KEY] in _AREA_PREPOSITIONS and not before[_CAP]:
                return "LOCATION"  # "off Nova Scotia", "in New Brunswick"
        if (
            after is not None
            and not after[_CAP]
            and after[_KEY] in PERSON_TITLES
            and j + 1 < len(tokens)
            and tokens[j + 1][_CAP]
        ):
            return "ORG"  # "World Athletics president Sebastian Coe": whose president
        if (
            len(words) == 1
            and before is not None
            and before[_KEY] in _LOCATIVE
            and not before[_CAP]
        ):
            return "LOCATION"
        if 2 <= len(words) <= 3 and not words[0][_OPENS]:
            return "PERSON"
        return None

    def _second_pass(
        self,
        text: str,
        tokens: list[_Token],
        mentions: list[Mention],
        unknown: list[tuple[int, int]],
    ) -> list[Mention]:
        """Runs no rule could type on their own, read against what the article named
        elsewhere: a surname, a place already seen, an organisation's short name."""
        typed: list[tuple[int, int, str]] = []
        pending = []
        for i, j in unknown:
            kind = self._classify(text, tokens, i, j)
            if kind is None:
                pending.append((i, j))
            else:
                typed.append((i, j, kind))
        names: dict[str, dict[str, str]] = {"PERSON": {}, "LOCATION": {}, "ORG": {}, "ORG_HEAD": {}}
        for mention in [*mentions, *(self._as_mention(text, tokens, t) for t in typed)]:
            parts = [fold(p) for p in _TOKEN.findall(mention.surface)]
            if not parts:
                continue
            if mention.entity_type == "PERSON":
                for key in _surname_keys(parts):
                    names["PERSON"][key] = mention.entity_type
            elif mention.entity_type == "LOCATION":
                names["LOCATION"][" ".join(parts)] = "LOCATION"
            elif mention.entity_type == "ORG" and len(parts) >= 2:
                if parts[-1] not in ORG_SUFFIXES:
                    names["ORG"][parts[-1]] = "ORG"
                if parts[-1] in CIVIC_SUFFIXES:
                    names["LOCATION"].setdefault(parts[0], "LOCATION")
                elif parts[0] not in _NAME_PARTICLES:
                    names["ORG_HEAD"][parts[0]] = "ORG"
        found = [self._as_mention(text, tokens, t) for t in typed]
        for i, j in pending:
            if all(t[_KEY] in _CONNECTORS for t in tokens[i:j]):
                continue
            key = " ".join(t[_KEY] for t in tokens[i:j])
            for group in ("PERSON", "LOCATION", "ORG", "ORG_HEAD"):
                if key in names[group]:
                    found.append(
                        self._as_mention(text, tokens, (i, j, group.removesuffix("_HEAD")))
                    )
                    break
        return found

    @staticmethod
    def _as_mention(text: str, tokens: list[_Token], typed: tuple[int, int, str]) -> Mention:
        i, j, kind = typed
        start, end = tokens[i][_START], tokens[j - 1][_END]
        return Mention(start, end, text[start:end], kind)


def _surname_keys(parts: list[str]) -> list[str]:
    """How a person is referred to after the first mention: by surname, with or without
    its particle ("al-Sudani", "Sudani")."""
    if len(parts) < 2:
        return []
    keys = [parts[-1], " ".join(parts[1:])]
    if len(parts) >= 3:
        keys.append(" ".join(parts[-2:]))  # "al-Sudani", "Okeke-Lyle"
    return keys


# ---------------------------------------------------------------------------------- resolution


@dataclass(slots=True)
class Entity:
    """One entity of one article, with its mentions."""

    entity_key: str
    entity_type: str
    name: str
    country_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: int | None = None
    resolution: str = "name"
    offsets: list[tuple[int, int]] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)
    caption_mentions: int = 0  # mentions in the photo captions read after the text

    @property
    def mention_count(self) -> int:
        return len(self.offsets)

    @property
    def first_offset(self) -> int:
        return min(s for s, _ in self.offsets)

    @property
    def aliases(self) -> list[str]:
        return sorted(set(self.surfaces))


def entity_key(entity_type: str, name: str) -> str:
    """Entities without a gazetteer id: the type and the folded name ("Kata'ib" = "Kataib")."""
    return stable_key("entity", entity_type, fold(name))


def _place_key(place: Place) -> str:
    return stable_key("entity", "geonames", place.geonames_id)


def _country_key(code: str) -> str:
    return stable_key("entity", "country", code)


def _clean_surface(surface: str) -> str:
    """The name without quotes, extra spaces or a leading article ("the United States")."""
    surface = re.sub(r"\s+", " ", surface.strip(" '’\"“”")).strip()
    return re.sub(r"^(?:the|The|THE)\s+", "", surface)


def _choose_place(
    places: tuple[Place, ...], context: set[Any], cued: bool, surface: str
) -> tuple[Place | None, str]:
    """Which city a name means: the one in a country the article mentions; the only one; or
    one far larger than the rest. Otherwise none, and the name stays unresolved."""
    in_region = [p for p in places if (p.country_code, p.admin1) in context]
    if in_region:  # "Springfield, Illinois"
        return in_region[0], "context"
    in_context = [p for p in places if p.country_code in context]
    if in_context:
        return in_context[0], "context"
    if not cued and all(fold(p.name) != fold(surface) for p in places):
        return None, "weak"  # only an alternate name ("Can" for Guangzhou), and no cue
    if len(places) == 1:
        place = places[0]
        if cued or place.population >= 100_000 or place.is_capital:
            return place, "unique"
        return None, "weak"
    top, second = places[0], places[1]
    if (top.is_capital or top.population >= 500_000) and top.population >= 10 * second.population:
        return top, "prominent"
    return None, "ambiguous"


def _state_twin(entry: Entry) -> Entry | None:
    """The US state of the same name as a country ("Georgia"), if there is one."""
    if entry.kind != "country":
        return None
    twins = [e for e in gazetteer().lookup(fold(entry.surface)) if e.kind == "state"]
    return twins[0] if twins else None


def resolve_entities(text: str, mentions: list[Mention]) -> list[Entity]:
    """Mentions -> entities of this article, variants folded, places on the map."""
    context: set[Any] = set()  # country codes, and (country, state) pairs
    readings: list[tuple[Mention, Entry | None]] = []
    for mention in mentions:
        entry = mention.entry
        if entry is None and mention.entity_type in ("LOCATION", "NORP", "ORG"):
            entry = _lookup(fold(_clean_surface(mention.surface)), mention.surface, True)
            if entry is not None and entry.kind == "city" and mention.entity_type != "LOCATION":
                entry = None
        before = text[max(0, mention.start - 12) : mention.start].lower().split()[-1:]
        if entry is not None and entry.kind == "city" and before and before[0] in _FEATURES:
            entry = None  # "the river Orsk" is a river, whatever city shares its name
        readings.append((mention, entry))
        if entry is not None and _state_twin(entry) is not None:
            continue  # "Georgia": which one depends on the rest of the article
        if entry is not None and entry.kind in ("country", "demonym", "state", "region"):
            if entry.country_code:
                context.add(entry.country_code)
            if entry.kind == "state":
                context.update({"US", ("US", entry.admin1)})
    # a name that is both a country and a US state is the state in an American story (one
    # naming another state, the country, or a US city: "Atlanta, Georgia")
    american = any(isinstance(c, tuple) for c in context) or any(
        e is not None
        and e.kind == "city"
        and (place := _choose_place(e.places, context, True, m.surface)[0]) is not None
        and place.country_code == "US"
        for m, e in readings
    )
    readings = [
        (m, _state_twin(e) if e is not None and american and _state_twin(e) else e)
        for m, e in readings
    ]
    for _m, e in readings:
        if e is not None and e.kind in ("country", "state") and e.country_code:
            context.add(e.country_code)
            if e.kind == "state":
                context.add(("US", e.admin1))

    entities: dict[str, Entity] = {}

    def add(key: str, kind: str, name: str, mention: Mention, **extra: Any) -> None:
        entity = entities.get(key)
        if entity is None:
            entity = entities[key] = Entity(key, kind, name, **extra)
        entity.offsets.append((mention.start, mention.end))
        entity.surfaces.append(_clean_surface(mention.surface))

    persons: list[tuple[Mention, str]] = []
    for mention, entry in readings:
        surface = _clean_surface(mention.surface)
        if not surface:
            continue
        if entry is not None and entry.kind == "city":
            before = text[max(0, mention.start - 12) : mention.start].lower().split()
            cued = bool(before) and before[-1] in _LOCATIVE
            place, how = _choose_place(
                entry.places, context, cued or mention.source != "rule", surface
            )
            if place is not None:
                add(
                    _place_key(place),
                    "LOCATION",
                    place.name,
                    mention,
                    country_code=place.country_code,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    geonames_id=place.geonames_id,
                    resolution=f"geonames:{how}",
                )
            elif how == "ambiguous" or cued:
                add(entity_key("LOCATION", surface), "LOCATION", surface, mention,
                    resolution="unresolved")  # fmt: skip
            continue
        if entry is not None:
            if entry.kind in ("country", "demonym"):
                add(_country_key(entry.country_code or ""), "LOCATION", entry.name, mention,
                    country_code=entry.country_code, resolution="iso3166")  # fmt: skip
            else:
                add(entity_key(entry.entity_type, entry.name), entry.entity_type, entry.name,
                    mention, country_code=entry.country_code, resolution="gazetteer")  # fmt: skip
            continue
        if mention.entity_type == "PERSON":
            persons.append((mention, surface))
            continue
        if mention.entity_type not in ENTITY_TYPES:
            continue
        resolution = "unresolved" if mention.entity_type == "LOCATION" else "name"
        add(entity_key(mention.entity_type, surface), mention.entity_type, surface, mention,
            resolution=resolution)  # fmt: skip

    # people: the fullest form of a name in the article stands for its shorter forms
    full_names: dict[str, str] = {}
    for _mention, surface in sorted(persons, key=lambda p: -len(p[1].split())):
        parts = [fold(p) for p in _TOKEN.findall(surface)]
        if " ".join(parts) in full_names:
            continue
        full_names[" ".join(parts)] = surface
        for key in _surname_keys(parts):
            full_names.setdefault(key, surface)
    for mention, surface in persons:
        parts = [fold(p) for p in _TOKEN.findall(surface)]
        key = " ".join(parts)
        if key not in full_names and parts and parts[0] in {"al", "el"}:
            key = " ".join(parts[1:])
        name = full_names.get(key, surface)
        add(entity_key("PERSON", name), "PERSON", name, mention, resolution="name")
    # an unknown organisation or place that is also a person's surname is that person:
    # "Critics wrote to Sunak" after "Rishi Sunak said"
    for key, entity in list(entities.items()):
        if entity.entity_type == "PERSON" or entity.resolution not in ("unresolved", "name"):
            continue
        full = full_names.get(fold(entity.name))
        if full is None or len(full.split()) < 2:
            continue
        person = entities.get(entity_key("PERSON", full))
        if person is None:
            continue
        person.offsets.extend(entity.offsets)
        person.surfaces.extend(entity.surfaces)
        del entities[key]
    for entity in entities.values():
        entity.offsets.sort()
    return sorted(entities.values(), key=lambda e: e.offsets[0])


def load_recogniser(spec: str = "rules") -> Recogniser:
    """`rules` (default, offline), `spacy` (when spaCy and an English model are installed,
    else an error naming what is missing), or `module:factory` for one of your own."""
    if spec == "rules":
        return RuleRecogniser()
    if spec == "spacy":
        from transforms.spacy_recogniser import SpacyRecogniser

        return SpacyRecogniser()
    module, _, factory = spec.partition(":")
    if not factory:
        raise ValueError(f"recogniser {spec!r}: expected 'rules', 'spacy' or 'module:factory'")
    return getattr(importlib.import_module(module), factory)()


_RECOGNISERS: dict[str, Recogniser] = {}


def article_entities(text: str, language: str | None, spec: str = "rules") -> list[Entity]:
    """The entities of one article's text, each with its mentions in reading order."""
    recogniser = _RECOGNISERS.get(spec)
    if recogniser is None:
        recogniser = _RECOGNISERS[spec] = load_recogniser(spec)
    if not text.strip():
        return []
    mentions = recogniser.recognise(text, language)
    return resolve_entities(text, mentions)
