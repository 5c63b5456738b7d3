"""A statistical recogniser, for those who install one: spaCy and an English pipeline.

Optional by design: gazette never needs it, and `recogniser = "spacy"` fails at config time
with the missing piece named. Its mentions go through the same resolution as the rules'
(aliases, countries, coordinates), so the tables look the same whichever recogniser ran.
"""

from __future__ import annotations

import os
from typing import Any

from transforms.mentions import Mention

# spaCy's labels -> ours; FAC (buildings, airports) are places on a map too
_LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOCATION", "LOC": "LOCATION",
           "FAC": "LOCATION", "NORP": "NORP"}  # fmt: skip


class SpacyRecogniser:
    name = "spacy"

    def __init__(self, model: str | None = None) -> None:
        model = model or os.environ.get("GAZETTE_SPACY_MODEL", "en_core_web_sm")
        try:
            import spacy
        except ImportError as exc:
            raise ImportError("spaCy is not installed: install gazette's `spacy` extra") from exc
        try:
            self._nlp: Any = spacy.load(model, disable=["lemmatizer"])
        except OSError as exc:
            raise ImportError(f"spaCy model {model!r} is not installed") from exc

    def recognise(self, text: str, language: str | None = None) -> list[Mention]:
        doc = self._nlp(text)
        return [
            Mention(ent.start_char, ent.end_char, ent.text, _LABELS[ent.label_], source="spacy")
            for ent in doc.ents
            if ent.label_ in _LABELS
        ]
