"""One extracted article -> its knowledge layer: entities, quotations and counts.

Runs where extraction runs (the same process-pool worker, right after it), so enrichment
costs no extra pass over the pages. Photo captions are read with the text, since they name
people and places too ("militias including al-Nujaba ... in funeral for five militants");
their credits (AP, AFP) are not, so agencies stay photo credits and do not become entities
of the story. Offsets count in the text, then a blank line, then the captions one per line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from transforms.article import Article, Enrichment
from transforms.counts import find_counts
from transforms.entities import article_entities
from transforms.quotes import find_quotes

CAPTION_SEPARATOR = "\n\n"
# enrichment reads at most this much of an article: a 10 MB "article" is a data dump, and
# every pattern here is linear but a worker must not spend minutes on one page
MAX_ENRICH_CHARS = 200_000
_SPEECH_LANGUAGES = {"en", None}


def enrichment_document(text: str, captions: Sequence[str] = ()) -> str:
    """What enrichment reads: the article text, then its captions (credits left out)."""
    return text + CAPTION_SEPARATOR + "\n".join(captions) if captions else text


def enrich(
    text: str, language: str | None, captions: Sequence[str] = (), recogniser: str = "rules"
) -> Enrichment:
    """entities, quotes and counts of one text; quotes and counts need English cues."""
    document = enrichment_document(text, captions)[:MAX_ENRICH_CHARS]
    entities = article_entities(document, language, recogniser)
    for entity in entities:
        entity.caption_mentions = sum(1 for s, _e in entity.offsets if s >= len(text))
    english = language in _SPEECH_LANGUAGES
    return Enrichment(
        entities=tuple(entities),
        quotes=tuple(find_quotes(text[:MAX_ENRICH_CHARS], entities)) if english else (),
        counts=tuple(find_counts(document)) if english else (),
        recogniser=recogniser,
    )


def enrich_article(article: Article, recogniser: str = "rules") -> Article:
    """The article with its enrichment; a crash leaves it unenriched, with the reason."""
    captions = [c.caption for c in article.image_credits if c.caption]
    try:
        enrichment = enrich(article.text, article.language, captions, recogniser)
    except Exception as exc:  # the article is still good without its enrichment
        enrichment = Enrichment(recogniser=recogniser, error=f"{type(exc).__name__}: {exc}")
    return replace(article, enrichment=enrichment)
