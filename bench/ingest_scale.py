"""`gazette ingest` of one big WARC file: wall time and peak memory of the process tree.

A CC-NEWS WARC file holds 30,000-40,000 records; this writes N response records (the 120
pages of ../shared/corpus under distinct URLs, as many copies as it takes) into one gzipped
WARC file and ingests it into a fresh home, sampling the memory of the whole process tree
(pool workers and Prefect's temporary server included).

    .venv/bin/python bench/ingest_scale.py [--records 20000]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e import articles, corpus_pages, run_command


def write_warc(path: Path, records: int) -> None:
    pages = list(corpus_pages().items())
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(records):
            name, body = pages[i % len(pages)]
            url = f"https://outlet{i % 40}.example/c{i // len(pages)}/{name}"
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers
            )
            writer.write_record(record)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument(
        "--timeline", type=Path, help="write the ingest's memory each second to this file"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gazette-ingest-") as tmp:
        warc = Path(tmp) / "big.warc.gz"
        write_warc(warc, args.records)
        print(f"{args.records} records, {warc.stat().st_size / 2**20:.0f} MB gzipped", flush=True)
        home = Path(tmp) / "home"
        result = run_command(["ingest", str(warc)], home, timeline=args.timeline)
        loaded = articles(home)
    print(f"gazette ingest: {result['wall']:.1f} s, {args.records / result['wall']:.1f} records/s")
    for stage, seconds in result["stages"].items():
        print(f"  {stage:<18} {seconds:7.1f} s")
    print(
        f"peak RSS, gazette process tree: {result['peak'] / 2**20:.0f} MB summed, PSS "
        f"{result['peak_pss'] / 2**20:.0f} MB; RSS at its peak: {result['at_peak']}; PSS at "
        f"its peak: {result['at_peak_pss']}; each physical page once: "
        f"{result['peak_unique'] / 2**20:.0f} MB {result['at_peak_unique']}"
    )
    print(
        f"BENCH ingest records={args.records} wall_s={result['wall']:.1f} "
        f"cpu_s={result['cpu']:.1f} peak_rss_mb={result['peak'] / 2**20:.0f} "
        f"peak_pss_mb={result['peak_pss'] / 2**20:.0f} "
        f"peak_unique_mb={result['peak_unique'] / 2**20:.0f} articles={loaded}"
    )


if __name__ == "__main__":
    main()
