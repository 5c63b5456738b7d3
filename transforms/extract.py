"""One fetched page -> one article record: text from trafilatura, metadata from the best evidence.

Plain function of its inputs (bytes, URL, the feed's evidence, the fetch time), so it runs in a
process pool and in tests alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from htmldate import find_date
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.xml import xmltotxt

from transforms.article import Article
from transforms.article_lists import LIST_MIN_CHARS, dropped_list_chars
from transforms.authors import parse_byline
from transforms.byline_search import byline_search
from transforms.captions import figure_captions, merge_credits, split_caption_lines
from transforms.declared_body import DECLARED_SHARE, shown_body
from transforms.encoding import decode_page, parseable
from transforms.fingerprint import content_fingerprint
from transforms.metadata import (
    MODIFIED_META_KEYS,
    PUBLISHED_META_KEYS,
    PageMeta,
    jsonld_people,
    jsonld_text,
    meta_first,
    page_tags,
    parse_dateline,
    parse_html,
    read_page_meta,
)
from transforms.page_kind import (
    is_paywalled,
    licence_url,
    not_an_article,
    robots_directives,
    soft_404,
)
from transforms.page_tree import load_page
from transforms.records import Candidate
from transforms.repeated_runs import without_repeated_runs
from transforms.streamed_html import is_streamed, reveal_parts, without_fallbacks
from transforms.tone import article_tone
from transforms.urls import normalise_url
from transforms.words import count_words

EXTRACTOR = "trafilatura"
EXTRACTOR_VERSION = trafilatura.__version__
MIN_TEXT_CHARS = 200  # less than a short paragraph is a teaser, a paywall or a listing page
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)  # time zones and clock skew, not tomorrow's news


@dataclass(slots=True)
class DateChoice:
    value: datetime | None
    source: str | None
    precision: str | None
    local_date: date | None
    rejected: int


class ExtractionError(ValueError):
    """The page is not an article we can use; the message is the recorded reason."""


def _norm(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").lower()).strip()


def _alnum(text: str | None) -> str:
    return re.sub(r"[^0-9a-z]", "", (text or "").lower())


_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+")
# Section labels some networks append to headlines: "… | Opinion"
_SECTION_LABELS = {
    "opinion",
    "analysis",
    "review",
    "editorial",
    "commentary",
    "explainer",
    "live",
    "video",
    "podcast",
    "photos",
    "gallery",
    "exclusive",
    "updated",
    "watch",
    "letters",
}


def site_names(meta: PageMeta, url: str) -> set[str]:
    """What this site calls itself: og:site_name, the publisher, the domain's own label."""
    names = {meta.meta.get("og:site_name"), meta.meta.get("application-name")}
    publisher = meta.jsonld.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        names.add(publisher["name"])
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    labels = host.split(".")
    if len(labels) >= 2:
        names.add(labels[-2])  # artlyst.com -> artlyst
        names.add(".".join(labels[-2:]))  # earth.org -> earth.org
    return {n for n in names if n}


def _is_site_name(segment: str, sites: set[str]) -> bool:
    key = _alnum(segment)
    if not key:
        return False
    for site in sites:
        site_key = _alnum(site)
        if site_key and (
            key == site_key or (key.startswith(site_key) and len(segment.split()) <= 4)
        ):
            return True
    return False


def url_sections(url: str) -> frozenset[str]:
    """The section names a URL's path gives ("/district/343604" -> "district"): a headline's
    suffix that repeats one names where the article sits, not what it says."""
    segments = urlsplit(url).path.strip("/").split("/")[:-1]
    return frozenset(
        s.replace("-", " ").replace("_", " ").lower()
        for s in segments
        if s and not s.isdigit() and any(c.isalpha() for c in s)
    )


def strip_site_name(
    title: str, site_name: str | set[str] | None = None, sections: frozenset[str] = frozenset()
) -> str:
    """'Headline | Site' / 'Site — Headline' / 'Headline | Opinion' -> 'Headline'."""
    title = re.sub(r"\s+", " ", html.unescape(title)).strip()
    sites = {site_name} if isinstance(site_name, str) else set(site_name or ())
    parts = [p.strip() for p in _SEPARATORS.split(title) if p.strip()]
    while len(parts) >= 2 and (
        _is_site_name(parts[-1], sites)
        or parts[-1].lower() in _SECTION_LABELS
        or parts[-1].lower() in sections
    ):
        parts.pop()
    while len(parts) >= 2 and _is_site_name(parts[0], sites):
        parts.pop(0)
    if len(parts) < 2:
        return parts[0] if parts else title
    if sites and len(parts) == len(_SEPARATORS.split(title)):
        return title  # no site name found among the parts: the separators are the headline's
    # "Headline | Site" is the common order; "Site — Headline" shows as a short first part
    first_words = len(parts[0].split())
    if first_words <= 3 and len(parts[-1].split()) > first_words:
        return max(parts, key=len)
    return parts[0] if len(parts) == 2 else max(parts, key=len)


_CRUMB = re.compile(r"\s[>›]\s")
CRUMB_WORDS = 4  # a breadcrumb's parts are section names, this short


def is_breadcrumb(text: str) -> bool:
    """'Computer Science > Artificial Intelligence': a path of short section names."""
    parts = _CRUMB.split(text)
    return len(parts) >= 2 and all(0 < len(p.split()) <= CRUMB_WORDS for p in parts)


def _without_domain(heading: str, sites: set[str]) -> str:
    """'davidbau.com Vibe Coding' -> 'Vibe Coding': a site's domain written before the
    headline in the same element, with no separator the site-name rule could split on."""
    for site in sites:
        if "." in site and heading.lower().startswith(f"{site.lower()} "):
            return heading[len(site) :].strip() or heading
    return heading


def choose_title(
    meta: PageMeta, candidate: Candidate | None, fallback: str | None, url: str = ""
) -> tuple[str | None, str | None]:
    """The visible headline: the <h1> unless it is missing, the site's name or a fragment.

    Declared headlines (JSON-LD, og:title, the feed, <title>) are edited for sharing and
    search; the <h1> is what readers see. Site-name and section suffixes are cut from all.
    """
    sites = site_names(meta, url)
    sections = url_sections(url)
    feed_title = candidate.feed_title if candidate else None
    if feed_title and " " not in feed_title.strip():
        feed_title = None  # "story-4711" is an identifier some feeds put in <title>, not a headline
    voices = [
        (name, strip_site_name(_without_domain(value, sites), sites, sections))
        for name, value in (
            ("jsonld", jsonld_text(meta, "headline")),
            ("og", meta.meta.get("og:title")),
            ("feed", feed_title),
            ("title_tag", meta.title_tag),
        )
        if value
    ]

    def confirmed(h1: str) -> bool:
        h1_norm = _norm(h1)
        return any(h1_norm and h1_norm in _norm(v) for _, v in voices)

    h1 = strip_site_name(_without_domain(meta.h1, sites), sites, sections) if meta.h1 else None
    if h1 and " | " in h1 and len(h1.split(" | ")[0].split()) >= 3:
        h1 = h1.split(" | ")[0]  # "Headline | tagline": a bar is no headline's punctuation
    if h1 and is_breadcrumb(h1):
        h1 = None  # "Computer Science > Artificial Intelligence": where the page is, not its title
    if h1 and voices and not confirmed(h1):
        # the first <h1> may be a promo box's or a sidebar's: another that the declared
        # headline confirms is the article's
        others = (strip_site_name(o, sites) for o in meta.h1_others)
        h1 = next((o for o in others if len(o.split()) >= 2 and confirmed(o)), h1)
    usable = h1 and not _is_site_name(h1, sites) and (confirmed(h1) or not _not_a_headline(h1))
    if usable and (confirmed(h1) or len(h1.split()) >= 3 or not voices):
        return h1, "h1"
    if voices:
        return voices[0][1], voices[0][0]
    if h1:
        return h1, "h1"
    return (fallback, "extractor") if fallback else (None, None)


HEADLINE_MAX_WORDS = 25  # longer, an <h1> the declared headlines do not confirm is a blurb


def _not_a_headline(h1: str) -> bool:
    """An <h1> that reads as a blurb (sentences, dozens of words) or as the label of what
    follows ("A message from our founder:"): styled as a heading, not the article's title."""
    return len(h1.split()) > HEADLINE_MAX_WORDS or h1.rstrip().endswith(":")


def _parse_when(value: str | None) -> tuple[datetime, str] | None:
    """An ISO-ish date or datetime -> (aware datetime, precision)."""
    if not value:
        return None
    value = value.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        textual = parse_dateline(value)  # "November 25, 2025" in a meta tag
        return _parse_when(textual) if textual else None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime(*map(int, match.groups()))
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC), "day"
    if len(value) <= 10:
        return parsed.replace(tzinfo=UTC), "day"
    precision = "second" if parsed.second or parsed.microsecond else "minute"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed, precision


def _url_date(url: str) -> str | None:
    match = re.search(r"/(20\d\d|19\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|-|\.|$)", url)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def choose_published(
    meta: PageMeta,
    url: str,
    candidate: Candidate | None,
    fetched_at: datetime,
    htmldate_value: str | None = None,
) -> DateChoice:
    """The best-supported plausible publication date; implausible ones are rejected and counted.

    A visible "Originally published …" outranks every voice (the page's own dates then are
    the republication's or the update's). Else voices in order of trust: JSON-LD, article
    meta tags, <time datetime>, the feed or news sitemap, the visible dateline, htmldate (run
    by trafilatura), the URL. When the page's own voices agree, the first one wins; when they
    disagree, the day most voices name wins (pages often keep a stale datePublished in
    JSON-LD while the article shows another day), ties going to the more trusted voice.

    Days are the publisher's: a stamp keeps the offset the page gives, and a stamp in UTC
    ("Z") counts for the neighbouring day that a voice in the publisher's time names (a
    stamp with an offset, the URL's day, the visible dateline) when some time zone puts the
    instant on that day: 23:30Z on the 15th is the 16th in Berlin, and a URL or a dateline
    saying the 16th decides it; 16:50Z on the 15th is the 15th everywhere but on islands
    of the Pacific, and a dateline saying the 14th does not.
    """
    meta_value = meta_first(meta, PUBLISHED_META_KEYS)
    feed_value = candidate.feed_published_at if candidate else None
    if htmldate_value and htmldate_value.endswith("-01-01T00:00:00"):
        htmldate_value = None  # htmldate's guess from a year alone ("© 2026", "Best of 2014")
    voices: list[tuple[str, Any]] = [
        ("text_original", meta.dateline_original),
        ("jsonld", jsonld_text(meta, "datePublished")),
        ("meta", meta_value[1] if meta_value else None),
        ("time_element", meta.time_published),
        ("feed", feed_value),
        ("text", meta.dateline_published),
        ("text", htmldate_value),
        ("url", _url_date(url)),
    ]
    latest = fetched_at + FUTURE_TOLERANCE
    rejected = 0
    plausible: list[tuple[str, datetime, str, bool]] = []  # (source, when, precision, in UTC)
    for source, value in voices:
        if value is None:
            continue
        if isinstance(value, datetime):
            parsed = (value if value.tzinfo else value.replace(tzinfo=UTC), "second")
            utc = value.tzinfo is not None and value.utcoffset() == timedelta(0)
        else:
            parsed = _parse_when(value)
            utc = bool(re.search(r"(?:Z|[+-]00:?00)$", value.strip()))  # a server's clock
        if parsed is None:
            continue
        when, precision = parsed
        if not (EARLIEST_PLAUSIBLE <= when <= latest):
            rejected += 1
            continue
        if source == "text_original":
            return DateChoice(when.astimezone(UTC), source, precision, when.date(), rejected)
        plausible.append((source, when, precision, utc))
    if not plausible:
        return DateChoice(None, None, None, None, rejected)
    # htmldate gives a page's stamp without its zone: the same instant as a zoned voice is
    # that voice's echo, not a second, local reading
    zoned = {when for source, when, _, _ in plausible if source != "text"}
    plausible = [
        (source, when, p, utc or (source == "text" and p != "day" and when in zoned))
        for source, when, p, utc in plausible
    ]
    local_days = {when.date() for _, when, p, utc in plausible if not utc or p == "day"}
    days = [_publisher_day(when, utc, local_days) for _, when, _, utc in plausible]
    votes = Counter(days)
    best_day = max(votes, key=lambda day: (votes[day], -days.index(day)))
    winner = days.index(best_day)
    source, when, precision, _ = plausible[winner]
    why = source
    if winner > 0:  # "source: why" when a vote, not trust, decided
        why = (
            f"{source}: {votes[best_day]} of {len(days)} voices name this day, "
            f"{plausible[0][0]} another"
        )
    elif when.date() != best_day:
        why = f"{source}: a UTC stamp, on the publisher's day another voice names"
    return DateChoice(when.astimezone(UTC), why, precision, best_day, rejected)


def _publisher_day(when: datetime, utc: bool, local_days: set[date]) -> date:
    """The day a stamp dates: its own, or for a stamp in UTC (or with no zone) the
    neighbouring day that a voice in the publisher's time names (a stamp with its offset, a
    day in the URL or the visible dateline), when some time zone (UTC-12 to UTC+14) puts
    the instant on that day: the page's own calendar outranks a server's clock."""
    day = when.date()
    if not utc or day in local_days:
        return day
    for other in sorted(local_days):
        if abs((other - day).days) == 1:
            start = datetime.combine(other, datetime.min.time(), tzinfo=UTC)
            if start - timedelta(hours=14) <= when < start + timedelta(days=1, hours=12):
                return other
    return day


def choose_modified(meta: PageMeta, fetched_at: datetime) -> datetime | None:
    meta_value = meta_first(meta, MODIFIED_META_KEYS)
    declared = (
        jsonld_text(meta, "dateModified"),
        meta_value[1] if meta_value else None,
        meta.dateline_modified,
    )
    for value in declared:
        parsed = _parse_when(value)
        if parsed and EARLIEST_PLAUSIBLE <= parsed[0] <= fetched_at + FUTURE_TOLERANCE:
            return parsed[0].astimezone(UTC)
    return None


def split_authors(value: str | None) -> list[str]:
    """'By Ana Ruiz and Tom Lee' -> ['Ana Ruiz', 'Tom Lee'] (people only, order kept)."""
    return parse_byline(value)[0]


_META_AUTHOR_KEYS = (
    "author",
    "article:author",
    "sailthru.author",
    "parsely-author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "twitter:data1",
)


def _given_name_first(value: str) -> str:
    """Scholarly meta (Highwire's `citation_author`, one tag an author) writes "Roy,
    Aniruddha": a comma there is the surname's, not a list's."""
    surname, comma, given = value.partition(",")
    if comma and "," not in given and 1 <= len(given.split()) <= 3 and surname.strip():
        return f"{given.strip()} {surname.strip()}"
    return value


def _add_organisation(organisations: list[str], name: str) -> None:
    """One entry a name whatever its case ("whova" in a meta tag, "Whova" in the byline): the
    form with capitals wins."""
    for i, known in enumerate(organisations):
        if known.casefold() == name.casefold():
            if known.islower() and not name.islower():
                organisations[i] = name
            return
    organisations.append(name)


def _fragment_of(person: str, organisations: list[str]) -> bool:
    """Whether a "person" is the first words of an organisation the page names, cut before a
    lower-case word: trafilatura reads "Human in the Loop" (a blog's name) as an author
    "Human" in a place "the Loop". A byline read as one organisation ("Brian Truitt USA
    TODAY") goes on with a capital and keeps its person."""
    start = person.casefold() + " "
    return any(
        o.casefold().startswith(start) and o[len(start) : len(start) + 1].islower()
        for o in organisations
    )


def choose_authors(
    meta: PageMeta,
    extracted_author: str | Callable[[], str | None] | None,
    sites: set[str] = frozenset(),
) -> tuple[list[str], list[str], str | None]:
    """(people, organisations, source): the first voice that names people wins.

    JSON-LD, then meta tags, then byline-like elements of the page, then the byline trafilatura
    found in the text. Organisations (wire
    agencies, desks, the site itself) are collected from every voice and kept apart.
    `extracted_author` may be a search to run only if it is needed: trafilatura's search of
    the page for byline elements (`byline_search`, 2 ms where it runs) repeats much of ours,
    and is asked only when no earlier voice named a person.
    """
    ld_people, ld_orgs = jsonld_people(meta)
    organisations: list[str] = []
    chosen: list[str] = []  # the people the winning voice named (the voices' reader sees it)
    source: str | None = None  # that voice
    passed: list[str] = []  # voices before the winner that named no person
    for voice, values in _author_voices(meta, ld_people + ld_orgs, extracted_author, chosen):
        people: list[str] = []
        for value in values:
            found, orgs = parse_byline(value, sites)
            people.extend(p for p in found if p not in people)
            for organisation in orgs:
                _add_organisation(organisations, organisation)
        people = [p for p in people if not _fragment_of(p, organisations)]
        if people and not chosen:
            chosen.extend(people)
            source = voice
        elif not chosen and values != [] and voice not in passed:
            passed.append(voice)
    if chosen and passed:
        source = f"{source}: {', '.join(passed)} named no person"
    if not chosen and organisations:
        source = "jsonld" if ld_orgs else "meta"
    return chosen, organisations, source


def _author_voices(
    meta: PageMeta,
    jsonld: list[str],
    extracted_author: str | Callable[[], str | None] | None,
    chosen: list[str],
) -> Iterator[tuple[str, list[str]]]:
    """The voices on the authors, in order of trust; the byline search, if deferred, runs
    only when the voices before it named nobody (`chosen` still empty)."""
    yield "jsonld", jsonld
    for key in _META_AUTHOR_KEYS:
        value = meta.meta.get(key)
        if value and not value.startswith(("http://", "https://")):
            if key == "twitter:data1" and meta.meta.get("twitter:label1", "").lower() not in (
                "written by",
                "by",
                "author",
            ):
                continue
            yield "meta", [value]
    cited = [_given_name_first(v) for v in meta.meta_all.get("citation_author", [])]
    if cited:
        yield "meta", [" and ".join(cited)]
    for byline in meta.bylines:
        yield "byline", [byline]
    if callable(extracted_author):
        extracted_author = None if chosen else extracted_author()
    if extracted_author:
        yield "text", extracted_author.split(";")


def choose_language(meta: PageMeta) -> str | None:
    for value in (
        jsonld_text(meta, "inLanguage"),
        meta.meta.get("content-language"),
        meta.meta.get("og:locale"),
        meta.html_lang,
    ):
        if value:
            code = re.split(r"[-_]", value.strip().lower())[0]
            if len(code) == 2 and code.isalpha():
                return code
    return None


_DETECTOR: Any = None
DETECT_MIN_CHARS = 200  # shorter texts give unreliable language guesses
DETECT_MIN_PROBABILITY = 0.9


def language_model() -> Any:
    """py3langid's identifier, loaded once per process (~1 s, 74 MB of arrays)."""
    global _DETECTOR
    if _DETECTOR is None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _DETECTOR = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _DETECTOR


DETECT_SAMPLE_CHARS = 2_000  # half from the start, half from the middle


def language_sample(text: str) -> str:
    """What the identifier reads: py3langid's cost grows with the text, its answer hardly.
    On the 421 pages of ../shared, 2,000 characters give the same language as 5,000 on every
    page at half the cost (bench/README.md); the middle half guards against an opening in
    another language (a translated summary, a boilerplate notice)."""
    if len(text) <= DETECT_SAMPLE_CHARS:
        return text
    half = DETECT_SAMPLE_CHARS // 2
    middle = len(text) // 2
    return f"{text[:half]}\n{text[middle : middle + half]}"


def detect_language(text: str) -> tuple[str | None, float]:
    """py3langid's guess and its probability."""
    if len(text) < DETECT_MIN_CHARS:
        return None, 0.0
    code, probability = language_model().classify(language_sample(text))
    return code, float(probability)


def resolve_language(declared: str | None, detected: str | None, probability: float) -> str | None:
    """The detected language wins over the declared one when it is sure; else the declaration."""
    if detected and probability >= DETECT_MIN_PROBABILITY:
        return detected
    return declared or detected


# htmldate's reading of the visible page (`_extractor_voices` asks for it), with the time of
# day when the page gives one
DATE_SEARCH = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%dT%H:%M:%S"}


COLLAPSE_SHARE = 0.3  # a first pass under this share of the page's paragraph text collapsed


def paragraph_chars(tree: Any) -> int:
    """The characters of the page's <p> elements: what a first pass is measured against
    (0.25 ms a page, where trafilatura's own baseline extractor would parse the page again)."""
    return sum(len(p.text_content()) for p in tree.iter("p"))


def _extractor_voices(tree: Any, url: str) -> dict[str, Any]:
    """What trafilatura's metadata adds to our own reading of the page: htmldate's date, and
    the title, author and description as trafilatura's metadata step finds them (meta tags,
    overridden by JSON-LD, else, for the author, its search of byline elements). The rest of
    its metadata (its title search, site name, categories, tags, licence) we read ourselves;
    not asking for it saves 4 ms a page, a ninth of our per-page work (bench/page_cpu.py)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # trafilatura guards its JSON-LD reading so too
        metadata = extract_meta_json(tree, metadata)
    return {
        "date": find_date(tree, url=url, **DATE_SEARCH),
        "title": metadata.title,
        "author": metadata.author or (lambda: byline_search(tree)),
        "description": metadata.description,
    }


MENU_MIN_LINES = 15  # a text this long in lines, mostly link text, is a menu
MENU_LINK_SHARE = 0.6  # share of its lines that are the text of one of the page's links
MENU_WORDS = 4  # a menu's lines are this short: "World", "Sport", "Opinion", "Contact us"
PROSE_WORDS = 8  # a line of at least this many words is prose, not chrome
WORSE_PROSE = 0.3  # a rerun whose share of prose is this much lower than the first pass's lost


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def link_text_share(text: str, tree: Any) -> float:
    """The share of a text's lines that are the whole text of one of the page's links: a
    navigation menu's lines are; an article's are not. 0 for short texts and for texts of
    mostly long lines (not a menu)."""
    lines = _lines(text)
    if len(lines) < MENU_MIN_LINES or tree is None:
        return 0.0
    if sum(1 for line in lines if len(line.split()) <= MENU_WORDS) < MENU_LINK_SHARE * len(lines):
        return 0.0  # mostly long lines: no menu, and no walk of the page's links (0.5 ms)
    anchors = {" ".join(a.text_content().split()).lower() for a in tree.iter("a")}
    return sum(1 for line in lines if line.lower() in anchors) / len(lines)


def prose_share(text: str) -> float:
    """The share of a text's characters in lines of PROSE_WORDS words or more."""
    lines = _lines(text)
    total = sum(len(line) for line in lines)
    return sum(len(line) for line in lines if len(line.split()) >= PROSE_WORDS) / max(1, total)


def failed_pass(text: str, tree: Any, held: int) -> str | None:
    """Why a first pass is not to be trusted without trafilatura's full comparison: it kept
    a fragment of the page's paragraph text (`held`), or it is the site's menu."""
    if len(text) < COLLAPSE_SHARE * held:
        return f"first pass kept {len(text) / held:.0%} of the page's paragraph text"
    links = link_text_share(text, tree)
    if links >= MENU_LINK_SHARE:
        return f"first pass was {links:.0%} link text"
    return None


def worse_rerun(first: str, second: str, tree: Any) -> str | None:
    """Why the full pass lost to the first: it is link text (a menu) where the first was
    not, or its share of prose is far lower (page chrome around a short article)."""
    if len(first) < MIN_TEXT_CHARS:
        return None
    if link_text_share(second, tree) >= MENU_LINK_SHARE > link_text_share(first, tree):
        return "the full pass was link text"
    first_prose, second_prose = prose_share(first), prose_share(second)
    if second_prose < first_prose - WORSE_PROSE:
        return f"the full pass was {second_prose:.0%} prose against {first_prose:.0%}"
    return None


def lists_not_kept(first: str, second: str, tree: Any, dropped: int) -> str | None:
    """Why the recall pass lost to a first pass that left out the article's lists: it did
    not bring back at least half of them, or it lost text the first pass had."""
    if len(second) < len(first):
        return "the recall pass was shorter"
    if dropped_list_chars(tree, second) > dropped / 2:
        return "the recall pass left out the lists too"
    return None


RUN_TOGETHER_CHARS = 2000  # one line this long is paragraphs run together, not a paragraph
RESTORED_LINES = 3  # a rerun in at least this many lines has its paragraphs back
RESTORED_SHARE = 0.75  # ... if it kept this share of the text: less is article text lost


def run_together(text: str) -> str | None:
    """Why a first pass is to be run again: its text is one line of several thousand
    characters, the page's paragraphs (and its captions and byline with them) run into one,
    from a layout the fast pass reads as one block (1.7 % of ../shared's pages)."""
    lines = _lines(text)
    if len(lines) == 1 and len(lines[0]) >= RUN_TOGETHER_CHARS:
        return f"first pass ran {len(lines[0])} characters into one line"
    return None


def paragraphs_not_restored(first: str, second: str) -> str | None:
    """Why a rerun does not replace a first pass run into one line: it is not in
    paragraphs either, or it lost more than a quarter of the text (article, not chrome)."""
    if len(_lines(second)) < RESTORED_LINES:
        return "no pass found its paragraphs"
    if len(second) < RESTORED_SHARE * len(first):
        return f"the pass in paragraphs kept {len(second) / len(first):.0%} of it"
    return None


def _main_text(
    tree: Any, page: str, url: str, held: int = 0
) -> tuple[str, str, dict[str, Any], str]:
    """(plain text, markdown, trafilatura's voices on the metadata, method that won and why).

    trafilatura first (precision, no comments), then trafilatura favouring recall, then its
    baseline extractor, which takes every paragraph-like block. `tree` is the caller's parse,
    shared by both passes and our own reading (trafilatura works on copies). `fast` skips
    trafilatura's second opinion from readability and jusText: 9 ms a page, and on most
    pages the same text. On some it keeps a fragment (a box of the page, 5-10 % of the
    article, still over 200 characters), or a site's menu: such a first pass (`failed_pass`)
    is run again with the comparison (`trafilatura_full`), 2 % of pages (bench/README.md,
    issues 18 and 35), and the rerun is kept unless it is worse (`worse_rerun`). A first
    pass that ran the page's paragraphs into one line (`run_together`) is run again with
    the comparison, then favouring recall, and the first rerun in paragraphs is kept
    (`paragraphs_not_restored`). A first pass that left out the lists set among the
    article's paragraphs (`dropped_list_chars`, 4 % of pages) is run again favouring
    recall, which takes lists, and the rerun is kept if it brought them back
    (`lists_not_kept`). The method says why when a rerun was considered:
    "trafilatura_full: first pass kept 12 % of …".
    """
    found = _extractor_voices(tree, url) if tree is not None else {}
    first: tuple[str, str, str] | None = None  # a first pass run again: (text, markdown, why)
    rerun = ""  # what the first pass lacked: "text", "paragraphs" or "lists"
    dropped = 0  # characters of the article's lists the first pass left out
    methods = ["trafilatura", "trafilatura_recall"]
    while tree is not None and methods:
        method = methods.pop(0)
        doc = trafilatura.bare_extraction(
            tree,
            url=url,
            fast=method != "trafilatura_full",
            favor_recall=method == "trafilatura_recall",
            include_comments=False,
            include_formatting=True,
            with_metadata=False,
        )
        if doc is None:
            continue
        text = xmltotxt(doc.body, include_formatting=False).strip() if doc.body is not None else ""
        if method == "trafilatura":
            why = failed_pass(text, tree, held)
            rerun = "text" if why else ""
            if not why:
                why = run_together(text)
                rerun = "paragraphs" if why else ""
            if why:
                first = (text, doc.text, why)
                methods.insert(0, "trafilatura_full")
                continue
            dropped = dropped_list_chars(tree, text) if len(text) >= MIN_TEXT_CHARS else 0
            if dropped >= LIST_MIN_CHARS:  # the recall pass, next in `methods`, takes lists
                first = (text, doc.text, f"first pass left out {dropped} characters of lists")
                rerun = "lists"
                continue
            dropped = 0
        elif first is not None and (rerun != "text" or method == "trafilatura_full"):
            if rerun == "lists":
                lost = lists_not_kept(first[0], text, tree, dropped)
            elif rerun == "paragraphs":
                lost = paragraphs_not_restored(first[0], text) or worse_rerun(first[0], text, tree)
            else:
                lost = worse_rerun(first[0], text, tree)
            if lost and rerun == "paragraphs" and methods:
                continue  # the recall pass, next, may find them
            if lost:
                return first[0], first[1].strip(), found, f"trafilatura: {lost}"
            method = f"{method}: {first[2]}"
        if len(text) >= MIN_TEXT_CHARS:
            return text, doc.text.strip(), found, method  # its text: Markdown, formatting on
    if first is not None and rerun in ("lists", "paragraphs"):
        why = "no recall pass" if rerun == "lists" else "no pass found its paragraphs"
        return first[0], first[1].strip(), found, f"trafilatura: {why}"
    _, text, _ = trafilatura.baseline(page)
    text = (text or "").strip()
    return text, text, found, "baseline"


def normalise_tags(tags: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Lower case, whitespace squashed, one entry per tag (the first source wins)."""
    seen: dict[str, str] = {}
    for tag, source in tags:
        name = re.sub(r"\s+", " ", tag).strip(" #,;").lower()
        if name and len(name) <= 80 and name not in seen:
            seen[name] = source
    return tuple(seen.items())


def _drop_leading_title(text: str, title: str) -> str:
    """The headline has its own column; repeated as the first line it is not body text."""
    first, _, rest = text.partition("\n")
    if _norm(first.lstrip("# ")) == _norm(title) and rest.strip():
        return rest.strip()
    return text


def extract_article(
    body: bytes,
    url: str,
    fetched_at: datetime,
    candidate: Candidate | None = None,
    source_name: str | None = None,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    robots_decision: str | None = None,
) -> Article:
    """The article of one page; raises ExtractionError with the reason when unusable
    (a wall, a shell or a not-found page by its kind: transforms/page_kind.py).
    `content_type` is the HTTP header, whose charset comes first in decoding the bytes;
    `headers` (X-Robots-Tag) and `robots_decision` are what the rights columns record."""
    decoded = decode_page(body, content_type)
    page = parseable(decoded.text)
    streamed = is_streamed(page)
    if streamed:
        page = without_fallbacks(page)
    # one parse for our reading and trafilatura's (which works on copies of the tree); a
    # page trafilatura's parser refuses is still read by lxml's, for the baseline extractor
    tree = load_page(page)
    ours = tree if tree is not None else parse_html(page)
    if ours is None:
        raise ExtractionError("not parseable as HTML")
    if streamed:
        reveal_parts(ours, page)
    meta = read_page_meta(ours)
    captions = figure_captions(ours)
    text, markdown, found, method = _main_text(tree, page, url, paragraph_chars(ours))
    declared = meta.jsonld.get("articleBody")
    if isinstance(declared, str) and len(declared) >= DECLARED_SHARE * len(text):
        shown = shown_body(ours, declared)
        if shown:
            kept = len(text) / len(declared)
            text, markdown = shown
            method = f"declared_body: {method.partition(':')[0]} kept {kept:.0%} of the articleBody"
    text, markdown = without_repeated_runs(text), without_repeated_runs(markdown)
    text, text_credits = split_caption_lines(text)
    markdown, _ = split_caption_lines(markdown)
    text = text.strip()
    kind = not_an_article(ours, page, text)
    if kind:
        raise ExtractionError(kind)
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"too little text ({len(text)} chars < {MIN_TEXT_CHARS})")
    credits = merge_credits(text_credits, captions)
    title, title_source = choose_title(meta, candidate, found.get("title"), url)
    if not title:
        raise ExtractionError("no title")
    not_found = soft_404(meta, title, text)
    if not_found:
        raise ExtractionError(not_found)
    text, markdown = _drop_leading_title(text, title), _drop_leading_title(markdown, title)
    published = choose_published(meta, url, candidate, fetched_at, found.get("date"))
    authors, organisations, authors_source = choose_authors(
        meta, found.get("author"), site_names(meta, url)
    )
    canonical = normalise_url(meta.canonical, url) if meta.canonical else None
    paragraphs = [line for line in text.split("\n") if line.strip()]
    declared = choose_language(meta)
    detected, probability = detect_language(text)
    language = resolve_language(declared, detected, probability)
    return Article(
        **article_tone(text, language),
        url=url,
        canonical_url=canonical,
        source_name=source_name or (candidate.source_name if candidate else None),
        title=title,
        title_source=title_source,
        description=jsonld_text(meta, "description")
        or meta.meta.get("og:description")
        or meta.meta.get("description")
        or found.get("description"),
        language=language,
        language_declared=declared,
        language_detected=detected,
        authors=tuple(authors),
        organisations=tuple(organisations),
        authors_source=authors_source,
        text=text,
        text_markdown=markdown,
        image_credits=tuple(credits),
        tags=normalise_tags(
            page_tags(meta) + [(t, "feed") for t in (candidate.tags if candidate else ())]
        ),
        word_count=count_words(text),
        paragraph_count=len(paragraphs),
        image_count=max(meta.image_count, len(credits)),
        published_at=published.value,
        published_at_source=published.source,
        published_at_precision=published.precision,
        published_local_date=published.local_date,
        dates_rejected=published.rejected,
        modified_at=choose_modified(meta, fetched_at),
        fetched_at=fetched_at,
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        simhash=content_fingerprint(text),
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
        extraction_method=method,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        is_paywalled=is_paywalled(meta, ours, text),
        robots_decision=robots_decision,
        robots_directives=robots_directives(headers, meta),
        license_url=licence_url(meta, ours),
    )
