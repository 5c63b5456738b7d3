"""trafilatura's byline search (`trafilatura.metadata.extract_author`), same answer, a
third of the cost.

trafilatura copies the whole page, deletes comments, sidebars, dates and figures from the
copy, then runs three XPath expressions whose `re:test` calls back into Python for every
element with a class: 7 ms a page, paid on the quarter of pages where no earlier voice names
a person. Here one walk of the page reads each element's attributes once and runs the same
tests on them in Python (a verdict cached per set of attributes: a page repeats a few hundred;
XPath's own `contains` was no faster, at 0.3 ms a page per test), a candidate inside a deleted
part is skipped by looking at its ancestors, and only a chosen candidate's own subtree is
copied and pruned with trafilatura's own expressions. The expressions are trafilatura 2.x's
(`trafilatura.xpaths.AUTHOR_XPATHS`, `AUTHOR_DISCARD_XPATHS`). Both answer alike on all 842
trees of ../shared's 421 pages (either parser); a test holds them together on pages written
for each rule and on a seventh of ../shared, so a trafilatura that changes them shows there.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache

import lxml.html
from lxml import etree
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

_REL = etree.XPath("//rel")  # see _rel_me
_FIRST_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_FIRST_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_SECOND_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_SECOND_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_SECOND_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_THIRD_ID = re.compile(r"[Aa]uthor")
_THIRD_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    r"|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
AUTHOR_MAX_CHARS = 120  # trafilatura's `len_limit` for the author


def _rel_me(node: lxml.html.HtmlElement) -> bool:
    """XPath's `rel='me'`: a child element named rel whose text is "me" (as trafilatura
    wrote it, without the @)."""
    return any(child.text_content() == "me" for child in node.iterchildren("rel"))


@lru_cache(maxsize=4096)
def _selected(
    tag: str,
    cls: str | None,
    ident: str | None,
    itemprop: str | None,
    rel: str | None,
    testid: str | None,
    component: str | None,
) -> tuple[bool, bool, bool]:
    """Whether each of trafilatura's three expressions selects an element with these
    attributes (its `rel='me'` child test apart)."""
    itemprop = itemprop or ""
    first = tag == "author" or (
        tag in _FIRST_TAGS
        and (
            rel == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or testid in ("AuthorCard", "AuthorURL")
            or (cls is not None and _FIRST_CLASS.search(cls) is not None)
        )
    )
    second = tag in _SECOND_TAGS and (
        cls in ("byline", "username", "byl", "BBL")
        or "author" in itemprop
        or (ident is not None and _SECOND_ID.search(ident) is not None)
        or (cls is not None and _SECOND_CLASS.search(cls) is not None)
    )
    third = (
        "Byline" in (component or "")
        or "author" in itemprop
        or (ident is not None and _THIRD_ID.search(ident) is not None)
        or (cls is not None and _THIRD_CLASS.search(cls) is not None)
    )
    return first, second, third


@lru_cache(maxsize=4096)
def _discards(tag: str, ident: str | None, cls: str | None, component: str | None) -> bool:
    if tag in ("time", "figure"):
        return True
    return tag in _DISCARD_TAGS and (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or (ident is not None and _DISCARD_ID.search(ident) is not None)
        or (cls is not None and _DISCARD_CLASS.search(cls) is not None)
        or "Figure" in (component or "")
    )


def _deleted(node: lxml.html.HtmlElement, root: lxml.html.HtmlElement) -> bool:
    """Whether trafilatura's pruning deletes the node, itself or with an ancestor (the root
    is never deleted)."""
    while node is not None and node is not root:
        tag = node.tag
        if isinstance(tag, str) and _discards(
            tag, node.get("id"), node.get("class"), node.get("data-component")
        ):
            return True
        node = node.getparent()
    return False


def _pruned_text(node: lxml.html.HtmlElement) -> str:
    """The node's text as trafilatura reads it after its pruning: pieces joined by spaces."""
    if node.find(".//*") is not None:  # only an element with children can lose some
        node = prune_unwanted_nodes(deepcopy(node), AUTHOR_DISCARD_XPATHS)
    return trim(" ".join(node.itertext()))


def _candidates(tree: lxml.html.HtmlElement) -> tuple[list, list, list]:
    """What each of the three expressions selects, in document order, before pruning."""
    lists: tuple[list, list, list] = ([], [], [])
    rel_children = bool(_REL(tree))  # XPath's `rel='me'`: only a page with a <rel> element
    for node in tree.iter(etree.Element):
        tag = node.tag
        rel_me = rel_children and tag in _FIRST_TAGS and _rel_me(node)
        if not node.attrib and tag != "author" and not rel_me:
            continue
        get = node.get
        first, second, third = _selected(
            tag,
            get("class"),
            get("id"),
            get("itemprop"),
            get("rel"),
            get("data-testid"),
            get("data-component"),
        )
        for chosen, selected in zip(lists, (first or rel_me, second, third), strict=True):
            if selected:
                chosen.append(node)
    return lists


def byline_search(tree: lxml.html.HtmlElement) -> str | None:
    """`trafilatura.metadata.extract_author(tree)`: the first element, by expression then in
    document order, that is not pruned and whose text is 3 to 119 characters long."""
    root = tree.getroottree().getroot()
    for chosen in _candidates(tree):
        for node in chosen:
            if _deleted(node, root):
                continue
            content = _pruned_text(node)
            if content and 2 < len(content) < AUTHOR_MAX_CHARS:
                return normalize_authors(None, content)
    return None
