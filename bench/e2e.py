"""End to end: gazette against a bare trafilatura loop, on N real pages served over loopback.

The 120 pages of ../shared/corpus are served K times under distinct URLs (/c<k>/<page>.html,
one sitemap, per-host delay 0) by a server in this process. Then, in this process tree:

1. a bare loop of `trafilatura.bare_extraction` over the same N pages, in one process;
2. `gazette run` (a subprocess, as the schedule runs it) into a fresh home: wall time, the
   stage times it prints, peak memory of its process tree (pool workers included);
3. the same `gazette run` again: nothing new, so its cost is the fixed cost of a run.

It prints pages/s for both, their ratio, per-stage times, peak memory, and one summary line
(`BENCH e2e ...`) to compare between revisions.

    .venv/bin/python bench/e2e.py [--copies 10] [--task-runner local|dask] [--profile DIR]

Where the CPU goes (issue 38, item 1): the tree's CPU per process role (the run, its pool
workers, Prefect's server) and per stage is always printed; `--profile DIR` also samples the
first run with py-spy (every process of the tree, 50 times a second) and prints, per role,
the parts of the code its CPU went to (`bench/run_profile.py` reads the samples again).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run_profile import report, role  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
GAZETTE = ROOT / ".venv" / "bin" / "gazette"
PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
RATE = 50  # py-spy's samples a second, per thread
STAGE = re.compile(r"\[gazette\] ([a-z ]+): (?:(\d+)/(\d+) in|done in) ([\d.]+) s")


def corpus_pages() -> dict[str, bytes]:
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}: this benchmark reads ../shared/corpus")
    pages = {}
    for path in sorted(CORPUS.rglob("*.html*")):
        body = path.read_bytes()
        if path.name.endswith(".gz"):
            body = gzip.decompress(body)
        name = f"{path.parent.parent.name}-{path.name.removesuffix('.gz')}"
        pages[name] = body
    return pages


def serve(pages: dict[str, bytes], copies: int) -> tuple[ThreadingHTTPServer, list[str]]:
    """A site with `copies` x the corpus under distinct URLs, a sitemap and robots.txt."""
    paths = [f"/c{k}/{name}" for k in range(copies) for name in pages]
    routes: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:
            found = routes.get(self.path)
            if found is None and self.path.startswith("/c"):
                name = self.path.split("/", 2)[2]
                if name in pages:
                    found = (pages[name], "text/html; charset=utf-8")
            body, kind = found or (b"not here", "text/plain")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    routes["/sitemap.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
        "application/xml",
    )
    routes["/robots.txt"] = (f"User-agent: *\nSitemap: {base}/sitemap.xml\n".encode(), "text/plain")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, [base + p for p in paths]


def bare_loop(pages: dict[str, bytes], copies: int) -> float:
    """Seconds for trafilatura.bare_extraction over the same N pages, one process."""
    import trafilatura

    started = time.perf_counter()
    for _ in range(copies):
        for name, body in pages.items():
            trafilatura.bare_extraction(body, url=f"https://example.org/{name}")
    return time.perf_counter() - started


def resident_pages(pids: list[int]) -> int | None:
    """How many physical pages the processes have resident, each counted once (their
    /proc/PID/pagemap).

    What the tree takes from the machine: summed RSS counts a page every process maps
    (a fork shares its parent's pages), summed PSS divides pages shared with processes
    outside the tree (this one, which also loaded trafilatura). Page frame numbers are
    readable as root only; None otherwise.
    """
    import numpy as np

    frames = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
                for line in maps:
                    span = line.split(None, 1)[0]
                    start, end = (int(x, 16) for x in span.split("-"))
                    if start >= 1 << 47:  # [vsyscall]
                        continue
                    pagemap.seek(start // PAGE * 8)
                    entries = np.frombuffer(pagemap.read((end - start) // PAGE * 8), np.uint64)
                    present = entries[(entries >> np.uint64(63)) & np.uint64(1) == 1]
                    frames.append(present & np.uint64((1 << 55) - 1))
        except OSError:
            continue
    if not frames:
        return None
    found = np.unique(np.concatenate(frames))
    if found.size and found.max() == 0:
        return None  # not root: the kernel hides frame numbers
    return int(found.size)


PAGE = os.sysconf("SC_PAGE_SIZE")


def run_gazette(
    sources: Path,
    home: Path,
    task_runner: str,
    api_url: str | None,
    timeline: Path | None = None,
    profile: Path | None = None,
) -> dict:
    """Wall time, stage times and peak RSS (the whole process tree, sampled) of one run."""
    arguments = ["run", "--sources", str(sources)]
    if task_runner != "local":
        arguments += ["--task-runner", task_runner]
    return run_command(arguments, home, api_url, timeline, profile)


def run_command(
    arguments: list[str],
    home: Path,
    api_url: str | None = None,
    timeline: Path | None = None,
    profile: Path | None = None,
) -> dict:
    """Wall time, stage times and peak RSS (the whole process tree, sampled) of one gazette
    command."""
    command = [str(GAZETTE), "--quiet", *arguments, "--home", str(home)]
    if profile:  # py-spy runs the command: its own CPU is left out of the roles below
        spy = [str(PY_SPY), "record", "--subprocesses", "--nonblocking", "--rate", str(RATE)]
        command = [*spy, "--format", "raw", "--output", str(profile), "--", *command]
    trace = timeline.open("w") if timeline else None
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if profile:  # py-spy follows every process of the tree until the last exits: a server
        env["GAZETTE_PREFECT_KEEP_S"] = "0"  # kept for the home would keep it sampling
    if api_url:
        env["PREFECT_API_URL"] = api_url
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    root = psutil.Process(process.pid)
    peak, peak_pss, at_peak, at_peak_pss = 0, 0, {}, {}
    peak_unique, at_peak_unique = 0, {}
    cpu_seen: dict[int, float] = {}  # pool workers forked by a fork server are not our children
    role_of: dict[int, str] = {}
    already: dict[int, float] = {}
    started_at = time.time()
    phase = ["start-up"]  # the stage running: the one after the last the run said was done
    stop = threading.Event()

    def sample() -> None:
        # RSS summed counts pages the processes share (libraries' code) once per process;
        # PSS shares them out, so its sum is what the tree takes from the machine
        nonlocal peak, peak_pss, at_peak, at_peak_pss, peak_unique, at_peak_unique
        rounds = 0
        while not stop.is_set():
            try:
                tree = [p for p in [root, *root.children(recursive=True)] if p.is_running()]
                kept = kept_server(home)  # a home's kept server is no child of a later run
                if kept is not None and kept.pid not in {p.pid for p in tree}:
                    tree.append(kept)
                memory = {p.pid: p.memory_full_info() for p in tree}
                for p in tree:
                    times = p.cpu_times()
                    if p.pid not in cpu_seen and p.create_time() < started_at:
                        already[p.pid] = times.user + times.system  # not this run's CPU
                    cpu_seen[p.pid] = times.user + times.system - already.get(p.pid, 0.0)
                    if p.pid not in role_of:
                        role_of[p.pid] = _role(p)
                rss = sum(m.rss for m in memory.values())
                pss = sum(m.pss for m in memory.values())
                names = {p.pid: f"{p.pid} {_role(p)}" for p in tree}
                if rss > peak:
                    peak = rss
                    at_peak = {names[i]: round(m.rss / 2**20) for i, m in memory.items()}
                    at_peak["after"] = phase[0]
                if pss > peak_pss:
                    peak_pss = pss
                    at_peak_pss = {names[i]: round(m.pss / 2**20) for i, m in memory.items()}
                    at_peak_pss["after"] = phase[0]
                rounds += 1
                if rounds % 5 == 0:  # once a second: it reads every process's page table
                    pages = resident_pages(list(memory))
                    unique = (pages or 0) * PAGE
                    if unique > peak_unique:
                        peak_unique = unique
                        at_peak_unique = {"after": phase[0]}
                    if trace:  # where the memory is, second by second, to find a peak's cause
                        roles = {names[i]: round(m.pss / 2**20) for i, m in memory.items()}
                        elapsed = time.perf_counter() - started
                        trace.write(
                            f"{elapsed:7.1f} after={phase[0]!r} unique={unique // 2**20} {roles}\n"
                        )
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stages: dict[str, float] = {}
    stage_cpu: dict[str, dict[str, float]] = {}  # the tree's CPU by role, as each stage ends
    first_stage_at = None
    output: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode("utf-8", "replace")
        output.append(line)
        match = STAGE.search(line)
        if match:
            if first_stage_at is None:  # discovery ends: what came before is start-up
                first_stage_at = time.perf_counter() - started - float(match.group(4))
            stages[match.group(1)] = float(match.group(4))
            phase[0] = match.group(1)
            time.sleep(0.25)  # one more sample of the tree
            stage_cpu[match.group(1)] = by_role(cpu_seen, role_of)
    process.wait()
    wall = time.perf_counter() - started
    # CPU of the whole tree: the run waits for its pool workers and its Prefect server
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    stop.set()
    sampler.join()
    if trace:
        trace.close()
    cpu = max(cpu, sum(cpu_seen.values()))
    if profile:  # py-spy's own CPU is in the children's rusage
        used = by_role(cpu_seen, role_of)
        cpu = sum(seconds for kind, seconds in used.items() if kind != "py-spy")
    if process.returncode != 0:
        sys.stdout.writelines(output[-40:])
        sys.exit(f"gazette {arguments[0]} failed with exit code {process.returncode}")
    return {
        "wall": wall,
        "stages": stages,
        "startup": first_stage_at or 0.0,
        "peak": peak,
        "peak_pss": peak_pss,
        "at_peak": at_peak,
        "at_peak_pss": at_peak_pss,
        "peak_unique": peak_unique,
        "at_peak_unique": at_peak_unique,
        "cpu": cpu,
        "cpu_by_role": by_role(cpu_seen, role_of),
        "tracebacks": sum("Traceback" in line for line in output),  # a clean shutdown has none
        "stage_cpu": stage_cpu,
        # fetching, robots, archiving and sealing each batch: the run's process from the end of
        # discovery to the end of staging (its pool workers are processes of their own)
        "fetch_cpu": _run_cpu_between(stage_cpu, "discover", "load"),
    }


def _run_cpu_between(stage_cpu: dict[str, dict[str, float]], first: str, before: str) -> float:
    """The run's own CPU from the end of stage `first` to the end of the stage before
    `before` (staging: "stage" locally, "fetch and stage" on Dask)."""
    names = list(stage_cpu)
    if first not in names or before not in names or names.index(before) < 1:
        return 0.0
    last = names[names.index(before) - 1]
    return stage_cpu[last].get("gazette", 0.0) - stage_cpu[first].get("gazette", 0.0)


def kept_server(home: Path) -> psutil.Process | None:
    """The Prefect server the home keeps between runs (flows/kept_server.py), if up."""
    try:
        pid = json.loads((home / "prefect" / "kept-server.json").read_text())["pid"]
        return psutil.Process(pid)
    except (OSError, ValueError, KeyError, psutil.Error):
        return None


def stop_kept_server(home: Path) -> None:
    """The benchmark's homes go with it: their servers too, at once."""
    process = kept_server(home)
    if process is not None:
        with contextlib.suppress(psutil.Error):
            process.terminate()
            process.wait(20)


def by_role(cpu_seen: dict[int, float], role_of: dict[int, str]) -> dict[str, float]:
    """CPU seconds so far, summed by what each process of the tree is."""
    totals: dict[str, float] = {}
    for pid, seconds in cpu_seen.items():
        role = role_of.get(pid, "other")
        totals[role] = totals.get(role, 0.0) + seconds
    return totals


def _role(process: psutil.Process) -> str:
    """What a process of the tree is, from its command line."""
    return role(" ".join(process.cmdline()))


def print_cpu(run: dict, n: int) -> None:
    """The tree's CPU by role, and by stage (what each role used from one stage's end to the
    next): where every millisecond a page goes."""
    roles = [kind for kind in run["cpu_by_role"] if kind != "py-spy"]
    print(
        "CPU by process, ms a page: "
        + ", ".join(f"{kind} {run['cpu_by_role'][kind] * 1000 / n:.1f}" for kind in roles)
    )
    print(f"  {'stage':<18}" + "".join(f"{kind:>16}" for kind in roles))
    before: dict[str, float] = {}
    for stage, used in run["stage_cpu"].items():
        cells = "".join(
            f"{(used.get(kind, 0.0) - before.get(kind, 0.0)) * 1000 / n:13.1f} ms" for kind in roles
        )
        print(f"  {stage:<18}{cells}")
        before = used
    rest = "".join(
        f"{(run['cpu_by_role'][kind] - before.get(kind, 0.0)) * 1000 / n:13.1f} ms"
        for kind in roles
    )
    print(f"  {'(after, exit)':<18}{rest}")


def articles(home: Path) -> int:
    import duckdb

    con = duckdb.connect(str(home / "gazette.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from fact_article where is_current").fetchall()[0][0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of the 120-page corpus")
    parser.add_argument("--task-runner", default="local", choices=["local", "dask"])
    parser.add_argument(
        "--bare-pps",
        type=float,
        default=None,
        help="skip the bare loop and use this rate (pages/s) measured before, for long runs",
    )
    parser.add_argument(
        "--prefect-server",
        action="store_true",
        help="runs report to a Prefect server started beforehand (as under `gazette serve`), "
        "so no run pays for starting a temporary one",
    )
    parser.add_argument(
        "--timeline",
        type=Path,
        default=None,
        help="write the first run's memory each second (phase, each process's PSS) to this file",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="sample the first run's process tree with py-spy into this directory",
    )
    args = parser.parse_args()
    pages = corpus_pages()
    n = len(pages) * args.copies
    server, _ = serve(pages, args.copies)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="gazette-e2e-") as tmp, contextlib.ExitStack() as stack:
        api_url = None
        if args.prefect_server:
            from flows.serving import LocalPrefectServer

            server_home = Path(tmp) / "server"
            prefect = LocalPrefectServer(server_home)
            prefect.start()
            stack.callback(prefect.stop)
            api_url = prefect.url
        sources = Path(tmp) / "sources.toml"
        sources.write_text(
            '[fetch]\nper_host_delay_s = 0\nallow_private_hosts = ["127.0.0.1"]\n'
            f'[[sources]]\nname = "Corpus"\nhomepage = "{base}/"\n'
            f'sitemaps = ["{base}/sitemap.xml"]\nmax_articles = {n}\n'
        )
        home = Path(tmp) / "home"
        print(f"N = {n} pages ({len(pages)} corpus pages x {args.copies}), {base}", flush=True)
        if args.bare_pps:  # a rate measured before: a long run need not time it again
            bare = n / args.bare_pps
            print(f"bare trafilatura loop: {args.bare_pps:.1f} pages/s, given (--bare-pps)")
        else:
            bare = bare_loop(pages, args.copies)
            print(f"bare trafilatura loop, one process: {bare:.1f} s, {n / bare:.1f} pages/s")
        samples = None
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            samples = args.profile / "first.txt"
        first = run_gazette(sources, home, args.task_runner, api_url, args.timeline, samples)
        loaded = articles(home)
        rerun = run_gazette(sources, home, args.task_runner, api_url)
        stop_kept_server(home)
    server.shutdown()
    if samples:
        report(samples, 15, RATE)
    pps = n / first["wall"]
    warm = n / (first["wall"] - first["startup"])
    print(
        f"gazette run ({args.task_runner}): {first['wall']:.1f} s, {pps:.1f} pages/s "
        f"({loaded} articles loaded); start-up (imports, Prefect API) "
        f"{first['startup']:.1f} s; without it {warm:.1f} pages/s"
    )
    for stage, seconds in first["stages"].items():
        print(f"  {stage:<18} {seconds:7.1f} s")
    print(
        f"CPU of the gazette process tree: {first['cpu']:.1f} s, "
        f"{first['cpu'] / first['wall']:.2f} of {os.cpu_count()} cores on average"
    )
    print_cpu(first, n)
    print(f"tracebacks in the run's output: {first['tracebacks']} (rerun {rerun['tracebacks']})")
    print(
        f"CPU of the run's own process while fetching and staging: {first['fetch_cpu']:.1f} s, "
        f"{first['fetch_cpu'] * 1000 / n:.1f} ms a page"
    )
    print(
        f"peak RSS, gazette process tree: {first['peak'] / 2**20:.0f} MB (summed; PSS summed "
        f"{first['peak_pss'] / 2**20:.0f} MB); RSS at its peak: {first['at_peak']}; PSS at its "
        f"peak: {first['at_peak_pss']}"
    )
    print(
        f"peak resident memory of the tree, each physical page once: "
        f"{first['peak_unique'] / 2**20:.0f} MB, {first['at_peak_unique']}"
    )
    print(
        f"rerun, nothing new: {rerun['wall']:.1f} s = {rerun['wall'] / first['wall']:.3f} of "
        f"the first run (start-up {rerun['startup']:.1f} s)"
    )
    for stage, seconds in rerun["stages"].items():
        print(f"  {stage:<18} {seconds:7.1f} s")
    print(
        f"BENCH e2e n={n} runner={args.task_runner} prefect_server={int(args.prefect_server)} "
        f"bare_pps={n / bare:.2f} "
        f"gazette_pps={pps:.2f} ratio={pps / (n / bare):.3f} warm_ratio={warm / (n / bare):.3f} "
        f"rerun_share={rerun['wall'] / first['wall']:.3f} cpu_s={first['cpu']:.1f} "
        f"fetch_cpu_ms={first['fetch_cpu'] * 1000 / n:.1f} "
        f"peak_rss_mb={first['peak'] / 2**20:.0f} peak_pss_mb={first['peak_pss'] / 2**20:.0f} "
        f"peak_unique_mb={first['peak_unique'] / 2**20:.0f} articles={loaded}"
    )


if __name__ == "__main__":
    main()
