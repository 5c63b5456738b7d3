"""Many sources, one URL each: discovery, fetch and load stay bounded in the number of sources.

N sources are configured, each with one article URL (copies of the ../shared/corpus pages
served over loopback, per-host delay 0). One `gazette run` into a fresh home; it prints wall
time, stage times, peak memory of the process tree (its PSS, pages shared between processes
counted once), the articles and sources loaded, and a `BENCH many_sources` line. Issue 34,
item 10: 10,000 sources discovered, fetched and loaded within 1.2 GB.

    .venv/bin/python bench/many_sources.py [--sources 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.e2e import articles, corpus_pages, run_command, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10_000)
    args = parser.parse_args()
    pages = corpus_pages()
    copies = -(-args.sources // len(pages))
    server, paths = serve(pages, copies)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        lines = [
            "[fetch]",
            "per_host_delay_s = 0",
            'allow_private_hosts = ["127.0.0.1"]',
            f"max_urls_per_source = {10}",
        ]
        for n, path in enumerate(paths[: args.sources]):
            lines += ["[[sources]]", f'name = "Source {n:05d}"', f'urls = ["{path}"]']
        sources.write_text("\n".join(lines) + "\n")
        home = Path(tmp) / "home"
        result = run_command(["run", "--sources", str(sources)], home)
        loaded = articles(home)
        import duckdb

        con = duckdb.connect(str(home / "gazette.duckdb"), read_only=True)
        named = con.execute("select count(*) from dim_source where is_current").fetchone()[0]
        con.close()
    server.shutdown()
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result["stages"].items())
    print(f"{args.sources} sources: {result['wall']:.1f} s wall ({stages})")
    print(
        f"peak of the process tree, each physical page once: "
        f"{result['peak_unique'] / 2**20:.0f} MB ({result['at_peak_unique']}); "
        f"RSS {result['peak'] / 2**20:.0f} MB, PSS {result['peak_pss'] / 2**20:.0f} MB"
    )
    print(f"at peak (PSS): {result['at_peak_pss']}")
    print(f"loaded {loaded} articles, {named} sources in dim_source")
    print(
        f"BENCH many_sources sources={args.sources} wall={result['wall']:.1f} "
        f"unique_mb={result['peak_unique'] / 2**20:.0f} pss_mb={result['peak_pss'] / 2**20:.0f} "
        f"rss_mb={result['peak'] / 2**20:.0f} "
        f"articles={loaded} dim_source={named}"
    )


if __name__ == "__main__":
    main()
