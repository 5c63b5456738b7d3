"""One extracted record -> its knowledge layer: entities, quotations and counts.

Runs where extraction runs (the same process-pool worker, right after it), so enrichment
costs no extra pass over the pages. Photo captions are read with the text, since they name
people and places too ("militias including al-Nujaba ... in funeral for five militants");
their credits (AP, AFP) are not, so agencies stay photo credits and do not become entities
of the story. Offsets count in the text, then a blank line, then the captions one per line.
"""

from __future__ import annotations

from typing import Any

from transforms.counts import find_counts
from transforms.entities import article_entities
from transforms.quotes import find_quotes

CAPTION_SEPARATOR = "\n\n"
# enrichment reads at most this much of an article: a 10 MB "article" is a data dump, and
# every pattern here is linear but a worker must not spend minutes on one page
MAX_ENRICH_CHARS = 200_000
_SPEECH_LANGUAGES = {"en", None}


def enrichment_document(record: dict[str, Any]) -> str:
    """What enrichment reads: the article text, then its captions (credits left out)."""
    captions = [c.get("caption") for c in record.get("image_credits") or [] if c.get("caption")]
    text = record.get("text") or ""
    return text + CAPTION_SEPARATOR + "\n".join(captions) if captions else text


def enrich_record(record: dict[str, Any], recogniser: str = "rules") -> dict[str, Any]:
    """entities, quotes and counts for one record; quotes and counts need English cues."""
    document = enrichment_document(record)[:MAX_ENRICH_CHARS]
    text_length = len(record.get("text") or "")
    language = record.get("language")
    entities = article_entities(document, language, recogniser)
    for entity in entities:
        entity["caption_mentions"] = sum(1 for s, _e in entity["offsets"] if s >= text_length)
    english = language in _SPEECH_LANGUAGES
    text = (record.get("text") or "")[:MAX_ENRICH_CHARS]
    quotes = [q.as_dict() for q in find_quotes(text, entities)] if english else []
    counts = [c.as_dict() for c in find_counts(document)] if english else []
    return {"entities": entities, "quotes": quotes, "counts": counts, "recogniser": recogniser}
