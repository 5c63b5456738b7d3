"""The article's text as the page declares it (schema.org `articleBody`), shown on the page.

A publisher's JSON-LD may state the article's whole text. Where it is more than twice what
trafilatura kept, and the page's own blocks show it, the pass lost part of the article: a
listicle's slides, a gallery's captions, sections in a carousel class that trafilatura
prunes as boilerplate. The text is then the page's blocks whose text is in the declared
body, in page order: the publisher's words with the page's paragraphs and headings, where
the declared body itself is one run of text with no breaks. A declared body the page does
not show (an older version, a summary, a paywall's full text) changes nothing.
"""

from __future__ import annotations

from typing import Any

from transforms.article_lists import text_key

DECLARED_SHARE = 2.0  # a declared body this many times the extracted text: text was lost
SHOWN_SHARE = 0.8  # share of the declared body the page's blocks must show to be taken
_MIN_BLOCK = 20  # characters (no whitespace) of a block worth looking up
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "dd")
_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_MARKDOWN = {"h2": "## ", "h3": "### ", "h4": "#### ", "h5": "##### ", "h6": "###### ", "li": "- "}


def shown_body(tree: Any, declared: str) -> tuple[str, str] | None:
    """(text, Markdown) of the page's blocks that show the declared body, or None when they
    show less than SHOWN_SHARE of it. A block inside one already taken is not taken twice; a
    heading just before a taken block is its title (declared bodies often leave titles out)."""
    body = text_key(declared)
    if not body:
        return None
    taken: set[Any] = set()
    seen: set[str] = set()  # the keys of the blocks taken
    lines: list[str] = []
    marked: list[str] = []
    heading: tuple[str, str] | None = None  # the last heading, kept if a taken block follows
    shown = 0
    for block in tree.iter(_BLOCKS):
        if any(parent in taken for parent in block.iterancestors()):
            continue
        text = " ".join(block.text_content().split())
        key = text_key(text)
        if key in seen:
            continue  # a pull quote, or the page's mobile copy of the block: once is enough
        if len(key) < _MIN_BLOCK or key not in body:
            if block.tag in _HEADINGS and text:
                heading = (text, _MARKDOWN[block.tag] + text)
            elif text:
                heading = None
            continue
        if heading and block.tag not in _HEADINGS:  # a slide's title, not in the declared body
            lines.append(heading[0])
            marked.append(heading[1])
        heading = None
        taken.add(block)
        seen.add(key)
        shown += len(key)
        lines.append(text)
        marked.append(_MARKDOWN.get(block.tag, "") + text)
    if shown < SHOWN_SHARE * len(body):
        return None
    return "\n".join(lines), "\n\n".join(marked)
