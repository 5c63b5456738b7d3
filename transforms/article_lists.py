"""The article's own lists, and whether a pass of trafilatura kept them.

trafilatura's main pass looks for an article frame (`<article>`, a "post-content" class and
the like). On a page without one it falls back to recovering the page's paragraphs one by
one, and in its balanced mode that recovery takes `<p>` but never `<ul>`/`<ol>`: a list set
between the article's paragraphs ("The basic premise is:" then five points) is lost whole,
though its paragraphs are kept. Its recall mode takes lists too. A list is the article's own
when it stands beside the article's paragraphs (the same parent holds two or more `<p>` and
the pass kept them) and is not mostly link text (a menu's or a "read more" list's is).
"""

from __future__ import annotations

from typing import Any

LIST_MIN_CHARS = 200  # left-out list text worth a second pass: a few points, not one item
_MIN_PARAGRAPH = 40  # characters (letters and digits) of a paragraph that identifies it
_PREFIX = 50  # characters of a paragraph or item looked up in the pass's text
_LINK_SHARE = 0.5  # a list this much link text is navigation, not the article's


def text_key(text: str) -> str:
    """No whitespace, lower case: an element's text and the same words in a pass's text
    compare equal whatever the markup did to spacing ("Bench</h3><p>Brand") and whatever
    the pass put between items (0.1 ms a page, a third of a regex keeping letters only)."""
    return "".join(text.split()).lower()


def _first_paragraph(parent: Any) -> str | None:
    """The key of the first long paragraph of a parent that holds two or more, else None."""
    paragraphs = parent.findall("p")
    if len(paragraphs) < 2:
        return None
    for paragraph in paragraphs:
        key = text_key(paragraph.text_content())
        if len(key) > _MIN_PARAGRAPH:
            return key[:_PREFIX]
    return None


def dropped_list_chars(tree: Any, text: str) -> int:
    """Characters of the article's lists (see the module) whose items `text` left out."""
    kept: str | None = None  # the pass's text as keys, made once a list beside <p>s is found
    dropped = 0
    article: dict[Any, bool] = {}  # parent -> beside the paragraphs the pass kept
    for found in tree.iter("ul", "ol"):
        parent = found.getparent()
        if parent is None:
            continue
        if parent not in article:  # lists share parents: each is judged once
            lead = _first_paragraph(parent)
            if lead is None:
                article[parent] = False
            else:
                kept = text_key(text) if kept is None else kept
                article[parent] = lead in kept
        if not article[parent] or kept is None:
            continue  # menus and footers: no paragraphs beside them, or not the article's
        items = [item.text_content() for item in found if item.tag == "li"]
        chars = sum(len(item) for item in items)
        links = sum(len(link.text_content()) for link in found.iter("a"))
        if not chars or links > _LINK_SHARE * chars:
            continue
        dropped += sum(len(item) for item in items if text_key(item)[:_PREFIX] not in kept)
    return dropped
