"""The shared parse of a page: trafilatura's tree, with element classes chosen in C."""

import copy

import pytest
from lxml import etree
from lxml.html import HtmlComment, HtmlElement
from trafilatura.utils import load_html, repair_faulty_html

from tests.conftest import SHARED, shared_html, shared_pages
from transforms.page_tree import load_page, repaired

PAGES = {
    "plain": "<html><head><title>Storm</title></head><body><p>Rain fell.</p></body></html>",
    "declared": '<?xml version="1.0" encoding="utf-8"?><html><body><p>Wind é</p></body></html>',
    "doctype": "<!DOCTYPE html>\n<html><body><form><input value='x'></form></body></html>",
    "self-closing": "<html/>\n<body><article><p>Snow.</p></article></body>",
    "fragment": "<p>Only a paragraph</p>",
    "thin": "<div><p>one</p></div><div><p>two</p></div>",
    "nothing": "   ",
}


REPAIRS = [
    "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN' 'http://w3.org/xhtml1.dtd' />\n<html>",
    "<!doctype html/><html><body><p>one line, no newline</p></body></html>",
    "<html xmlns='http://www.w3.org/1999/xhtml' />\n<body><p>x</p></body>",
    "\n\n\n\n<html/>\n<p>the fifth line is too late</p>",
    "<html><body><p>a bell \x07 and a form feed \x0c</p></body></html>",
    "<html><body><p>not a character \ufffe here, nor \uffff</p></body></html>",
    "<!DOCTYPE html/>\n<html/>\x00",
    "<html><body><p>nothing to repair, tab\tand newline\r\n</p></body></html>",
]


@pytest.mark.parametrize("page", REPAIRS)
def test_the_repairs_are_trafilaturas(page: str) -> None:
    """Its scan for characters XML forbids runs only where one is: every repair, and its
    quirks (a newline added to a one-line page with a doctype), are as trafilatura's."""
    beginning = page[:50].lower()
    assert repaired(page, beginning) == repair_faulty_html(page, beginning)


def test_the_repair_pages_are_repaired() -> None:
    """Not a vacuous comparison: most of the pages above change."""
    assert sum(repaired(p, p[:50].lower()) != p for p in REPAIRS) >= len(REPAIRS) - 2


def _shape(tree: HtmlElement | None) -> bytes | None:
    return None if tree is None else etree.tostring(tree)


@pytest.mark.parametrize("name", PAGES)
def test_the_tree_is_the_one_trafilatura_builds(name: str) -> None:
    assert _shape(load_page(PAGES[name])) == _shape(load_html(PAGES[name]))


def test_the_pages_written_here_take_both_answers() -> None:
    """Not a vacuous comparison: pages parse, and some are refused."""
    answers = [load_page(page) for page in PAGES.values()]
    assert sum(a is not None for a in answers) >= 4
    assert None in answers


def test_element_classes_are_chosen_without_a_python_call() -> None:
    """lxml.html's lookup (a Python method per element handed to Python) gives a form its
    own class; the parser here gives every element the plain HtmlElement, which still reads
    its text, and a copy of the tree keeps that parser."""
    tree = load_page(PAGES["doctype"])
    assert type(load_html(PAGES["doctype"]).find(".//form")) is not HtmlElement
    for element in (tree.find(".//form"), copy.deepcopy(tree).find(".//input")):
        assert type(element) is HtmlElement
    assert tree.find(".//body").text_content() == ""
    commented = load_page("<html><body><!-- c --><p>x</p></body></html>")
    assert not any(isinstance(e, HtmlComment) for e in commented.iter())  # removed, as before


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus (real pages)")
def test_real_pages_parse_as_trafilatura_parses_them() -> None:
    """Every fifth page of both sets, decoded as gazette decodes it."""
    from transforms.encoding import decode_page, parseable

    checked = 0
    for record, folder in shared_pages(every=5):
        page = parseable(decode_page(shared_html(record, folder), "text/html").text)
        beginning = page[:50].lower()
        assert _shape(load_page(page)) == _shape(load_html(page))
        assert repaired(page, beginning) == repair_faulty_html(page, beginning)
        checked += 1
    assert checked >= 80
