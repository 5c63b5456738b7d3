"""How much cheaper is a rerun on an unchanged site? (issue 3: known URLs are not refetched)

Serves ../shared/corpus with tools/serve_corpus.py (or, without ../shared, the bundled demo
site), runs the nightly flow twice into a fresh home in one process, and prints both times and
their ratio. Prefect's temporary API server is started before timing, so its start-up (5-9 s,
once per process) is not charged to either run.

    .venv/bin/python bench/incremental_rerun.py [--delay 0.0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main() -> None:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0, help="per-host delay in seconds")
    args = parser.parse_args()

    from prefect import flow

    from flows.cli.demo_site import serve_demo
    from flows.nightly import nightly_news

    @flow
    def warm_up() -> None:
        return None

    warm_up()  # start Prefect's temporary API server outside the timed runs

    home = Path(tempfile.mkdtemp(prefix="gazette-bench-"))
    server = None
    if (SHARED / "corpus").is_dir():
        server = subprocess.Popen(
            [
                sys.executable,
                str(SHARED / "tools" / "serve_corpus.py"),
                "--root",
                str(SHARED / "corpus"),
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        base = server.stdout.readline().split()[-1].rstrip("/")
        label = "shared corpus"
        sources_text = f"""
[fetch]
per_host_delay_s = {args.delay}
allow_private_hosts = ["127.0.0.1"]
[[sources]]
name = "Offline News"
feeds = ["{base}/rss.xml"]
sitemaps = ["{base}/sitemap.xml"]
"""
        context = None
    else:
        context = serve_demo()
        site = context.__enter__()
        label = "bundled demo"
        sources_text = site.sources_toml().replace(
            "per_host_delay_s = 0.02", f"per_host_delay_s = {args.delay}"
        )
    try:
        sources = home / "sources.toml"
        sources.write_text(sources_text)
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            summary = nightly_news(sources_file=sources, home=home)
            timings.append((time.perf_counter() - started, summary))
    finally:
        if server is not None:
            server.terminate()
        if context is not None:
            context.__exit__(None, None, None)
    (first, s1), (second, s2) = timings
    print(f"site: {label}; per-host delay {args.delay} s; home {home}")
    print(
        f"first run : {first:6.1f} s, {sum(s1.fetch_outcomes.values())} HTTP attempts, "
        f"{s1.articles_extracted} articles extracted"
    )
    print(
        f"second run: {second:6.1f} s, {sum(s2.fetch_outcomes.values())} HTTP attempts "
        f"({s2.fetch_outcomes}), {s2.articles_extracted} articles extracted"
    )
    print(f"ratio second/first: {second / first:.3f}")


if __name__ == "__main__":
    main()
