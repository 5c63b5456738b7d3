"""An article's section printed twice in the page is read once.

Page builders render a section once per screen size and hide all but one with CSS (a
`desktop` and a `mobile` copy), and carousels clone their slides; an extractor that does
not apply the style sheet reads every copy. A run of several long lines repeated in the
same order is such a copy, where a repeated single line is the writer's own (a refrain, a
pull quote, a question asked again): only runs are dropped (a cost guide printed three
times kept 34 % precision; bench/README.md, issue 35).
"""

from __future__ import annotations

RUN_LINES = 3  # long lines repeated one after another that make a copy, not an echo
LONG_LINE = 80  # characters of a line that is prose, not a heading or a label


def without_repeated_runs(text: str) -> str:
    """The text without each later copy of a run of RUN_LINES or more long lines already
    read earlier in it (the repeated short lines and blank lines inside a run go with it)."""
    lines = text.split("\n")
    distinct = set(lines)
    distinct.discard("")
    if len(distinct) == len(lines) - lines.count(""):
        return text  # no line twice (blank ones aside): a copy comes from one template
    keys = [" ".join(line.split()) for line in lines]
    seen: set[str] = set()
    repeated = []
    for key in keys:
        repeated.append(bool(key) and key in seen)
        seen.add(key)
    dropped = [False] * len(lines)
    start = 0
    while start < len(lines):
        if not repeated[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and (repeated[end] or not keys[end]):
            end += 1
        if sum(1 for key in keys[start:end] if len(key) >= LONG_LINE) >= RUN_LINES:
            dropped[start:end] = [True] * (end - start)
        start = end
    if not any(dropped):
        return text
    return "\n".join(line for line, drop in zip(lines, dropped, strict=True) if not drop)
