"""An article's section printed twice in the page is read once.

Page builders render a section once per screen size and hide all but one with CSS (a
`desktop` and a `mobile` copy), and carousels clone their slides; an extractor that does
not apply the style sheet reads every copy. A run of several long lines repeated in the
same order is such a copy, where a repeated single line is the writer's own (a refrain, a
pull quote, a question asked again), and so are lines quoted again in another order (a
summary): only runs in the same order are dropped (a cost guide printed three times kept
34 % precision; bench/README.md, issue 35). The text and its Markdown are each read on
their own: copies that differ in markup (a list in one, paragraphs in the other) are seen
in the plain text only.
"""

from __future__ import annotations

RUN_LINES = 3  # long lines repeated one after another that make a copy, not an echo
LONG_LINE = 80  # characters of a line that is prose, not a heading or a label


def without_repeated_runs(text: str) -> str:
    """The text without each later copy of a run of RUN_LINES or more long lines read
    earlier in it in the same order (the repeated short lines and blank lines inside a run
    go with it). Lines are compared whitespace squashed; the search is skipped where no
    line repeats as it stands (a copy comes from one template, line for line)."""
    lines = text.split("\n")
    distinct = set(lines)
    distinct.discard("")
    if len(distinct) == len(lines) - lines.count(""):
        return text  # no line twice (blank ones aside): a copy comes from one template
    keys = [" ".join(line.split()) for line in lines]
    seen: dict[str, int] = {}  # a line's first place among the text's non-blank lines
    order: list[str] = []  # the non-blank lines, in order
    repeated = []
    for key in keys:
        repeated.append(bool(key) and key in seen)
        if key:
            seen.setdefault(key, len(order))
            order.append(key)
    dropped = [False] * len(lines)
    start = 0
    while start < len(lines):
        if not repeated[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and (repeated[end] or not keys[end]):
            end += 1
        run = [key for key in keys[start:end] if key]
        first = seen[run[0]]
        is_copy = order[first : first + len(run)] == run  # the same lines, in the same order
        if is_copy and sum(1 for key in run if len(key) >= LONG_LINE) >= RUN_LINES:
            dropped[start:end] = [True] * (end - start)
        start = end
    if not any(dropped):
        return text
    return "\n".join(line for line, drop in zip(lines, dropped, strict=True) if not drop)
