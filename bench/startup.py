"""Start-up: from `gazette run` to its first request, with and without a kept Prefect server
(issue 38, item 2).

A one-article site on loopback notes the time of the first request it gets (the run's
robots.txt). Each measurement starts `gazette --quiet run` as a subprocess, as a schedule
does, with no Prefect API configured and no `gazette serve`:

- `temporary`: GAZETTE_PREFECT_KEEP_S=0, a server started and stopped with the run (before);
- `kept, first`: a fresh home, whose first run starts the server the home keeps;
- `kept, next`: a later run on that home, which reports to the kept server.

`--busy N` runs N processes that spin, so the load average can be taken to about 4 (it is a
one-minute average: the benchmark waits `--settle` seconds first). The load average is
printed beside each figure.

    .venv/bin/python bench/startup.py [--rounds 3] [--busy 0] [--settle 60]
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAZETTE = ROOT / ".venv" / "bin" / "gazette"
PARAGRAPH = (
    "<p>The harbour council voted on Tuesday to extend the ferry timetable into the winter "
    "months, after a petition signed by more than two thousand residents of the islands.</p>"
)


class Site:
    """robots.txt, a sitemap and one article; `first` is when the first request came."""

    def __init__(self) -> None:
        self.first: float | None = None
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                if site.first is None:
                    site.first = time.perf_counter()
                body, kind = site.route(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def route(self, path: str) -> tuple[bytes, str]:
        if path == "/robots.txt":
            return f"User-agent: *\nSitemap: {self.base}/sitemap.xml\n".encode(), "text/plain"
        if path == "/sitemap.xml":
            return (
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                f"{self.base}/story.html</loc></url></urlset>"
            ).encode(), "application/xml"
        if path == "/story.html":
            return (
                "<html><head><title>Ferry timetable extended</title></head><body><article>"
                f"<h1>Ferry timetable extended</h1>{PARAGRAPH * 6}</article></body></html>"
            ).encode(), "text/html; charset=utf-8"
        return b"", "text/plain"


def first_request(site: Site, sources: Path, home: Path, keep_s: str) -> float:
    """Seconds from starting `gazette run` to the site's first request; the run completes."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH")
    }
    env.update(GAZETTE_PREFECT_KEEP_S=keep_s, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    site.first = None
    started = time.perf_counter()
    command = [str(GAZETTE), "--quiet", "run", "--sources", str(sources), "--home", str(home)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or site.first is None:
        sys.exit(f"gazette run failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
    return site.first - started


def stop_kept(home: Path) -> None:
    from bench.e2e import stop_kept_server

    stop_kept_server(home)


def spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0, help="processes that spin meanwhile")
    parser.add_argument("--settle", type=float, default=60.0, help="seconds before measuring")
    args = parser.parse_args()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for process in spinners:
        process.start()
    if spinners:
        time.sleep(args.settle)
    site = Site()
    figures: dict[str, list[tuple[float, float]]] = {}

    def note(mode: str, seconds: float) -> None:
        load = os.getloadavg()[0]
        figures.setdefault(mode, []).append((seconds, load))
        print(f"{mode:<14} {seconds:5.2f} s to the first request  (load average {load:.1f})")

    with tempfile.TemporaryDirectory(prefix="gazette-startup-") as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(
            '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
            f'[[sources]]\nname = "Harbour"\nhomepage = "{site.base}/"\n'
            f'sitemaps = ["{site.base}/sitemap.xml"]\n'
        )
        for round_ in range(args.rounds):
            note("temporary", first_request(site, sources, Path(tmp) / f"t{round_}", "0"))
            home = Path(tmp) / f"k{round_}"
            try:
                note("kept, first", first_request(site, sources, home, "600"))
                note("kept, next", first_request(site, sources, home, "600"))
            finally:
                stop_kept(home)
    for process in spinners:
        process.kill()
    summary = []
    for mode, values in figures.items():
        seconds = [s for s, _ in values]
        loads = [load for _, load in values]
        key = mode.replace(", ", "_")
        summary.append(
            f"{key}_s={statistics.median(seconds):.2f} {key}_min_s={min(seconds):.2f} "
            f"{key}_load={statistics.mean(loads):.1f}"
        )
    print(f"BENCH startup rounds={args.rounds} busy={args.busy} " + " ".join(summary))
    with contextlib.suppress(Exception):
        site.server.shutdown()


if __name__ == "__main__":
    main()
