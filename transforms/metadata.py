"""Read what a page says about itself (JSON-LD, meta tags, <time>, <h1>, <title>) as evidence.

Each value keeps the name of the place it came from, so the chosen value can say why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import lxml.html
from lxml import etree

from transforms.case_blind import CaseBlind

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "webpage",
    "report",
    "liveblogposting",
}
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified")


@dataclass(slots=True)
class PageMeta:
    """Everything the page declares, unjudged; `choose_*` functions weigh it."""

    jsonld: dict[str, object] = field(default_factory=dict)
    jsonld_ids: dict[str, dict] = field(default_factory=dict)  # "@id" -> node, for references
    meta: dict[str, str] = field(default_factory=dict)
    meta_all: dict[str, list[str]] = field(default_factory=dict)  # repeated tags: article:tag
    title_tag: str | None = None
    h1: str | None = None
    h1_others: tuple[str, ...] = ()  # the page's other <h1>s: a promo box or a sidebar has one too
    canonical: str | None = None
    html_lang: str | None = None
    time_published: str | None = None
    dateline_published: str | None = None
    dateline_modified: str | None = None
    dateline_original: str | None = None  # "Originally published 3 Sept 2024": outranks the rest
    bylines: list[str] = field(default_factory=list)
    image_count: int = 0


def _clean(text: str | None) -> str | None:
    """Whitespace runs squashed to one space (str.split's whitespace is re's \\s, and faster)."""
    if text is None:
        return None
    return " ".join(text.split()) or None


def text_prefix(node: lxml.html.HtmlElement, chars: int) -> str:
    """The first `chars` characters of the node's text squashed as by `_clean`, reading its
    subtree no further than that: the page's whole body is a `<div>` too, and squashing its
    text to look at its start, or to learn it is long, was a third of the dateline search."""
    lead = node.text
    # the usual case: the node's own words, no walk of its subtree, and of a long paragraph
    # only its start (a squashed prefix is a prefix of the squashed whole)
    if lead and len(lead) >= chars and len(start := " ".join(lead[: 4 * chars].split())) >= chars:
        return start[:chars]
    parts: list[str] = []
    size = 0
    for piece in node.itertext():
        parts.append(piece)
        size += len(piece)
        if size >= chars:  # squashing a prefix never makes it longer than the whole
            raw = "".join(parts)
            squashed = " ".join(raw.split())
            if len(squashed) >= chars:
                return squashed[:chars]
            parts = [squashed + " " if raw[-1].isspace() else squashed]
            size = len(parts[0])
    return " ".join("".join(parts).split())


def short_text(node: lxml.html.HtmlElement, limit: int) -> str | None:
    """The node's squashed text, or None when it is empty or longer than `limit`."""
    text = text_prefix(node, limit + 1)
    return text if text and len(text) <= limit else None


# elements a browser sets on lines of their own: a byline's name and its role or date in
# two of them read as two lines, where itertext runs them together ("Ana RuizStaff Writer")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 "
    "h6 header li main nav ol p section table td th tr ul".split()
)
_BLOCK_BREAKS = re.compile(r"\s*\|(?:\s*\|)*\s*")


def _block_pieces(element: lxml.html.HtmlElement) -> Iterator[str]:
    """The element's text in document order, "|" where a block begins or ends; comments and
    instructions give their tails only."""
    for child in element:
        if isinstance(child.tag, str):
            block = child.tag in _BLOCK_TAGS
            if block:
                yield "|"
            yield child.text or ""
            yield from _block_pieces(child)
            if block:
                yield "|"
        yield child.tail or ""


def short_block_text(node: lxml.html.HtmlElement, limit: int) -> str | None:
    """The node's squashed text with its blocks kept apart by " | " ("Ana Ruiz | Staff
    Writer | Reviewed by Li Wei" where the markup has a <div> for each), or None when it is
    empty or longer than `limit` (the breaks not counted). The walk stops once the text, as
    squashed, is far past the limit: a byline-like element can be a whole author box."""
    parts: list[str] = [node.text or ""]
    size = len(" ".join(parts[0].split()))
    for piece in _block_pieces(node):
        parts.append(piece)
        size += len(" ".join(piece.split()))
        if size > 4 * limit:
            return None
    text = _BLOCK_BREAKS.sub(" | ", " ".join("".join(parts).split())).strip(" |")
    if not text or len(text.replace(" | ", " ")) > limit:
        return None
    return text


def _walk_jsonld(node: object) -> list[dict]:
    """Every JSON object in a JSON-LD document, including those inside @graph and lists."""
    found: list[dict] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                if isinstance(item.get(key), list | dict):
                    stack.append(item[key])
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type", [])
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _article_jsonld(tree: lxml.html.HtmlElement) -> tuple[dict[str, object], dict[str, dict]]:
    best: dict[str, object] = {}
    ids: dict[str, dict] = {}
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            doc = json.loads(raw)
        except ValueError:
            continue
        for obj in _walk_jsonld(doc):
            if isinstance(obj.get("@id"), str) and len(obj) > 1:
                ids.setdefault(obj["@id"], obj)
            kinds = _types(obj)
            is_article = kinds & _ARTICLE_TYPES and ("headline" in obj or "datePublished" in obj)
            # a NewsArticle beats a generic WebPage describing the same URL
            if is_article and (not best or "webpage" in _types(best)):
                best = obj
    return best, ids


def read_page_meta(tree: lxml.html.HtmlElement) -> PageMeta:
    """Collect the page's self-description from a parsed tree."""
    meta: dict[str, str] = {}
    meta_all: dict[str, list[str]] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        content = _clean(node.get("content"))
        if key and content:
            meta.setdefault(key, content)
            meta_all.setdefault(key, []).append(content)
    canonical = None
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            canonical = link.get("href").strip()
            break
    title_nodes = tree.xpath("//title")
    scope = tree.xpath("//article") or tree.xpath("//main") or [tree]
    h1_nodes = scope[0].xpath(".//h1") or tree.xpath("//h1")
    others = [n for n in tree.xpath("//h1")[:8] if n is not h1_nodes[0]] if h1_nodes else []
    published_time = published_time_element(scope[0], h1_nodes[0] if h1_nodes else None)
    lang = tree.xpath("/html/@lang") or tree.xpath("//html/@lang")
    dateline_published, dateline_modified, dateline_original = visible_datelines(tree)
    jsonld, ids = _article_jsonld(tree)
    return PageMeta(
        meta_all=meta_all,
        jsonld=jsonld,
        jsonld_ids=ids,
        meta=meta,
        title_tag=_clean(title_nodes[0].text_content()) if title_nodes else None,
        h1=_clean(h1_nodes[0].text_content()) if h1_nodes else None,
        h1_others=tuple(t for t in (_clean(n.text_content()) for n in others) if t),
        canonical=canonical,
        html_lang=_clean(lang[0]) if lang else None,
        time_published=_clean(published_time),
        dateline_published=dateline_published,
        dateline_modified=dateline_modified,
        dateline_original=dateline_original,
        bylines=visible_bylines(tree, h1_nodes[0] if h1_nodes else None),
        image_count=len(scope[0].xpath(".//img")) if scope[0] is not tree else 0,
    )


def parse_html(body: bytes | str) -> lxml.html.HtmlElement | None:
    """A tolerant parse; None for bytes that are not a document at all."""
    try:
        return lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return None


def jsonld_text(meta: PageMeta, key: str) -> str | None:
    value = meta.jsonld.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return _clean(str(value)) if value is not None else None


def jsonld_people(meta: PageMeta) -> tuple[list[str], list[str]]:
    """JSON-LD authors split into people and organisations (wire agencies, desks)."""
    people: list[str] = []
    orgs: list[str] = []
    value = meta.jsonld.get("author")
    for item in value if isinstance(value, list) else [value] if value else []:
        if isinstance(item, dict) and "name" not in item and isinstance(item.get("@id"), str):
            item = meta.jsonld_ids.get(item["@id"], item)  # Yoast-style {"@id": ...} reference
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict) and item.get("name"):
            name = item["name"]
            name = name[0] if isinstance(name, list) and name else name
            target = orgs if _types(item) & {"organization", "newsmediaorganization"} else people
            target.append(str(name))
    return people, orgs


def meta_first(meta: PageMeta, keys: tuple[str, ...]) -> tuple[str, str] | None:
    for key in keys:
        if key in meta.meta:
            return key, meta.meta[key]
    return None


PUBLISHED_META_KEYS = _PUBLISHED_META
MODIFIED_META_KEYS = _MODIFIED_META


_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[,\s]+(?:at\s+)?(\d{1,2})[:.](\d{2})\s*([ap]\.?m\.?)?)?"
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}}){_TIME}", re.IGNORECASE)
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}}){_TIME}", re.IGNORECASE)
_DATELINE_HINT = re.compile(
    r"date|time|byline|meta|publish|posted|updated|originally|first", re.IGNORECASE
)
_DATELINE_HINTS = CaseBlind(_DATELINE_HINT)  # found on the lower-cased text: twice as fast
_MODIFIED_WORDS = re.compile(r"^\W*(updated|modified|last updated|aktualisiert)", re.IGNORECASE)


def parse_dateline(text: str) -> str | None:
    """'Published 14 November 2026, 08:15' -> '2026-11-14T08:15' (no zone: the page gives none)."""
    for pattern, day_first in ((_DAY_FIRST, True), (_MONTH_FIRST, False)):
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groups()
        if day_first:
            day, month, year = int(groups[0]), _MONTHS[groups[1].lower()], int(groups[2])
        else:
            month, day, year = _MONTHS[groups[0].lower()], int(groups[1]), int(groups[2])
        hour, minute, meridiem = groups[3], groups[4], groups[5]
        stamp = f"{year:04d}-{month:02d}-{day:02d}"
        if hour is not None and minute is not None:
            h = int(hour)
            if meridiem:
                h = h % 12 + (12 if meridiem.lower().startswith("p") else 0)
            if h < 24 and int(minute) < 60:
                stamp += f"T{h:02d}:{int(minute):02d}"
        return stamp
    return None


_NOT_BYLINE_CONTEXT = (
    "comment",
    "related",
    "recommend",
    "footer",
    "sidebar",
    "newsletter",
    "menu",
)
_UPDATED_INSIDE = re.compile(r"(?:last\s+)?(?:updated|modified|aktualisiert)\b", re.IGNORECASE)


# where a date belongs to something else: a reader's comment, another story's card. Not
# "sidebar" or "footer": layouts put the article's own date in a column so named.
_OTHER_DATES = ("comment", "related", "recommend")
# a layout's words for the page that holds a sidebar, not for the sidebar: "has-sidebar"
_LAYOUT_PREFIXES = frozenset({"has", "no", "with", "without", "is", "layout", "page", "l", "u"})
_TOKEN_PARTS = re.compile(r"[-_]+")
# the article's own footer ("entry-footer", "post-footer"): its byline and meta, not the
# site's footer
_ARTICLE_WORDS = frozenset({"entry", "post", "article", "story"})


def names_part(node: lxml.html.HtmlElement, words: tuple[str, ...]) -> bool:
    """The node's class or id names it as one of `words`: a word of a class token begins or
    ends with it ("comments", "commentlist", "jcomments", "related-posts", "article-sidebar"),
    unless a layout word says the page merely has one ("has-sidebar", "ast-no-sidebar")."""
    return _names_any(f"{node.get('class') or ''} {node.get('id') or ''}", words)


@lru_cache(maxsize=8192)
def _names_any(names: str, words: tuple[str, ...]) -> bool:
    """`names_part` on a class-and-id string: a page repeats a few hundred of them over
    thousands of elements, so each is read once."""
    for token in names.lower().split():
        parts = [p for p in _TOKEN_PARTS.split(token) if p]
        for i, part in enumerate(parts):
            if i > 0 and parts[i - 1] in _LAYOUT_PREFIXES:
                continue
            if part == "footer" and i > 0 and parts[i - 1] in _ARTICLE_WORDS:
                continue
            if any(part.startswith(w) or part.rstrip("s").endswith(w) for w in words):
                return True  # "comments", "commentlist", "jcomments", "related-posts"
    return False


def _in_aside(node: lxml.html.HtmlElement, scope: lxml.html.HtmlElement) -> bool:
    """Inside a comment or a related-stories card: their dates are not the article's."""
    while node is not None and node is not scope:
        if names_part(node, _OTHER_DATES):
            return True
        node = node.getparent()
    return False


# ISO 8601 durations ("PT7M", a reading time; "P1D") are never dates
_DURATION = re.compile(r"^\s*P(?=\d|T\d)", re.IGNORECASE)
_UPDATE_MARK = re.compile(r"modif|updat|aktualisiert|actualiz|mis à jour|aggiorn", re.IGNORECASE)
_ORIGINAL_WORDS = re.compile(
    r"(?:originally|first)\s+(?:published|posted)|ursprünglich\s+(?:veröffentlicht|erschienen)"
    r"|erstmals\s+(?:veröffentlicht|erschienen)|publié\s+(?:initialement|à l'origine)"
    r"|publicado\s+originalmente|pubblicato\s+originariamente",
    re.IGNORECASE,
)
CARD_SIBLINGS = 3  # this many look-alike siblings, each with its own date, are a list of cards


def _label_before(node: lxml.html.HtmlElement) -> str:
    """The words just before an element: 'Updated' in '<span>Updated <time …></span>'."""
    previous = node.getprevious()
    if previous is not None and not isinstance(previous.tag, str):
        return (previous.tail or "")[-40:]  # a comment's words are not the page's
    if previous is not None:
        return f"{_clean(previous.text_content()) or ''} {previous.tail or ''}"[-40:]
    parent = node.getparent()
    return (parent.text or "")[-40:] if parent is not None else ""


def in_card_list(node: lxml.html.HtmlElement, scope: lxml.html.HtmlElement) -> bool:
    """Inside one of several look-alike siblings that each carry a date: a list of teaser
    cards (related stories, "most read"), whatever its class is called."""
    card = node.getparent()
    for _ in range(4):
        if card is None or card is scope:
            return False
        parent = card.getparent()
        if parent is not None:
            alike = [
                s
                for s in parent
                if s.tag == card.tag
                and s.get("class") == card.get("class")
                and s.find(".//time") is not None
            ]
            if len(alike) >= CARD_SIBLINGS:
                return True
        card = parent
    return False


def published_time_element(
    scope: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None
) -> str | None:
    """The `<time datetime>` that dates the article: one marked as published, else the one
    nearest the headline; never a duration, an update, a comment's or a card's."""
    usable = []
    for node in scope.iter("time"):
        value = node.get("datetime")
        if not value or _DURATION.match(value) or _in_aside(node, scope):
            continue
        marks = f"{node.get('itemprop') or ''} {node.get('class') or ''}"
        if "publish" in marks.lower():
            return value
        if _UPDATE_MARK.search(marks) or _UPDATE_MARK.search(_label_before(node)):
            continue
        if in_card_list(node, scope):
            continue
        usable.append(node)
    if len(usable) > 1 and headline is not None:
        order = {id(n): i for i, n in enumerate(scope.iter())}
        at = order.get(id(headline))
        if at is not None:
            usable.sort(key=lambda n: abs(order.get(id(n), 0) - at))
    return usable[0].get("datetime") if usable else None


DATELINE_MAX_CHARS = 120  # longer, an element is the article or a block of it, not a dateline


def _dateline_text(node: lxml.html.HtmlElement) -> str | None:
    """The text of an element that may be a dateline: short, and its class, id or first
    words say date, time, byline, published... Its class is read first, then the start of
    its text, then, for the few that pass, all of it."""
    hint = f"{node.get('class') or ''} {node.get('id') or ''}"
    if not _DATELINE_HINTS.search(hint) and not _DATELINE_HINTS.search(text_prefix(node, 24)):
        return None
    return short_text(node, DATELINE_MAX_CHARS)


def visible_datelines(
    tree: lxml.html.HtmlElement,
) -> tuple[str | None, str | None, str | None]:
    """Published, updated and "originally published" stamps from short dateline-like
    elements in the article header. One element may hold both ("December 22, 2022 Updated:
    January 2, 2026"): the words before "updated" date the publication, those after it the
    update. "Originally published 3 Sept 2024" is kept apart: it outranks every other voice."""
    scope = (tree.xpath("//article") or tree.xpath("//main") or [tree])[0]
    published = modified = original = None
    for node in scope.iter("p", "span", "div", "time", "small", "li"):
        text = _dateline_text(node)
        if not text or _in_aside(node, scope):
            continue
        first = _ORIGINAL_WORDS.search(text)
        if first and original is None:
            original = parse_dateline(text[first.end() :])
            text = text[: first.start()]
        before, later = text, None
        inside = _UPDATED_INSIDE.search(text)
        if inside and not _MODIFIED_WORDS.search(text):
            before, later = text[: inside.start()], parse_dateline(text[inside.end() :])
        stamp = parse_dateline(before)
        if stamp and _MODIFIED_WORDS.search(text):
            modified = modified or stamp
        elif stamp:
            published = published or stamp
        if later:
            modified = modified or later
        if published and modified:
            break
    return published, modified, original


def _byline_like(node: lxml.html.HtmlElement) -> bool:
    """class mentions byline or author (any case), rel=author, or an author itemprop.

    A Python walk: the same test as one XPath with translate() is three times slower."""
    classes = (node.get("class") or "").lower()
    return (
        "byline" in classes
        or "author" in classes
        or node.get("rel") == "author"
        or "author" in (node.get("itemprop") or "")
    )


# a visible byline's own words: "By Ana Ruiz", "Written by: Ana Ruiz", "by Ana Ruiz · Dec 20"
_BYLINE_TEXT = re.compile(r"^(?:written\s+by|words\s+by|posted\s+by|by)\s*:?\s+\S", re.I)
# an element that only labels the next one: <p>Written by</p><p>Ana Ruiz</p>
_BYLINE_LABEL = re.compile(r"^(?:written\s+by|words\s+by|posted\s+by|by|authors?)$", re.I)
# a link to an author's page, the path every CMS gives one (WordPress: /author/<slug>/)
_AUTHOR_PATH = re.compile(r"/(?:authors?|writers?|contributors?|byline|people|staff)/[^/?#]+", re.I)
_SKIP_TAGS = frozenset({"meta", "link", "script", "style", "body", "html", "head", "title"})
BYLINE_MAX_CHARS = 80  # longer, a byline-like element is an author box or a bio, not a byline
LABELLED_NAME_MAX_CHARS = 60  # the element after a "Written by" label: a name, not a paragraph


def _byline_text(node: lxml.html.HtmlElement) -> str | None:
    """What a node says as a byline, by one of three structural signals, or None."""
    if _byline_like(node) or (node.tag == "a" and _AUTHOR_PATH.search(node.get("href") or "")):
        return short_block_text(node, BYLINE_MAX_CHARS)
    lead = (node.text or "").strip()  # the node's own first words: no walk of its subtree
    if not lead or len(lead) > BYLINE_MAX_CHARS:
        return None
    if _BYLINE_LABEL.match(lead.rstrip(":")):
        if len(node):  # "By <a>Ana Ruiz</a>"
            return short_block_text(node, BYLINE_MAX_CHARS)
        following = node.getnext()  # <p>Written by</p><p>Ana Ruiz</p>
        if following is not None and isinstance(following.tag, str):
            return short_block_text(following, LABELLED_NAME_MAX_CHARS)
        return None
    if _BYLINE_TEXT.match(lead):
        return short_block_text(node, BYLINE_MAX_CHARS)
    return None


def visible_bylines(
    tree: lxml.html.HtmlElement, headline: lxml.html.HtmlElement | None = None, limit: int = 5
) -> list[str]:
    """Short texts of byline-like elements outside comments and related lists, nearest the
    headline first (a related story's card or a book list can come before the article's own
    byline in the page): an element classed or marked up as a byline, a link to an author
    page, a short text that begins "By", or the element after a "Written by" label."""
    found: list[tuple[int, str]] = []
    anchor = None
    # what holds the headline holds the article: its names are the page's layout
    # ("content-sidebar-wrap", a body "one-sidebar"), not a sidebar the byline sits in
    layout = set(headline.iterancestors()) if headline is not None else set()
    for position, node in enumerate(tree.iter(etree.Element)):
        if node is headline:
            anchor = position
        if node.tag in _SKIP_TAGS:
            continue
        text = _byline_text(node)
        if not text or any(text == t for _, t in found):
            continue
        if node.tag in _NOT_BYLINE_CONTEXT or any(
            a.tag == "nav" or a.get("role") == "navigation" or names_part(a, _NOT_BYLINE_CONTEXT)
            for a in node.iterancestors()
            if a not in layout
        ):
            continue  # a comment's, a related card's, a menu's "By …" is not the article's
        found.append((position, text))
        if len(found) >= 3 * limit:
            break
    if anchor is not None:
        found.sort(key=lambda item: abs(item[0] - anchor))
    return [text for _, text in found[:limit]]


def page_tags(meta: PageMeta) -> list[tuple[str, str]]:
    """(tag, where it came from): article:tag, keywords, JSON-LD keywords, the section."""
    found: list[tuple[str, str]] = []
    for key in ("article:tag", "keywords", "news_keywords"):
        for value in meta.meta_all.get(key, []):
            found.extend((t, "meta") for t in value.split(","))
    keywords = meta.jsonld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        found.extend((str(t), "jsonld") for t in keywords)
    for section in meta.meta_all.get("article:section", []):
        found.append((section, "section"))
    section = meta.jsonld.get("articleSection")
    if isinstance(section, str):
        found.append((section, "section"))
    return found
