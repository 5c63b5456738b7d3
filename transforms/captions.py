"""Photo captions and credits: out of the article text, into their own table.

Pages and pre-scraped texts carry gallery residue such as
`2 View gallery The U.S. embassy in Baghdad ( Photo: Khalid Mohammed / AP )`; it is a caption
(The U.S. embassy in Baghdad) with a credit (Khalid Mohammed, AP), not article text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import lxml.html

from transforms.authors import AGENCIES, is_organisation

_CREDIT = re.compile(
    r"\(\s*(?:photos?|pictures?|images?|fotos?|credits?|photo credit)\s*:\s*([^()]{1,120}?)\s*\)",
    re.IGNORECASE,
)
_GALLERY = re.compile(r"^\s*(?:\d+\s+)?view\s+gallery\b\s*", re.IGNORECASE)
_TRAILING_CREDIT = re.compile(
    r"\s*[|(]?\s*(?:photo|picture|image)\s*:\s*([^|()]{1,80})\)?\s*$", re.IGNORECASE
)
EXTRA_AGENCIES = {"getty images", "getty", "epa", "epa-efe", "shutterstock", "alamy", "ap photo"}


@dataclass(frozen=True, slots=True)
class ImageCredit:
    caption: str | None
    credit_person: str | None
    credit_agency: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _is_agency(name: str) -> bool:
    lowered = name.lower().strip()
    return lowered in AGENCIES or lowered in EXTRA_AGENCIES or is_organisation(name)


def parse_credit(inner: str) -> tuple[str | None, str | None]:
    """'Khalid Mohammed / AP' -> ('Khalid Mohammed', 'AP'); 'AFP' -> (None, 'AFP')."""
    parts = [p.strip(" .,;") for p in re.split(r"\s*[/|]\s*|\s+for\s+", inner) if p.strip(" .,;")]
    if not parts:
        return None, None
    if len(parts) == 1:
        return (None, parts[0]) if _is_agency(parts[0]) else (parts[0], None)
    # "Name / Agency" is the convention: the last part is who distributes the picture
    first = parts[0]
    return (None if _is_agency(first) else first), parts[-1]


def parse_caption(line: str) -> ImageCredit | None:
    """A caption line with a credit or a gallery marker; None for ordinary text."""
    gallery = _GALLERY.match(line)
    credit = _CREDIT.search(line)
    if not gallery and not credit:
        return None
    if not gallery and len(line) > 300:
        return None  # a long paragraph that mentions a photo credit is still text
    caption = _GALLERY.sub("", line)
    person = agency = None
    if credit:
        person, agency = parse_credit(credit.group(1))
        caption = _CREDIT.sub("", caption)
    caption = re.sub(r"\s+", " ", caption).strip(" -–—|") or None
    return ImageCredit(caption, person, agency)


def split_caption_lines(text: str) -> tuple[str, list[ImageCredit]]:
    """The text without caption lines, and the captions in order."""
    kept: list[str] = []
    credits: list[ImageCredit] = []
    for line in text.split("\n"):
        found = parse_caption(line)
        if found is None:
            kept.append(line)
        else:
            credits.append(found)
    return "\n".join(kept), credits


def figure_captions(tree: lxml.html.HtmlElement) -> list[ImageCredit]:
    """<figcaption> texts inside the article, with credits parsed when present."""
    scope = (tree.xpath("//article") or tree.xpath("//main") or [tree])[0]
    found = []
    for node in scope.iter("figcaption"):
        text = re.sub(r"\s+", " ", node.text_content()).strip()
        if not text:
            continue
        parsed = parse_caption(text)
        if parsed is None:
            trailing = _TRAILING_CREDIT.search(text)
            if trailing:
                person, agency = parse_credit(trailing.group(1))
                parsed = ImageCredit(text[: trailing.start()].strip() or None, person, agency)
            else:
                parsed = ImageCredit(text, None, None)
        found.append(parsed)
    return found


def merge_credits(*groups: list[ImageCredit]) -> list[ImageCredit]:
    """One entry per caption text, first seen first."""
    seen: set[str] = set()
    merged = []
    for group in groups:
        for credit in group:
            key = (
                re.sub(r"\W+", " ", (credit.caption or "").lower()).strip()
                + "|"
                + (credit.credit_person or "")
            )
            if key in seen:
                continue
            seen.add(key)
            merged.append(credit)
    return merged
