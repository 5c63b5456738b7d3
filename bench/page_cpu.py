"""Per-page CPU of gazette's whole per-page work against bare trafilatura (issue 20, item 1).

In one process, over ../shared/corpus and ../shared/corpus-more: `extract_one`, what a pool
worker runs for a fetched page (extraction with our metadata, dates, bylines, captions,
language, page kind, fingerprint, then tone, entities, quotes and counts), side by side with
`trafilatura.bare_extraction(with_metadata=True)`. CPU time (`time.process_time`), the two
interleaved, min of `--rounds` rounds; both warmed on every page first, so one-off imports and
model loads count in neither. After the warm-up the process's objects are frozen out of the
garbage collector's reach (`gc.freeze()`), as the staging pool's fork server does before it
forks a worker (flows/staging/preload.py): the collector then visits what a page makes, not
the models and tables loaded once, on both sides.

    .venv/bin/python bench/page_cpu.py [--rounds 3] [--profile N] [--stages]

`--profile N` adds a cProfile of one gazette round: the N functions with the most time of
their own, and the cumulative time of the parts the issue names. `--stages` adds the CPU of
each step `extract_one` calls, timed around the call (no profiler's overhead), min of the
rounds.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.score_extraction import SETS, Page, load_pages  # noqa: E402

PARTS = (  # cumulative time of these, from the profile: where the ratio goes
    ("trafilatura", "trafilatura/"),
    ("entities", "transforms/entities.py"),
    ("tone", "transforms/tone.py"),
    ("quotes", "transforms/quotes.py"),
    ("counts", "transforms/counts.py"),
    ("page metadata", "transforms/metadata.py"),
    ("authors", "transforms/authors.py"),
    ("captions", "transforms/captions.py"),
    ("page kind", "transforms/page_kind.py"),
    ("encoding", "transforms/encoding.py"),
)


def bare(pages: list[Page]) -> None:
    from trafilatura import bare_extraction

    for page in pages:
        bare_extraction(page.html, url=page.url, with_metadata=True)


def gazette(pages: list[Page]) -> None:
    from flows.staging.extract import extract_one

    now = datetime.now(UTC)
    for page in pages:
        extract_one((page.html, page.url, now, None, None, "text/html", "rules", {}, None))


def cpu_ms(call, pages: list[Page]) -> float:
    start = time.process_time()
    call(pages)
    return (time.process_time() - start) * 1000 / len(pages)


def profile(pages: list[Page], top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    gazette(pages)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    per_file: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        for part, marker in PARTS:
            if marker in filename:
                per_file[part] = per_file.get(part, 0.0) + own
    print(f"\nprofile of one gazette round: {total * 1000 / len(pages):.1f} ms a page")
    print(f"{'part (own time in its files)':<32}{'ms/page':>9}{'share':>8}")
    for part, _ in PARTS:
        own = per_file.get(part, 0.0)
        print(f"{part:<32}{own * 1000 / len(pages):>9.2f}{own / total:>8.1%}")
    print(f"\ntop {top} functions by own time:")
    stats.sort_stats("tottime").print_stats(top)


STAGES = (  # (module, function): the steps of extract_one, each timed where it is called
    ("transforms.extract", "decode_page"),
    ("transforms.extract", "load_page"),
    ("transforms.extract", "read_page_meta"),
    ("transforms.extract", "figure_captions"),
    ("transforms.extract", "find_date"),
    ("transforms.extract", "examine_meta"),
    ("transforms.extract", "extract_meta_json"),
    ("transforms.extract.trafilatura", "bare_extraction"),
    ("transforms.extract", "xmltotxt"),
    ("transforms.extract", "not_an_article"),
    ("transforms.extract", "choose_title"),
    ("transforms.extract", "choose_published"),
    ("transforms.extract", "choose_authors"),
    ("transforms.extract", "byline_search"),  # inside choose_authors, where it runs at all
    ("transforms.extract", "detect_language"),
    ("transforms.extract", "article_tone"),
    ("transforms.extract", "content_fingerprint"),
    ("transforms.extract", "is_paywalled"),
    ("transforms.extract", "licence_url"),
    ("transforms.enrich", "article_entities"),
    ("transforms.enrich", "find_quotes"),
    ("transforms.enrich", "find_counts"),
)


def stages(pages: list[Page], rounds: int) -> None:
    """CPU of each step, min of `rounds` gazette rounds; the rest is glue and small steps."""
    import importlib

    spent: defaultdict[str, float] = defaultdict(float)

    def timed(name: str, call: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start

        return wrapper

    for module_name, name in STAGES:
        module = importlib.import_module(module_name.removesuffix(".trafilatura"))
        if module_name.endswith(".trafilatura"):
            module = module.trafilatura
        setattr(module, name, timed(name, getattr(module, name)))
    best: dict[str, float] = {}
    totals = []
    for _ in range(rounds):
        spent.clear()
        totals.append(cpu_ms(gazette, pages))
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    print(f"\nsteps of extract_one, CPU ms a page (round totals: {[round(t, 1) for t in totals]})")
    nested = {"byline_search"}  # counted in choose_authors too
    for name, seconds in sorted(best.items(), key=lambda item: -item[1]):
        label = f"  (of which) {name}" if name in nested else name
        print(f"{label:<32}{seconds * 1000 / len(pages):>9.2f}")
    own = sum(seconds for name, seconds in best.items() if name not in nested)
    rest = min(totals) - own * 1000 / len(pages)
    print(f"{'the rest (glue, small steps)':<32}{rest:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()
    missing = [str(c) for c in SETS if not c.is_dir()]
    if missing:
        sys.exit(f"no corpus at {', '.join(missing)}")
    pages = [page for corpus in SETS for page in load_pages(None, corpus)]
    bare(pages)  # warm: imports, trafilatura's caches, the gazetteer and the models
    gazette(pages)
    gc.freeze()  # what the staging pool's fork server does before it forks a worker
    bare_ms, ours_ms = [], []
    for _ in range(args.rounds):
        bare_ms.append(cpu_ms(bare, pages))
        ours_ms.append(cpu_ms(gazette, pages))
    best_bare, best_ours = min(bare_ms), min(ours_ms)
    print(f"{len(pages)} pages, CPU ms a page, min of {args.rounds} interleaved rounds")
    rounds = lambda values: " ".join(f"{v:.1f}" for v in values)  # noqa: E731
    print(f"bare_extraction(with_metadata=True)  {best_bare:7.1f}   rounds {rounds(bare_ms)}")
    print(f"gazette extract_one, enriched        {best_ours:7.1f}   rounds {rounds(ours_ms)}")
    print(f"ratio                                {best_ours / best_bare:7.2f}  (target 1.25)")
    if args.profile:
        profile(pages, args.profile)
    if args.stages:
        stages(pages, args.rounds)
    print(
        f"BENCH page_cpu pages={len(pages)} bare_ms={best_bare:.1f} gazette_ms={best_ours:.1f} "
        f"ratio={best_ours / best_bare:.2f}"
    )


if __name__ == "__main__":
    main()
