"""Score entity recognition against our hand-labelled articles (issue 7).

Two labelled sets, each listing per article every entity once with its type, name and every
surface form used: bench/labels/demo_entities.json (the demo site's fictional pages, which
go through the real path, HTML -> extract_article -> enrich) and
bench/labels/heldout_entities.json (real-world articles written and labelled apart from the
recogniser). Entities are scored at the article level, the grain of fact_entity_mention: a
predicted entity is right when its type matches a labelled entity and its name or one of its
surface forms is one of that entity's forms (case, accents, apostrophes and hyphens folded).
Each labelled entity is matched at most once.

    .venv/bin/python bench/score_entities.py [--set demo|heldout] [--recogniser SPEC] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from transforms.enrich import enrich  # noqa: E402
from transforms.entities import ENTITY_TYPES, Entity  # noqa: E402
from transforms.extract import extract_article  # noqa: E402
from transforms.gazetteer import fold  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "demo_entities.json"
HELDOUT = ROOT / "bench" / "labels" / "heldout_entities.json"
SITE = ROOT / "demo" / "site"


def _forms(name: str, aliases: Sequence[str]) -> set[str]:
    return {fold(a) for a in [name, *aliases]}


def score_article(gold: list[dict], predicted: Sequence[Entity]) -> dict[str, Counter]:
    """tp / fp / fn per type for one article, plus the misses for reading."""
    tally: dict[str, Counter] = {t: Counter() for t in ENTITY_TYPES}
    unmatched = list(gold)
    misses = {"fp": [], "fn": []}
    for entity in predicted:
        kind = entity.entity_type
        forms = _forms(entity.name, entity.aliases)
        match = next(
            (
                g
                for g in unmatched
                if g["type"] == kind and forms & _forms(g["name"], g.get("aliases", []))
            ),
            None,
        )
        if match is None:
            tally[kind]["fp"] += 1
            misses["fp"].append(f"{kind}:{entity.name}")
        else:
            unmatched.remove(match)
            tally[kind]["tp"] += 1
    for g in unmatched:
        tally[g["type"]]["fn"] += 1
        misses["fn"].append(f"{g['type']}:{g['name']}")
    return {"tally": tally, "misses": misses}


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recogniser", default="rules")
    parser.add_argument("--show", action="store_true", help="print misses per article")
    parser.add_argument(
        "--set",
        choices=("demo", "heldout"),
        default="demo",
        help="demo: the demo site's pages through extraction; heldout: real-world articles "
        "written and labelled apart from the recogniser, never used to tune it",
    )
    args = parser.parse_args()
    labels = json.loads((LABELS if args.set == "demo" else HELDOUT).read_text())
    totals: dict[str, Counter] = {t: Counter() for t in ENTITY_TYPES}
    started = time.perf_counter()
    for item in labels:
        if args.set == "demo":
            page = SITE / item["outlet"] / item["path"].lstrip("/")
            url = f"http://{item['outlet']}.example{item['path']}"
            article = extract_article(page.read_bytes(), url, datetime.now(UTC), None, "demo")
            text, language = article.text, article.language
            captions = [c.caption for c in article.image_credits if c.caption]
        else:
            text, language, captions = item["text"], "en", []
        predicted = enrich(text, language, captions, args.recogniser).entities
        result = score_article(item["entities"], predicted)
        for kind, counter in result["tally"].items():
            totals[kind].update(counter)
        if args.show and (result["misses"]["fp"] or result["misses"]["fn"]):
            print(item.get("path") or item["id"])
            print("   false:", ", ".join(result["misses"]["fp"]))
            print("  missed:", ", ".join(result["misses"]["fn"]))
    elapsed = time.perf_counter() - started
    print(
        f"{len(labels)} labelled articles ({args.set}), recogniser {args.recogniser!r},"
        f" {elapsed:.1f} s"
    )
    header = ("type", "labelled", "found", "right", "precision", "recall", "F1")
    print("{:<9} {:>8} {:>6} {:>6} {:>9} {:>7} {:>5}".format(*header))
    all_counts: Counter = Counter()
    for kind in ENTITY_TYPES:
        c = totals[kind]
        all_counts.update(c)
        _row(kind, c)
    _row("all", all_counts)


def _row(kind: str, c: Counter) -> None:
    precision = _ratio(c["tp"], c["tp"] + c["fp"])
    recall = _ratio(c["tp"], c["tp"] + c["fn"])
    f1 = _ratio(2 * precision * recall, precision + recall)
    print(
        f"{kind:<9} {c['tp'] + c['fn']:>8} {c['tp'] + c['fp']:>6} {c['tp']:>6} "
        f"{precision:>9.2f} {recall:>7.2f} {f1:>5.2f}"
    )


if __name__ == "__main__":
    main()
