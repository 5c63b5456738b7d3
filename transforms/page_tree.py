"""The one parse of a page that trafilatura and our readers share.

trafilatura's `load_html` parses with an `lxml.html` parser, whose element classes are chosen
by a Python method (`HtmlElementClassLookup.lookup`) each time lxml hands Python an element:
two million calls over 421 pages, with our readers, trafilatura's passes and its copies of
the tree all asking, about 3 ms a page (bench/README.md, issue 38). The parser here has the
same settings and picks the classes in C: every element is an `HtmlElement` (with
`text_content`, `drop_tree` and the rest), every comment an `HtmlComment`. What is lost is
only the form classes' extras (`FormElement.fields`, `InputElement.value`), which no reader
of a news page uses. A copy of the tree keeps its parser, so trafilatura's copies gain too.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html, repair_faulty_html

_PARSER = HTMLParser(  # trafilatura's settings (trafilatura.utils.HTML_PARSER)
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)


# the characters XML forbids, which trafilatura's repair removes with a regex over the whole
# page: 0.75 ms for an average page of ../shared (200 KB), where one page in 421 has one
_NOT_XML = "".join(map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)))


def repaired(page: str, beginning: str) -> str:
    """trafilatura's `repair_faulty_html`, its character scan made one search for each
    character (a C scan of the page, 0.3 ms): its regex runs only where one is found."""
    if any(character in page for character in _NOT_XML):
        return repair_faulty_html(page, beginning)
    if "doctype" in beginning:  # a "/" in the doctype (libxml2's bug 1955915)
        first_line, _, rest = page.partition("\n")
        page = DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in page[:4096].splitlines()[:4]:  # a self-closing <html/> in the first lines
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", page, count=1)
    return page


def load_page(page: str) -> HtmlElement | None:
    """The tree of a decoded page as trafilatura's `load_html` builds it (the same repairs,
    the same fallback to bytes, None where it refuses the page), from the parser above."""
    beginning = page[:50].lower()
    page = repaired(page, beginning)
    tree = None
    retried = False
    try:
        tree = fromstring(page, parser=_PARSER)
    except ValueError:  # a str with an encoding declaration: lxml wants its bytes
        tree, retried = _from_bytes(page), True
    except etree.LxmlError:
        tree = None
    if (tree is None or len(tree) < 1) and not retried:
        tree = _from_bytes(page)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None  # trafilatura's test: a page that never says "html" and parses thin
    return tree


def _from_bytes(page: str) -> HtmlElement | None:
    try:
        return fromstring(page.encode("utf8", "surrogatepass"), parser=_PARSER)
    except (etree.LxmlError, ValueError):
        return None
