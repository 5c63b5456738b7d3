"""What enrichment costs per article, against extraction alone (issue 7).

Two measurements over the real news pages in ../shared/corpus:
1. In one process: ms per page for extract_article, then for enrich_article on its output,
   after a warm-up (the gazetteer is built once per process; its build time is printed
   separately, since every pool worker pays it once).
2. The pipeline's own path: extract_pages over all pages in the process pool, with
   enrichment off and on, wall-clock seconds (pool start-up and gazetteer builds included).

    .venv/bin/python bench/enrich_cost.py [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.score_extraction import CORPUS, load_pages  # noqa: E402
from flows.staging.extract import extract_pages  # noqa: E402
from transforms.enrich import enrich_article  # noqa: E402
from transforms.extract import ExtractionError, extract_article  # noqa: E402
from transforms.gazetteer import gazetteer  # noqa: E402
from transforms.records import FetchResult  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="pages per dataset")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}: this benchmark reads ../shared/corpus")
    pages = load_pages(args.limit)
    now = datetime.now(UTC)

    started = time.perf_counter()
    gazetteer()
    build_s = time.perf_counter() - started

    extract_ms: list[float] = []
    enrich_ms: list[float] = []
    found = 0
    for page in pages:
        t0 = time.perf_counter()
        try:
            record = extract_article(page.html, page.url, now, None, page.dataset)
        except ExtractionError:
            continue
        t1 = time.perf_counter()
        out = enrich_article(record).enrichment
        t2 = time.perf_counter()
        extract_ms.append(1000 * (t1 - t0))
        enrich_ms.append(1000 * (t2 - t1))
        found += len(out.entities)

    fetched = [
        FetchResult(
            p.url,
            "article",
            p.dataset,
            p.url,
            "bench",
            200,
            "text/html",
            "ok",
            None,
            len(p.html),
            0,
            now,
            body=p.html,
        )
        for p in pages
    ]
    walls = {}
    for label, recogniser in (("extract only", None), ("extract + enrich", "rules")):
        t0 = time.perf_counter()
        extract_pages(fetched, workers=args.workers, recogniser=recogniser)
        walls[label] = time.perf_counter() - t0

    n = len(extract_ms)
    print(f"{n} corpus pages extracted; {found} entities found ({found / max(1, n):.1f} a page)")
    print(f"gazetteer build, once per process: {build_s:.2f} s")
    print("per page, one process     median ms   p90 ms   mean ms")
    for label, values in (("extract_article", extract_ms), ("enrich_article", enrich_ms)):
        print(
            f"  {label:<22} {statistics.median(values):>10.1f} {_pct(values, 0.9):>8.1f}"
            f" {statistics.mean(values):>9.1f}"
        )
    share = statistics.mean(enrich_ms) / statistics.mean(extract_ms)
    print(f"  enrichment / extraction (means): {share:.2f}")
    print(f"process pool, {args.workers} workers, {len(fetched)} pages (wall seconds):")
    for label, seconds in walls.items():
        print(f"  {label:<18} {seconds:>6.1f} s  ({1000 * seconds / len(fetched):.0f} ms a page)")


if __name__ == "__main__":
    main()
