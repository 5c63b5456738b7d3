"""Bylines into names: people apart from organisations (agencies, desks, the site itself).

A byline is written for readers ("By Ana Ruiz and Tom Lee, Staff Writers | Reuters"); the
warehouse wants ["Ana Ruiz", "Tom Lee"] as people and ["Reuters"] as an organisation.
"""

from __future__ import annotations

import re

AGENCIES = {
    "ap",
    "associated press",
    "the associated press",
    "afp",
    "agence france-presse",
    "agence france presse",
    "reuters",
    "thomson reuters",
    "dpa",
    "efe",
    "ansa",
    "pa",
    "pa media",
    "press association",
    "bloomberg",
    "upi",
    "xinhua",
    "tass",
    "kyodo",
    "anadolu",
    "anadolu agency",
    "cna",
    "aap",
    "cp",
    "the canadian press",
    "ians",
    "pti",
    "ani",
}
_ORG_WORDS = re.compile(
    r"\b(news|desk|staff|team|editors|editorial|newsroom|press|agency|agencies|media|magazine|"
    r"times|today|post|herald|journal|tribune|gazette|network|online|digital|wire|wires|"
    r"service|bureau|contributor|contributors|correspondents|partners|sponsored|"
    r"foundation|institute|university|council|ministry|department|inc|ltd|llc|group)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"[,|(\-–—]?\s*\b((contributing|senior|staff|chief|deputy|associate|managing|executive|"
    r"political|special|guest|freelance|science|health|business|sports?|technology|tech|"
    r"former|lead|principal|content|marketing|product|communications|social|media|digital|"
    r"seo|growth|brand|research|expert|medical|legal|technical|project|community)\s+)*"
    r"(writer|editor|reporter|correspondent|columnist|journalist|photographer|producer|"
    r"analyst|expert|contributor|intern|critic|author|coordinator|manager|director|"
    r"specialist|strategist|consultant|officer|reviewer)s?\b.*$",
    re.IGNORECASE,
)
_BY = re.compile(
    r"^\s*((\w+\s+){0,2}by|von|par|por)\s*:?\s+",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"\s*(?:;|,|&|\||·|•|\band\b|\bwith\b|\bund\b|\bet\b|\by\b|/)\s*", re.IGNORECASE
)
_CREDENTIALS = {
    "cfp",
    "phd",
    "md",
    "ms",
    "rd",
    "mba",
    "cpa",
    "cpp",
    "psp",
    "jd",
    "rn",
    "dds",
    "esq",
    "mph",
    "msc",
    "ba",
    "bsc",
    "ma",
    "cfa",
    "do",
    "np",
    "pa-c",
    "lcsw",
    "rdn",
    "cdn",
    "jr",
    "sr",
}
_NOISE = re.compile(
    r"(https?://\S+|\S+@\S+|@\w+|\(.*?\)|\b(updated|published|posted)\s+(on\s+)?[\d(]|"
    r"\bon\s+(mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b.*$|"
    r"\b(updated|published|posted)\s*:.*$|\d{1,2}:\d{2}.*$|"
    r"\b\d{4}-\d{2}-\d{2}\b.*$|\bon (facebook|twitter|x|instagram|linkedin)\b)",
    re.IGNORECASE,
)


# calendar words in the languages of the corpus: a byline's date is not part of a name
_CALENDAR = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|januar|februar|märz|mai|"
    r"juni|juli|oktober|dezember|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|"
    r"février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|lunes|martes|"
    r"miércoles|jueves|viernes|sábado|domingo|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|octubre|noviembre|diciembre"
)
_CALENDAR_WORD = re.compile(rf"^(?:{_CALENDAR})\.?$", re.IGNORECASE)
# a name runs into the date after it: "ServiceTitan November 24" (never "Tom May" alone)
_TRAILING_DATE = re.compile(rf"\s+(?:(?:at|on)\s+)?(?:{_CALENDAR})\.?,?\s+\d.*$", re.IGNORECASE)
# labels glued to what follows where the page's markup had no space: "BySummer Swann",
# "Written byDan Pantelo", "AuthorVenteur", "Cazzy MagennisLast updated"
_GLUED_LABEL = re.compile(
    r"^(?:(?:written|posted|words|reviewed|edited)\s*by|by|author)\s*:?\s*(?=(?-i:[A-Z]))",
    re.IGNORECASE,
)
_GLUED_TAIL = re.compile(
    r"(?<=[a-z])(?:Last|Updated|Published|Posted|Reviewed|Expert|Editor|Writer|Reporter|"
    r"Author|Contributor)\b.*$"
)
# a month that is no one's surname, or a weekday, closing a name without a day after it
_TRAILING_MONTH = re.compile(
    r"\s+(?:january|february|september|october|november|december|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|januar|februar|oktober|dezember|janvier|février|octobre|"
    r"novembre|décembre|enero|febrero|septiembre|octubre|noviembre|diciembre)\.?$",
    re.IGNORECASE,
)
# what a byline element says around the name, never a name itself
LABELS = {
    "by",
    "written by",
    "words by",
    "author",
    "authors",
    "updated",
    "published",
    "posted",
    "reviewed by",
    "edited by",
    "fact checked by",
    "insights from",
}


def is_calendar_word(word: str) -> bool:
    """'Donnerstag', 'Nov.', 'Monday': a weekday or a month, in the languages we meet."""
    return bool(_CALENDAR_WORD.match(word.strip()))


def is_place(name: str) -> bool:
    """A byline part that is a place (a dateline, "LONDON"), not a person."""
    from transforms.gazetteer import fold, gazetteer

    kinds = {e.kind for e in gazetteer().lookup(fold(name))}
    return bool(kinds & {"city", "country", "state", "region"})


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" .,;:|-–—()\"'“”‘’")


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


# what a site's author field holds when no person signed: kept, as an organisation-type author
GENERIC_LABELS = {
    "admin",
    "administrator",
    "editor",
    "webmaster",
    "guest",
    "guest author",
    "guest post",
    "moderator",
    "support",
    "redaktion",
    "rédaction",
    "redacción",
    "redazione",
}


def is_organisation(name: str, site_names: set[str] = frozenset()) -> bool:
    lowered = name.lower()
    if (
        lowered in AGENCIES
        or lowered in GENERIC_LABELS
        or _alnum(name) in {_alnum(s) for s in site_names if s}
    ):
        return True
    if _ORG_WORDS.search(name):
        return True
    return lowered.startswith("the ") or lowered == "staff"


def _person_case(name: str) -> str:
    """ANA RUIZ / ana ruiz -> Ana Ruiz; mixed case (McDonald, de la Cruz) is left alone."""
    letters = [c for c in name if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
    return name


def parse_byline(
    value: str | None, site_names: set[str] = frozenset()
) -> tuple[list[str], list[str]]:
    """(people, organisations) named in a byline, in order, without duplicates."""
    people: list[str] = []
    orgs: list[str] = []
    if not value:
        return people, orgs
    text = _NOISE.sub(" ", _BY.sub("", value.replace("\xa0", " ")))
    for part in _SPLIT.split(text):
        part = _squash(_BY.sub("", part))
        part = _squash(_TRAILING_DATE.sub("", _GLUED_TAIL.sub("", _GLUED_LABEL.sub("", part))))
        part = _squash(_TRAILING_MONTH.sub("", part))
        if not part or not any(c.isalpha() for c in part) or part.lower() in LABELS:
            continue
        if all(is_calendar_word(w) for w in part.split()):
            continue  # "Donnerstag", "Nov": the byline's date, not a name
        if is_organisation(part, site_names):
            if part not in orgs:
                orgs.append(part)
            continue
        if part.replace(".", "").lower() in _CREDENTIALS:
            continue  # credentials after a comma: CFP, PhD, MD
        name = _squash(_ROLE.sub("", part))
        words = name.split()
        if name != part and len(words) < 2:
            continue  # a role with a qualifier ("Shipping Expert"), not a name
        if not name or not 1 <= len(words) <= 5 or len(name) > 60 or re.search(r"\d", name):
            continue
        if len(words) == 1 and not name[:1].isupper():
            continue  # "staff", "admin": not a name
        if (name.isupper() or (people and len(words) == 1)) and is_place(name):
            continue  # a dateline ("LONDON", "…, Kyiv"), not a name; "Roy" first is a name
        name = _person_case(name)
        if name not in people:
            people.append(name)
    return people, orgs
