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


def _key(text: str) -> str:
    """No whitespace, lower case: an element's text and the same words in a pass's text
    compare equal whatever the markup did to spacing ("Bench</h3><p>Brand") and whatever
    the pass put between items (0.1 ms a page, a third of a regex keeping letters only)."""
    return "".join(text.split()).lower()


def _beside_kept_paragraphs(parent: Any, kept: str) -> bool:
    """The parent holds two paragraphs or more, and the first long one is in the pass's text."""
    paragraphs = [child for child in parent if child.tag == "p"]
    if len(paragraphs) < 2:
        return False
    for paragraph in paragraphs:
        key = _key(paragraph.text_content())
        if len(key) > _MIN_PARAGRAPH:
            return key[:_PREFIX] in kept
    return False


def dropped_list_chars(tree: Any, text: str) -> int:
    """Characters of the article's lists (see the module) whose items `text` left out."""
    kept: str | None = None  # the pass's text as keys, made once a list beside <p>s is found
    dropped = 0
    for found in tree.iter("ul", "ol"):
        parent = found.getparent()
        if parent is None or sum(1 for child in parent if child.tag == "p") < 2:
            continue  # menus and footers: no paragraphs beside them, no text walked
        items = [item.text_content() for item in found if item.tag == "li"]
        chars = sum(len(item) for item in items)
        links = sum(len(link.text_content()) for link in found.iter("a"))
        if not chars or links > _LINK_SHARE * chars:
            continue
        if kept is None:
            kept = _key(text)
        if not _beside_kept_paragraphs(parent, kept):
            continue
        dropped += sum(len(item) for item in items if _key(item)[:_PREFIX] not in kept)
    return dropped
