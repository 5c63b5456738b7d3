"""What changed between two versions of an article, in terms an editor would use."""

from __future__ import annotations

import difflib
import re
from typing import Any

_NOTICE = re.compile(
    r"^\s*(update[sd]?|correction|clarification|editor'?s note|this (article|story) "
    r"(was|has been) (updated|amended|corrected))\b",
    re.IGNORECASE,
)


def correction_notice(old_text: str, new_text: str) -> str | None:
    """A correction or update paragraph that the new text has and the old one lacked."""
    old_lines = {line.strip() for line in old_text.split("\n")}
    for line in new_text.split("\n"):
        if _NOTICE.match(line) and line.strip() not in old_lines:
            return line.strip()
    return None


def describe_edit(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """headline/body/date changed, characters added and removed (line diff), notice."""
    old_text, new_text = old.get("text") or "", new.get("text") or ""
    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, old_text.split("\n"), new_text.split("\n"), autojunk=False
    ).get_opcodes():
        if op in ("replace", "delete"):
            removed += sum(len(line) for line in old_text.split("\n")[i1:i2])
        if op in ("replace", "insert"):
            added += sum(len(line) for line in new_text.split("\n")[j1:j2])
    return {
        "headline_changed": (old.get("title") or "") != (new.get("title") or ""),
        "body_changed": old_text != new_text,
        "date_changed": old.get("published_at") != new.get("published_at"),
        "old_title": old.get("title"),
        "new_title": new.get("title"),
        "chars_added": added,
        "chars_removed": removed,
        "correction_notice": correction_notice(old_text, new_text),
    }
