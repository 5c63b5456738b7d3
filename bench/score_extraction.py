"""Score gazette's extraction against bare trafilatura on ../shared/corpus and
../shared/corpus-more (issues 4 and 18), per set and over both.

Bare trafilatura is `trafilatura.extract` with its defaults but comments off, as gazette runs
it (issue 35). Text: bag-of-words precision / recall / F1 per page, averaged over pages.
Title: exact match after whitespace and quote normalisation. Date: same day. Author: same set
of names (case and whitespace normalised, credentials in capitals after a name left out on
both sides; a ground truth "A and B" is two names). Title, date and author are scored
on the pages whose ground truth has them.

    .venv/bin/python bench/score_extraction.py [--limit N] [--show-misses] [--corpus DIR ...]

The last line is a BENCH line per set and overall, for comparing revisions.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_MORE = ROOT.parent / "shared" / "corpus-more"  # 301 pages of other sites: a second set
SETS = (CORPUS, CORPUS_MORE)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "′": "'", "´": "'"})


@dataclass(slots=True)
class Page:
    dataset: str
    url: str
    html: bytes
    text: str
    title: str | None
    date: str | None
    author: str | None


@dataclass(slots=True)
class Score:
    """Per-page results; `+` pools two sets page by page (the overall figure)."""

    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    title: list[bool] = field(default_factory=list)
    date: list[bool] = field(default_factory=list)
    author: list[bool] = field(default_factory=list)
    future_dates: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def __add__(self, other: Score) -> Score:
        return Score(
            self.precision + other.precision,
            self.recall + other.recall,
            self.f1 + other.f1,
            self.title + other.title,
            self.date + other.date,
            self.author + other.author,
            self.future_dates + other.future_dates,
            self.seconds + other.seconds,
            self.misses + other.misses,
        )

    def summary(self) -> dict[str, float]:
        def mean(xs: list) -> float:
            return sum(xs) / len(xs) if xs else float("nan")

        return {
            "text_precision": mean(self.precision),
            "text_recall": mean(self.recall),
            "text_f1": mean(self.f1),
            "title_exact": mean(self.title),
            "date_day": mean(self.date),
            "author": mean(self.author),
            "future_dates": self.future_dates,
            "ms_per_page": 1000 * self.seconds / max(1, len(self.f1)),
        }


def load_pages(limit: int | None = None, corpus: Path = CORPUS) -> list[Page]:
    """Every page of every dataset (or the first `limit` of each), in file order."""
    pages = []
    for truth in sorted(corpus.glob("*/ground_truth.jsonl")):
        rows = [json.loads(line) for line in truth.read_text().splitlines() if line.strip()]
        for row in rows[:limit]:
            html = gzip.decompress((truth.parent / row["file"]).read_bytes())
            pages.append(
                Page(
                    truth.parent.name,
                    row["url"],
                    html,
                    row["text"] or "",
                    row.get("title"),
                    row.get("date"),
                    row.get("author"),
                )
            )
    return pages


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", (text or "").lower()))


def text_scores(predicted: str, truth: str) -> tuple[float, float, float]:
    got, want = words(predicted), words(truth)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def norm_title(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").translate(_QUOTES)).strip()


# capitals after a name are credentials (MRCGP, CPP, PSP), not part of it: some ground truth
# keeps them, gazette and bare trafilatura both may not; compared without them on both sides
_POSTNOMINALS = re.compile(r"(?:\s+(?:[A-Z]\.?){2,6})+$")


def _without_credentials(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip()
    bare = _POSTNOMINALS.sub("", name)
    return bare if any(c.islower() for c in bare) else name  # "JOHN SMITH" is a name


def author_set(value: str | list[str] | None) -> set[str]:
    parts = value if isinstance(value, list) else re.split(r";|,|\band\b", value or "")
    names = (_without_credentials(p) for p in parts if p and p.strip())
    return {n.lower() for n in names if not re.fullmatch(r"(?:[A-Z]\.?){2,6}", n)}


def authors_match(got: list[str], want: str) -> bool:
    """Same names; a ground truth that adds credentials after a comma ("Ana Ruiz, CFP") still
    matches when the names we give are all in it and the first one agrees."""
    ours, theirs = author_set(got), author_set(want)
    if ours == theirs:
        return True
    first = _without_credentials(re.split(r";|,|\band\b", want)[0]).lower()
    return bool(ours) and ours <= theirs and first in ours


def score(pages: list[Page], extract) -> Score:
    """`extract(page) -> (text, title, date 'YYYY-MM-DD' | None, authors)` for every page."""
    result = Score()
    now = datetime.now(UTC).date().isoformat()
    for page in pages:
        started = time.perf_counter()
        text, title, date, authors = extract(page)
        result.seconds += time.perf_counter() - started
        p, r, f = text_scores(text, page.text)
        result.precision.append(p)
        result.recall.append(r)
        result.f1.append(f)
        if date and date > now:
            result.future_dates += 1
        if page.title:
            ok = norm_title(title) == norm_title(page.title)
            result.title.append(ok)
            if not ok:
                result.misses.append(f"title  {page.url}\n  got  {title!r}\n  want {page.title!r}")
        if page.date:
            ok = (date or "")[:10] == page.date[:10]
            result.date.append(ok)
            if not ok:
                result.misses.append(f"date   {page.url}\n  got  {date}\n  want {page.date}")
        if page.author:
            ok = authors_match(authors, page.author)
            result.author.append(ok)
            if not ok:
                result.misses.append(f"author {page.url}\n  got  {authors}\n  want {page.author}")
    return result


def gazette_extract(page: Page) -> tuple[str, str | None, str | None, list[str]]:
    from transforms.extract import ExtractionError, extract_article

    try:
        record = extract_article(page.html, page.url, datetime.now(UTC))
    except ExtractionError:
        return "", None, None, []
    day = record.published_local_date
    names = list(record.authors or record.organisations)  # the byline a reader sees
    return record.text, record.title, day.isoformat() if day else None, names


def bare_extract(page: Page) -> tuple[str, str | None, str | None, list[str]]:
    import trafilatura

    raw = trafilatura.extract(
        page.html, url=page.url, output_format="json", with_metadata=True, include_comments=False
    )
    if not raw:
        return "", None, None, []
    doc = json.loads(raw)
    return (
        doc.get("text") or "",
        doc.get("title"),
        doc.get("date"),
        [a.strip() for a in (doc.get("author") or "").split(";") if a.strip()],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, help="first N pages of each dataset")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        default=list(SETS),
        help="corpus folders (default: ../shared/corpus and ../shared/corpus-more)",
    )
    args = parser.parse_args()
    missing = [c for c in args.corpus if not c.is_dir()]
    if missing:
        sys.exit(f"no corpus at {', '.join(map(str, missing))}")
    results: list[tuple[str, int, Score, Score]] = []
    for corpus in args.corpus:
        pages = load_pages(args.limit, corpus)
        results.append(
            (corpus.name, len(pages), score(pages, bare_extract), score(pages, gazette_extract))
        )
    if len(results) > 1:
        total_bare = sum((r[2] for r in results[1:]), results[0][2])
        total_ours = sum((r[3] for r in results[1:]), results[0][3])
        results.append(("overall", sum(r[1] for r in results), total_bare, total_ours))
    lines = []
    for name, count, bare_score, ours_score in results:
        bare, ours = bare_score.summary(), ours_score.summary()
        print(f"\n{name}: {count} pages")
        print(f"{'metric':<16}{'bare trafilatura':>18}{'gazette':>10}{'difference':>12}")
        for key in bare:
            print(f"{key:<16}{bare[key]:>18.3f}{ours[key]:>10.3f}{ours[key] - bare[key]:>+12.3f}")
        lines.append(
            f"BENCH score set={name} pages={count} "
            + " ".join(f"{k}={ours[k]:.3f} bare_{k}={bare[k]:.3f}" for k in ours)
        )
        if args.show_misses and name != "overall":
            print("\n".join(ours_score.misses))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
