"""Who said what: direct quotations, and reported speech of the "X, a spokesperson said" kind.

The speaker is whatever the attribution names; it is linked to an entity when a recognised
person or organisation sits in the attribution, and "he"/"she" go to the person named last
before the quote. English attribution verbs only.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from transforms.entities import REPORTING_VERBS, SPEECH_VERBS, Entity
from transforms.vocabulary import QUOTE_DIRECT, QUOTE_REPORTED, QuoteKind

MIN_QUOTE_WORDS = 3
_VERBS = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
_REPORTING = "|".join(sorted(REPORTING_VERBS, key=len, reverse=True))
# “...”, "...", and ‘...’ or '...' when the quote opens after a space and closes before one
# every quote pattern is bounded (2,000 characters): no quadratic scan on unbalanced marks
_DIRECT = re.compile(
    r"“(?P<a>[^“”]{8,2000}?)”|\"(?P<b>[^\"\n]{8,2000}?)\""
    r"|(?<!\w)['‘](?=\w)(?P<c>(?:[^'‘’\n]|(?<=\w)['’](?=\w)){8,2000}?)['’](?!\w)"
)
# after the quote: "said Nadia Oyelaran", "he said", "Mary Jones, 45, told reporters"
_AFTER = re.compile(
    rf"\s*(?:,\s*)?(?:(?P<verb1>{_VERBS})\s+(?P<who1>[^.,;:!?“”\"\n]{{2,80}})"
    rf"|(?P<who2>[^.,;:!?“”\"\n]{{2,80}}?(?:,[^.,;:!?“”\"\n]{{1,60}},)?)\s+(?P<verb2>{_VERBS}))"
    r"(?=[\s.,;:!?]|$)",
    re.IGNORECASE,
)
_BEFORE = re.compile(
    rf"(?P<who>[A-Z][^.;!?“”\"]{{1,80}}?)\s+(?P<verb>{_VERBS})(?:\s+\w+){{0,3}}?\s*[:,]?\s*$"
)
_SENTENCE_END = re.compile(r"[.!?]+[\"”’']?(?=\s|$)|\n")
_NOT_AN_END = re.compile(r"(?:(?:^|[\s.])[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov))$")
_REPORTED_AFTER = re.compile(
    rf"^(?P<quote>[^“”\"]{{20,2000}}?),\s+(?P<who>[^,;:“”\"]{{2,80}}?)\s+(?P<verb>{_REPORTING})"
    r"(?:\s+(?:on|in|at|late|earlier)\b[^,.]*)?\s*[.!?]$"
)
_REPORTED_BEFORE = re.compile(
    rf"^(?P<who>[^,;:“”\"]{{2,80}}?)\s+(?P<verb>{_REPORTING})(?:\s+on\s+\w+)?\s+(?:that\s+)?"
    r"(?P<quote>[^“”\"]{20,2000}?)\s*[.!?]$"
)
_PRONOUNS = {"he", "she"}
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|be|being)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quote:
    quote: str
    verb: str | None
    speaker: str | None
    speaker_entity_key: str | None
    kind: QuoteKind
    offset: int

    def row(self) -> dict[str, Any]:
        """Its fact-table columns."""
        return {
            "quote": self.quote,
            "verb": self.verb,
            "speaker": self.speaker,
            "speaker_entity_key": self.speaker_entity_key,
            "quote_kind": self.kind,
            "char_offset": self.offset,
        }


class _Mentions:
    """Entity mentions by offset, for finding who sits inside an attribution in log time."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        rows = sorted((s, t, e.entity_type, e.entity_key) for e in entities for s, t in e.offsets)
        self.rows = rows
        self.starts = [r[0] for r in rows]
        people = [r for r in rows if r[2] == "PERSON"]
        self.people = people
        self.people_starts = [r[0] for r in people]

    def speaker(self, start: int, end: int, who: str) -> str | None:
        """The person or organisation named inside the attribution; a place only when it is
        the whole attribution ("The U.S. insisted", not "the minister in Baghdad"); for a
        pronoun, the person named last before it."""
        inside = self.rows[bisect_left(self.starts, start) : bisect_right(self.starts, end)]
        inside = [r for r in inside if r[1] <= end]
        rank = {"PERSON": 0, "ORG": 1}
        actors = sorted((rank[r[2]], r[0], r[3]) for r in inside if r[2] in rank)
        if actors:
            return actors[0][2]
        bare = re.sub(r"^the\s+", "", who.strip(), flags=re.IGNORECASE)
        for s, t, _kind, key in inside:
            if t - s == len(bare):
                return key
        if who.lower().strip() in _PRONOUNS:
            before = bisect_left(self.people_starts, start)
            return self.people[before - 1][3] if before else None
        return None


def _clean_who(who: str, trailing: bool = False) -> str:
    """The attribution without its trailing clause: "Peter Vance, who represents ..." ->
    "Peter Vance"."""
    who = re.sub(r"^(?:and|but|as)\s+", "", who.strip(), flags=re.IGNORECASE)
    who = who.split(",")[0].strip(" ,")
    who = re.sub(r"\s+(?:who|which|that)$", "", who)
    if trailing and who[:1].isupper():  # "said Nadia Oyelaran on Tuesday" -> the name
        words = who.split()
        keep = [words[0]]
        for word in words[1:]:
            if not (word[:1].isupper() or word.lower() in {"al", "de", "van", "von", "bin"}):
                break
            keep.append(word)
        who = " ".join(keep)
    return who


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; the dots of "U.S." and "Mr." do not end one."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[max(0, match.start() - 6) : match.start()]
        if match.group(0).startswith(".") and _NOT_AN_END.search(before):
            continue
        if text[start : match.end()].strip():
            spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def find_quotes(text: str, entities: Sequence[Entity]) -> list[Quote]:
    """Quotations in reading order, with speakers where the text attributes them."""
    quotes: list[Quote] = []
    taken: list[tuple[int, int]] = []
    mentions = _Mentions(entities)
    previous_end = 0
    for match in _DIRECT.finditer(text):
        body = next(g for g in match.groups() if g is not None).strip()
        if len(body.split()) < MIN_QUOTE_WORDS:
            continue
        taken.append(match.span())
        after = _AFTER.match(text, match.end(), min(len(text), match.end() + 120))
        if after and body[-1:] == "." and not after.group("verb1"):
            # “... in the end.” Judge Mary Jones said ...: a new sentence, someone else's
            after = None
        speaker = verb = None
        span = (match.start(), match.start())
        if after:
            who = after.group("who1") or after.group("who2")
            verb = (after.group("verb1") or after.group("verb2")).lower()
            speaker = _clean_who(who, trailing=bool(after.group("who1")))
            span = (after.start("who1") if after.group("who1") else after.start("who2"),
                    after.end("who1") if after.group("who1") else after.end("who2"))  # fmt: skip
        else:
            window = max(0, match.start() - 200)
            line_start = max(
                text.rfind("\n", window, match.start()),
                text.rfind(". ", window, match.start()),
                window - 1,
            )
            lead = text[line_start + 1 : match.start()]
            before = _BEFORE.search(lead)
            if before:
                speaker = _clean_who(before.group("who"))
                verb = before.group("verb").lower()
                offset = line_start + 1
                span = (offset + before.start("who"), offset + before.end("who"))
        key = mentions.speaker(span[0], span[1], speaker) if speaker else None
        # a pronoun speaker has no span inside the entity list, but a person before it
        if speaker and key is None and speaker.lower() in _PRONOUNS:
            key = mentions.speaker(match.start(), match.start(), speaker)
        previous = quotes[-1] if quotes else None
        # an unattributed quote in the same paragraph as an attributed one continues it
        if (
            speaker is None
            and previous is not None
            and previous.kind == QUOTE_DIRECT
            and "\n" not in text[previous_end : match.start()]
        ):
            speaker, verb, key = previous.speaker, previous.verb, previous.speaker_entity_key
        quotes.append(Quote(body, verb, speaker, key, QUOTE_DIRECT, match.start()))
        previous_end = match.end()
    taken_starts = [a for a, _b in taken]
    for start, end in sentences(text):
        k = bisect_left(taken_starts, end)  # quotes are in order and do not overlap
        if k and taken[k - 1][1] > start:
            continue
        line = text[start:end].strip()
        offset = start + text[start:end].find(line)
        found = _REPORTED_AFTER.match(line) or _REPORTED_BEFORE.match(line)
        if not found:
            continue
        who = _clean_who(found.group("who"))
        if len(who.split()) > 8 or _PASSIVE.search(found.group("who")):
            continue  # "the decking was declared unsafe" reports nobody
        who_start = offset + found.start("who")
        key = mentions.speaker(who_start, who_start + len(found.group("who")), who)
        quotes.append(
            Quote(
                found.group("quote").strip(),
                found.group("verb").lower(),
                who,
                key,
                QUOTE_REPORTED,
                offset + found.start("quote"),
            )
        )
    return sorted(quotes, key=lambda q: q.offset)
