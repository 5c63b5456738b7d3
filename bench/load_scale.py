"""Load time and peak memory at 10k, 100k and 1M synthetic articles (issue 5 / issue 10).

Each size runs in its own process (so peak RSS is its own) and loads nights of 50k articles,
each staged first as packages of 5,000 (as batches leave them on disk) and then loaded by the
one loader in one transaction, into a fresh warehouse, as nightly runs would. `load s` times
the loader only (read_parquet, resolve, write); staging is the batches' work. Synthetic
articles have ~1 KB of text, 1-2 authors, 3 tags, SimHashes with 5 %
near-duplicates (so story clustering has work to do), and the enrichment a real page gets:
25 entity mentions (of 5,000 entities), 6 quotes, 3 counts and an image credit (the
scored corpus averages 25.3, 6.4, 2.9 and 1.5 a page).

    .venv/bin/python bench/load_scale.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transforms.article import Article, Enrichment

ROOT = Path(__file__).resolve().parents[1]
VALIDATE = "--validate" in sys.argv
BATCH = 50_000
WORDS = (
    "harbour council ferry timetable fares island crossing winter crew budget vote report "
    "minister river flood barrier market traders rents station"
).split()


def synthetic_records(start: int, count: int, rng: random.Random) -> list[Article]:
    from transforms.article import Article
    from transforms.captions import ImageCredit

    records = []
    base = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(start, start + count):
        published = base + timedelta(minutes=2 * i)  # 1M articles end in 2023: all in the past
        text = " ".join(rng.choice(WORDS) for _ in range(160))
        # one in 20 is a near-duplicate (a wire copy): an earlier article's SimHash, 2 bits off
        value = random.Random(i).getrandbits(64)
        if i % 20 == 0 and i > 0:
            value = random.Random(i - 1).getrandbits(64) ^ (1 << (i % 64)) ^ (1 << ((i + 7) % 64))
        records.append(
            Article(
                url=f"https://outlet{i % 50}.example/{published:%Y/%m/%d}/story-{i}.html",
                canonical_url=None,
                source_name=f"Outlet {i % 50}",
                title=f"Story {i}: {text[:60]}",
                title_source="h1",
                description=None,
                language="en",
                language_declared="en",
                language_detected="en",
                text=text,
                text_markdown=text,
                word_count=160,
                paragraph_count=4,
                image_count=1,
                tone=None,
                positive_share=None,
                negative_share=None,
                published_at=published,
                published_at_source="jsonld",
                published_at_precision="minute",
                published_local_date=published.date(),
                dates_rejected=0,
                authors=(f"Reporter {i % 997}", *((f"Editor {i % 89}",) if i % 3 == 0 else ())),
                organisations=("Wire Agency",) if i % 10 == 0 else (),
                authors_source="jsonld",
                modified_at=None,
                fetched_at=published + timedelta(hours=1),
                content_hash=f"{i:032x}",
                simhash=f"{value:016x}",
                extractor="trafilatura",
                extractor_version="2.3.1",
                extraction_method="trafilatura",
                encoding="utf-8",
                encoding_source="http_header",
                is_paywalled=False,
                robots_decision="allowed",
                robots_directives=None,
                license_url=None,
                image_credits=(ImageCredit(f"Photo of story {i}", None, "AP"),),
                tags=(
                    (f"topic-{i % 40}", "meta"),
                    (f"place-{i % 300}", "meta"),
                    ("news", "section"),
                ),
                enrichment=enrichment(i),
            )
        )
    return records


ENTITIES = 5_000
TYPES = ("PERSON", "ORG", "LOCATION", "NORP")


def enrichment(i: int) -> Enrichment:
    """What enrichment gives a page of the scored corpus, about as many rows of each kind."""
    from transforms.article import Enrichment
    from transforms.counts import Count
    from transforms.entities import Entity
    from transforms.quotes import Quote

    entities = []
    for j in range(25):
        k = (i * 7 + j * 131) % ENTITIES  # 25 distinct entities an article
        mentions = [(40 * j + 1000 * m, 40 * j + 1000 * m + 9) for m in range(1 + j % 3)]
        entities.append(
            Entity(f"{k:032x}", TYPES[k % 4], f"Entity {k}", offsets=mentions,
                   surfaces=[f"Entity {k}"])
        )  # fmt: skip
    quotes = tuple(
        Quote(f"Quote {q} of story {i}", "said", f"Reporter {i % 997}", None,
              ("direct", "reported")[q % 2], 100 * q)
        for q in range(6)
    )  # fmt: skip
    counts = tuple(
        Count(float(5 + c), False, "people", "killed", "KILL", 300 + c, f"{5 + c} people killed")
        for c in range(3)
    )
    return Enrichment(tuple(entities), quotes, counts, "rules")


PACKAGE = 5_000  # records per staged package


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssPeak:
    """This process's peak RSS while the block runs (sampled every 20 ms): the loader's and
    validation's own, not the staging's before them."""

    def __enter__(self) -> RssPeak:
        self.peak_mb = 0.0
        self.start_mb = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, _rss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stage_night(home: Path, run_id: str, records: list[dict]) -> list:
    """A night's records as sealed packages, the way batches leave them."""
    import polars as pl

    from transforms.model import DQ_RESULT_SCHEMA, QUARANTINE_SCHEMA
    from transforms.staging import staging_frame
    from transforms.tables import batch_tables
    from warehouse.packages import Manifest, partial_dir, seal, write_tables

    staged = []
    for k, start in enumerate(range(0, len(records), PACKAGE)):
        chunk = records[start : start + PACKAGE]
        name = f"b{k:06d}"
        frames = batch_tables(chunk, [], run_id)
        frames["gate"] = staging_frame(chunk)
        frames["quarantine"] = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        frames["dq_result"] = pl.DataFrame(schema=DQ_RESULT_SCHEMA)
        folder = partial_dir(home, run_id, name)
        write_tables(folder, frames)
        staged.append(seal(folder, Manifest(run_id, name, urls=[r.url for r in chunk])))
    return staged


def one_size(size: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from transforms.model import SourceInfo, build_dim_source
    from warehouse.db import connect, scalar
    from warehouse.load import load_packages
    from warehouse.packages import remove

    home = Path(tempfile.mkdtemp(prefix=f"gazette-load-{size}-"))
    con = connect(home)
    rng = random.Random(size)
    sources = [SourceInfo(f"Outlet {k}", f"https://outlet{k}.example/") for k in range(50)]
    load_seconds = 0.0
    load_peak_mb = load_start_mb = 0.0
    for start in range(0, size, BATCH):
        records = synthetic_records(start, min(BATCH, size - start), rng)
        now = datetime(2026, 11, 26, tzinfo=UTC) + timedelta(days=start // BATCH)
        run_id = f"bench-{start:08d}"
        staged = stage_night(home, run_id, records)
        del records
        started = time.perf_counter()
        with RssPeak() as load_rss:
            load_packages(con, staged, build_dim_source(sources, run_id, now), run_id, now)
        night_s = time.perf_counter() - started
        load_seconds += night_s
        # a night's load should not grow with the warehouse it loads into
        print(
            f"night {start // BATCH + 1}: into {start:,} articles, {night_s:.1f} s", file=sys.stderr
        )
        load_peak_mb = max(load_peak_mb, load_rss.peak_mb)
        load_start_mb = max(load_start_mb, load_rss.start_mb)
        remove(staged)
    articles = int(scalar(con, "select count(*) from fact_article"))
    stories = int(scalar(con, "select count(distinct story_key) from fact_article"))
    validate_s = verdict = None
    validate_peak_mb = 0.0
    if VALIDATE:
        from expectations.runner import validate_warehouse
        from expectations.suites import mart_suites

        started = time.perf_counter()
        now = datetime.now(UTC)
        docs = home / "docs" / "data_docs"
        with RssPeak() as validate_rss:
            report = validate_warehouse(con, mart_suites(now, "bench"), home / "gx", docs, "b", now)
        validate_peak_mb = validate_rss.peak_mb
        validate_s = round(time.perf_counter() - started, 1)
        verdict = report.verdict
    con.close()
    size_mb = (home / "gazette.duckdb").stat().st_size / 1e6
    return {
        "articles": articles,
        "stories": stories,
        "load_s": round(load_seconds, 1),
        "per_1k_s": round(1000 * load_seconds / size, 3),
        "peak_rss_mb": round(load_peak_mb),
        "rss_before_load_mb": round(load_start_mb),
        "db_mb": round(size_mb),
        "validate_s": validate_s or "-",
        "validate_peak_rss_mb": round(validate_peak_mb) if VALIDATE else "-",
        "verdict": verdict or "-",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--validate", action="store_true", help="also run every mart suite")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    header = (
        "articles",
        "load s",
        "s/1k",
        "peak RSS MB",
        "db MB",
        "stories",
        "validate s",
        "val. RSS MB",
        "verdict",
    )
    print(" ".join(f"{h:>12}" for h in header))
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size)]
            + (["--validate"] if args.validate else []),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.exit(f"{size} articles failed:\n{done.stderr[-3000:]}")
        out = done.stdout.strip().splitlines()[-1]
        r = json.loads(out)
        keys = (
            "articles",
            "load_s",
            "per_1k_s",
            "peak_rss_mb",
            "db_mb",
            "stories",
            "validate_s",
            "validate_peak_rss_mb",
            "verdict",
        )
        values = [r[k] for k in keys]
        print(" ".join(f"{v:>12}" for v in values), flush=True)
        nights = [line for line in done.stderr.splitlines() if line.startswith("night ")]
        print("  by night: " + "; ".join(n.split(": ", 1)[1] for n in nights), flush=True)


if __name__ == "__main__":
    main()
