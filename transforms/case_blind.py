"""Case-blind matching at case-sensitive speed.

Python's case-blind regex matching tries every position at about half the speed of a
case-sensitive one. A pattern written in lower case, matched on the lower-cased text, finds
the same places at the same offsets, except where lower-casing and case-blind matching
disagree: the three letters case-blind matching takes for ASCII letters and `lower()` does
not ("İ", "ı", "ſ"), and any letter that `lower()` makes two. Such a text keeps the
case-blind pattern.
"""

from __future__ import annotations

import re

_ODD = frozenset("\u0130\u0131\u017f")  # İ, ı, ſ


def lowered(text: str) -> str | None:
    """`text.lower()`, or None where a case-blind match on the text could differ."""
    if text.isascii():
        return text.lower()
    low = text.lower()
    return low if len(low) == len(text) and _ODD.isdisjoint(text) else None


class CaseBlind:
    """A case-blind pattern's `search` and `finditer`, run on the lower-cased text where
    that finds the same."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.blind = pattern
        self.exact = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)

    def search(self, text: str) -> re.Match[str] | None:
        """Where the pattern is found first (the match is on the lower-cased text)."""
        low = lowered(text)
        return self.exact.search(low) if low is not None else self.blind.search(text)

    def finditer(self, text: str) -> list[re.Match[str]]:
        """`finditer` of the case-blind pattern on the text itself: each place is found on
        the lower-cased text and matched again on the text (a handful a page)."""
        low = lowered(text)
        if low is not None:
            places = list(self.exact.finditer(low))
            found = [self.blind.match(text, place.start()) for place in places]
            pairs = zip(found, places, strict=True)
            if all(m is not None and m.end() == place.end() for m, place in pairs):
                return found  # type: ignore[return-value]
        return list(self.blind.finditer(text))
