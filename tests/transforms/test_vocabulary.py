"""Coded columns against transforms.vocabulary, in both directions.

Every value a producer can write is in its vocabulary, and every value there has a producer.
Code and SQL that read a coded column name only known values. Producers are read from their
source, so the check covers what they *can* emit, not what one run happened to. Where data
decides the value (the gazetteer, a byline), the producer is run instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from transforms import vocabulary
from transforms.vocabulary import (
    AUTHOR_TYPES,
    COUNT_TYPES,
    ENTITY_TYPES,
    FETCH_OUTCOMES,
    QUOTE_KINDS,
)

ROOT = Path(__file__).resolve().parents[2]
CODE = ("flows", "warehouse", "transforms", "expectations")
CONSTANTS = {
    name: value
    for name, value in vars(vocabulary).items()
    if name.isupper() and isinstance(value, str)
}
CODED_COLUMNS = {
    "outcome": FETCH_OUTCOMES,
    "entity_type": ENTITY_TYPES,
    "author_type": AUTHOR_TYPES,
    "quote_kind": QUOTE_KINDS,
    "count_type": COUNT_TYPES,
}


def python_files(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path.relative_to(ROOT)))


def calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    """Calls of `name(...)` or `x.name(...)`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == name) or (
                isinstance(func, ast.Attribute) and func.attr == name
            ):
                yield node


def argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    if position is not None and position < len(call.args):
        return call.args[position]
    return None


def strings(node: ast.expr | None) -> tuple[set[str], list[ast.expr]]:
    """The strings an expression can be (literals, transforms.vocabulary constants, either
    branch of an `x if c else y`), and apart from them what else it is (a variable, an
    attribute handing on a value made elsewhere)."""
    found: set[str] = set()
    other: list[ast.expr] = []

    def visit(n: ast.expr) -> None:
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            found.add(n.value)
        elif isinstance(n, ast.Name) and n.id in CONSTANTS:
            found.add(CONSTANTS[n.id])
        elif isinstance(n, ast.Tuple | ast.List | ast.Set):
            for element in n.elts:
                visit(element)
        elif isinstance(n, ast.IfExp):
            visit(n.body)
            visit(n.orelse)
        else:
            other.append(n)

    if node is not None:
        visit(node)
    return found, other


def _is_column(node: ast.expr, column: str) -> bool:
    """`x.column`, `x["column"]` or a variable named `column`."""
    return (
        (isinstance(node, ast.Attribute) and node.attr == column)
        or (isinstance(node, ast.Name) and node.id == column)
        or (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value == column
        )
    )


def compared(tree: ast.AST, column: str) -> set[str]:
    """Strings the code compares the column with (==, !=, in, not in)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_column(side, column) for side in sides):
                for side in sides:
                    if not _is_column(side, column):
                        found |= strings(side)[0]
    return found


def sql_compared(text: str, column: str) -> set[str]:
    """Strings SQL compares the column with: `column = 'x'`, `column in ('x', 'y')`."""
    found: set[str] = set()
    equal = rf"\b{column}\s*(?:=|<>|!=)\s*'([^']*)'"
    member = rf"\b{column}\s+(?:not\s+)?in\s*\(([^)]*)\)"
    found.update(re.findall(equal, text, re.IGNORECASE))
    for listed in re.findall(member, text, re.IGNORECASE):
        found.update(re.findall(r"'([^']*)'", listed))
    return found


def where(node: ast.AST, path: Path) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} {ast.unparse(node)}"


# ---------------------------------------------------------------------------- fetch outcomes


def _sets_outcome(tree: ast.AST) -> bool:
    """`x.outcome = ...`: a module that rewrites a fetch's outcome (discovery, on a document
    it could not read whole)."""
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Attribute) and t.attr == "outcome" for t in node.targets)
        for node in ast.walk(tree)
    )


def outcome_producers() -> list[Path]:
    """Every module that makes a FetchResult or a refusal, or sets an outcome: a new producer
    is found too."""
    return [
        p
        for p in python_files("flows", "warehouse", "transforms")
        if any(calls(tree := parse(p), "FetchResult"))
        or any(calls(tree, "Refused"))
        or _sets_outcome(tree)
    ]


def emitted_outcomes() -> tuple[set[str], list[str]]:
    """What the producers can record as an outcome, and the expressions that could be
    anything (neither a known string, nor the `outcome` variable or attribute handed on)."""
    found: set[str] = set()
    unknown: list[str] = []

    def take(node: ast.expr | None, path: Path) -> None:
        values, other = strings(node)
        found.update(values)
        unknown.extend(where(o, path) for o in other if not _is_column(o, "outcome"))

    for path in outcome_producers():
        tree = parse(path)
        for call in calls(tree, "Refused"):
            take(argument(call, 0, "outcome"), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:  # FetchResult(outcome=...), replace(r, outcome=...)
                    if kw.arg == "outcome":
                        take(kw.value, path)
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if _is_column(target, "outcome") and not isinstance(target, ast.Subscript):
                        take(node.value, path)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts, strict=True):
                            if isinstance(t, ast.Name) and t.id == "outcome":
                                take(v, path)
    return found, unknown


def test_the_fetcher_and_ingest_are_found_as_outcome_producers():
    names = {str(p.relative_to(ROOT)) for p in outcome_producers()}
    assert {
        "flows/acquire/fetching.py",
        "flows/acquire/ingest.py",
        "warehouse/raw_archive.py",
    } <= names


def test_every_outcome_a_producer_can_record_is_in_the_vocabulary():
    found, unknown = emitted_outcomes()
    assert unknown == []  # an outcome computed some other way cannot be checked here
    assert found - set(FETCH_OUTCOMES) == set()


def test_every_outcome_in_the_vocabulary_has_a_producer():
    """A value nothing emits (the suites once listed "decode_error") hides a dead branch."""
    found, _ = emitted_outcomes()
    assert set(FETCH_OUTCOMES) - found == set()


# ------------------------------------------------------------------------------ entity types

# (callable, position, keyword) whose argument is an entity type
_ENTITY_TYPE_ARGUMENTS = (
    ("emit", 2, "kind"),
    ("add", 1, "kind"),
    ("Mention", 3, "entity_type"),
    ("Entity", 1, "entity_type"),
    ("Entry", 1, "entity_type"),
    ("entity_key", 0, "entity_type"),
)
_ENTITY_PRODUCERS = ("transforms/entities.py", "transforms/gazetteer.py")


def literal_entity_types() -> set[str]:
    """Entity types the rules, the gazetteer and spaCy's label map write as literals."""
    found: set[str] = set()
    for rel in _ENTITY_PRODUCERS:
        tree = parse(ROOT / rel)
        for name, position, keyword in _ENTITY_TYPE_ARGUMENTS:
            for call in calls(tree, name):
                found |= strings(argument(call, position, keyword))[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "_classify":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return):
                        found |= strings(ret.value)[0]
        found |= compared(tree, "entity_type")
    for node in ast.walk(parse(ROOT / "transforms/spacy_recogniser.py")):
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "_LABELS":
            assert isinstance(node.value, ast.Dict)
            found |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return found


def test_every_entity_type_the_recognisers_write_is_in_the_vocabulary():
    found = literal_entity_types()
    assert found - set(ENTITY_TYPES) == set()
    assert set(ENTITY_TYPES) - found == set()  # and each type has a producer


def test_every_gazetteer_entry_has_an_entity_type_of_the_vocabulary():
    from transforms.gazetteer import gazetteer

    types = {e.entity_type for _, entries in gazetteer().items() for e in entries}
    assert types <= set(ENTITY_TYPES)


def test_resolved_entities_of_an_article_have_types_of_the_vocabulary():
    from transforms.entities import article_entities

    text = (
        "Prime Minister Mohammed Shia al-Sudani met Kurds in Baghdad on Tuesday. "
        "The United Nations said Iraq and Hezbollah leaders had talked. Al-Sudani left."
    )
    types = {e.entity_type for e in article_entities(text, "en")}
    assert types == set(ENTITY_TYPES)


# ------------------------------------------------------------------------ quotes and counts


def test_every_quote_kind_the_quote_finder_writes_is_in_the_vocabulary():
    tree = parse(ROOT / "transforms/quotes.py")
    found: set[str] = set()
    for call in calls(tree, "Quote"):
        found |= strings(argument(call, 4, "kind"))[0]
    found |= compared(tree, "kind")
    assert found == set(QUOTE_KINDS)


def test_quotes_of_both_kinds_are_found_with_kinds_of_the_vocabulary():
    from transforms.entities import article_entities
    from transforms.quotes import find_quotes

    text = (
        "“We wanted to be sure the bridge was safe for everyone,” Nadia Oyelaran said.\n"
        "U.S. forces have come under attack 97 times since October 17, a pentagon official "
        "said on Thursday."
    )
    quotes = find_quotes(text, article_entities(text, "en"))
    assert {q.kind for q in quotes} == set(QUOTE_KINDS)


def test_count_types_are_exactly_those_with_event_words():
    from transforms.counts import EVENT_WORDS

    assert set(EVENT_WORDS) == set(COUNT_TYPES)


def test_counts_found_in_text_have_types_of_the_vocabulary_or_none():
    from transforms.counts import find_counts

    text = (
        "Five militants were killed and 12 people wounded; police dispersed 30 protesters. "
        "The company cut 400 jobs."
    )
    types = {c.count_type for c in find_counts(text)}
    assert types - {None} <= set(COUNT_TYPES)
    assert {"KILL", "WOUND", "PROTEST", "JOBS"} <= types


# ----------------------------------------------------------------------------- author types


def test_bylines_write_both_author_types_and_nothing_else():
    from tests.builders import make_article
    from transforms.model import build_dim_author

    record = make_article("http://herald.test/a", authors=("Ana Ruiz",), organisations=("Reuters",))
    frame = build_dim_author([record], "r1")
    assert set(frame["author_type"]) == set(AUTHOR_TYPES)


def test_dim_authors_default_type_is_in_the_vocabulary(tmp_path):
    from warehouse.db import connect

    con = connect(tmp_path)
    (default,) = con.execute(
        "select column_default from duckdb_columns()"
        " where table_name = 'dim_author' and column_name = 'author_type'"
    ).fetchone()
    con.close()
    assert default.strip("'") in AUTHOR_TYPES


# ----------------------------------------------------------------------- readers and suites


@pytest.mark.parametrize("column", sorted(CODED_COLUMNS))
def test_code_and_sql_reading_a_coded_column_name_only_its_values(column):
    found: dict[str, set[str]] = {}
    for path in python_files(*CODE):
        text = path.read_text()
        names = compared(parse(path), column) | sql_compared(text, column)
        if names:
            found[str(path.relative_to(ROOT))] = names
    for path in sorted((ROOT / "warehouse" / "sql").glob("*.sql")):
        if names := sql_compared(path.read_text(), column):
            found[str(path.relative_to(ROOT))] = names
    unknown = {f: sorted(v - set(CODED_COLUMNS[column])) for f, v in found.items()}
    assert {f: v for f, v in unknown.items() if v} == {}


def test_mart_suites_judge_coded_columns_by_the_vocabularies():
    from expectations.suites import UNTYPED_COUNT, mart_suites

    sets = {
        (spec.name, e.column): set(e.value_set)
        for spec in mart_suites(datetime(2026, 11, 26, tzinfo=UTC))
        for e in spec.expectations
        if type(e).__name__ == "ExpectColumnValuesToBeInSet"
    }
    assert sets[("fact_fetch", "outcome")] == set(FETCH_OUTCOMES)
    assert sets[("dim_entity", "entity_type")] == set(ENTITY_TYPES)
    assert sets[("dim_author", "author_type")] == set(AUTHOR_TYPES)
    # quotes and counts share one frame: their kinds must not collide, or a typo could hide
    assert not set(QUOTE_KINDS) & {*COUNT_TYPES, UNTYPED_COUNT}
    kinds = {*QUOTE_KINDS, *COUNT_TYPES, UNTYPED_COUNT}
    assert sets[("fact_quote_and_count", "kind")] == kinds
