"""What a recogniser gives: typed spans of the text, before resolution.

Its own module so that a recogniser of any kind (the rules in transforms/entities.py, spaCy in
transforms/spacy_recogniser.py, one of your own) depends on this and nothing else, and the
entity resolution can load any of them without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from transforms.gazetteer import Entry


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the text naming something; `entry` is the gazetteer's reading, if any."""

    start: int
    end: int
    surface: str
    entity_type: str
    entry: Entry | None = None
    source: str = "rule"


class Recogniser(Protocol):
    """Anything that finds typed mentions in text: the rules, spaCy, a service."""

    name: str

    def recognise(self, text: str, language: str | None) -> list[Mention]: ...
