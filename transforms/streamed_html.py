"""A page streamed in parts (React's server rendering) put together as a browser shows it.

A server that streams a page (React 18's `renderToPipeableStream`, used by Next.js and
others) first sends each slow part as a placeholder: a `<template id="B:0">` marking the
spot, then a fallback ("Loading paragraph..."). The part itself comes later in the same
document, in a hidden `<div hidden id="S:0">` at the end of the body, and a one-line script
(`$RC("B:0","S:0")`, or `$RS("S:1","P:1")` for a part inside a part) moves it into place.
An extractor that does not run scripts reads the placeholder and the fallback where the
article is, and the article's paragraphs as a hidden block after the footer: it keeps the
first sections and loses the rest (a guide whose sections four to six came as parts kept
33 % of its text; bench/README.md, issue 35). The moves are done here, on the tree, as the
scripts would: the format is React's, not any site's.
"""

from __future__ import annotations

import re
from typing import Any

# a boundary still pending (`<!--$?-->`), its placeholder, its fallback, its end comment;
# a fallback holding another boundary (a nested `<!--$`) is left as it is
_FALLBACK = re.compile(
    r"<!--\$\?-->\s*(<template id=\"([^\"]{0,40}?B:[0-9a-z]{1,12})\"></template>)"
    r"(?:(?!<!--[$/]).){0,20000}?<!--/\$-->",
    re.DOTALL,
)
# the moves as the page's scripts make them: completeBoundary ($RC; $RR, with style sheets)
# and completeSegment ($RS), or the same as data attributes for React's external runtime
_MOVE = re.compile(
    r"\$R([CRS])\(\"([^\"]{1,64})\",\s*\"([^\"]{1,64})\"|<template (data-r[crs]i)\b[^>]{0,300}>"
)
_MAX_PARTS = 2000  # a page's parts taken at most: bounded work on a hostile page
# a part's id (`B:0`, `S:1`, `P:1`, after the page's own prefix, if any), a hidden part as
# the server sends it, and an id in the external runtime's data attributes
_PART_ID, _HIDDEN_PART, _DATA_ID = (
    re.compile(r"(.{0,40}?)([BPS]):([0-9a-z]{1,12})"),
    re.compile(r"<div hidden[^>]{0,40}? id=\"([^\"]{0,40}?)S:([0-9a-z]{1,12})\""),
    re.compile(r"data-([bsp])id=\"([^\"]{1,64})\""),
)


def is_streamed(page: str) -> bool:
    """Whether a page may hold parts sent apart from their place: one C scan of the page
    (0.1 ms), the only cost on a page that does not."""
    return "<template id=" in page


def scripted_moves(page: str) -> list[tuple[str, str]]:
    """(part, place) for each move the page's scripts make, in their order."""
    moves = []
    for found in _MOVE.finditer(page):
        kind, first, second, data = found.groups()
        if data:
            ids = dict(_DATA_ID.findall(found.group(0)))
            part, place = ids.get("s"), ids.get("p" if data == "data-rsi" else "b")
        else:
            part, place = (first, second) if kind == "S" else (second, first)
        if part and place:
            moves.append((part, place))
    return moves


def without_fallbacks(page: str) -> str:
    """The page with the fallback of each pending boundary whose part arrived removed (what
    the browser removes when it moves the part in), found by the comments that the parser
    would drop. A boundary whose part never came (a client-side render) keeps its fallback."""
    if "<!--$?-->" not in page:
        return page
    moves = scripted_moves(page)
    if moves:
        arrived = {place for _, place in moves}
    else:  # a page saved without its scripts: a hidden part of the same number
        arrived = {f"{prefix}B:{number}" for prefix, number in _HIDDEN_PART.findall(page)}

    def removed(found: re.Match[str]) -> str:
        return found.group(1) if found.group(2) in arrived else found.group(0)

    return _FALLBACK.sub(removed, page)


def part_moves(page: str, ids: set[str]) -> list[tuple[str, str]]:
    """(part, place) pairs in the order the page's scripts make them. A page saved without
    its scripts pairs each hidden part with the placeholder of the same number: the number
    React gives a part and the placeholder it fills (`S:3`, `P:3`), and, on the pages seen,
    the boundary it completes (`B:3`) too, though React counts those apart."""
    moves = scripted_moves(page)
    if moves:
        return [(part, place) for part, place in moves if part in ids and place in ids]
    pairs = []
    for part in ids:
        found = _PART_ID.fullmatch(part)
        if found and found.group(2) == "S":
            prefix, number = found.group(1), found.group(3)
            places = (f"{prefix}P:{number}", f"{prefix}B:{number}")
            place = next((p for p in places if p in ids), None)
            if place:
                pairs.append((part, place))
    return sorted(pairs)


def reveal_parts(tree: Any, page: str) -> int:
    """Move each hidden part of a streamed page into its placeholder, in place; how many
    parts moved. A part with no placeholder, or a placeholder with no part, stays."""
    found: dict[str, Any] = {}
    for element in tree.iter("template", "div"):
        name = element.get("id")
        kind = _PART_ID.fullmatch(name).group(2) if name and _PART_ID.fullmatch(name) else None
        if kind and (kind == "S") == (element.tag == "div"):
            found.setdefault(name, element)
        if len(found) >= 2 * _MAX_PARTS:
            break
    moved = 0
    for part_id, place_id in part_moves(page, set(found))[:_MAX_PARTS]:
        part, place = found[part_id], found[place_id]
        if part.getparent() is None or place.getparent() is None or part.get("hidden") is None:
            continue
        moved += _put_in_place(part, place)
    return moved


def _put_in_place(part: Any, place: Any) -> bool:
    """The part's content where the placeholder was; the placeholder and the emptied part
    removed, the text around each kept."""
    if any(ancestor is part for ancestor in place.iterancestors()):
        return False  # a placeholder inside its own part: nothing a browser could do either
    before = place.getprevious()
    parent = place.getparent()
    lead = part.text or ""
    if lead:
        if before is not None:
            before.tail = (before.tail or "") + lead
        else:
            parent.text = (parent.text or "") + lead
    for child in list(part):
        place.addprevious(child)
    _remove_keeping_tail(place)
    _remove_keeping_tail(part)
    return True


def _remove_keeping_tail(element: Any) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    if tail:
        before = element.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
