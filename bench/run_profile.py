"""Where a whole run's CPU goes, from py-spy's samples of its process tree (issue 38, item 1).

`bench/e2e.py --profile DIR` records the first run with `py-spy record --subprocesses
--format raw`: one line per distinct stack, the processes from the root down as its first
frames, then the count of samples. This reads such a file and prints, for each kind of
process (the run, its pool workers, Prefect's server), its share of the samples, the
functions of ours its CPU was spent under (the deepest of our frames in each stack, so each
sample counts once) and the libraries it was spent in (the innermost frame's package).

    .venv/bin/python bench/run_profile.py DIR/first.txt [--top 15] [--rate 50]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

SERVER_MARKS = ("uvicorn", "prefect.server", "server start", "kept_server")
OURS = ("flows/", "transforms/", "warehouse/", "expectations/")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]+):\d+\)$")


def role(command: str) -> str:
    """What a process is, from the command line py-spy gives for it."""
    if "py-spy" in command:
        return "py-spy"
    if any(mark in command for mark in SERVER_MARKS):
        return "prefect-server"
    if "multiprocessing" in command or "spawn_main" in command or "forkserver" in command:
        return "pool-worker"
    return "gazette" if "gazette" in command else command[:40]


def parse(path: Path) -> list[tuple[str, list[tuple[str, str]], int]]:
    """(role, frames root first as (function, file), samples) for each line of the file."""
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        body, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        processes, frames = [], []
        for part in body.split(";"):
            if part.startswith("process "):
                processes.append(part.split(":", 1)[1].strip('"'))
                continue
            match = FRAME.match(part)
            frames.append((match["function"], match["file"]) if match else (part, ""))
        stacks.append((role(processes[-1]) if processes else "?", frames, int(count)))
    return stacks


def ours(frames: list[tuple[str, str]]) -> str:
    """The deepest frame of our code: what of ours the sample was spent under."""
    for function, file in reversed(frames):
        if file.startswith(OURS):
            return f"{file.removesuffix('.py').replace('/', '.')}.{function}"
    return "(not under our code)"


def library(frames: list[tuple[str, str]]) -> str:
    """The innermost frame's top-level package (or our module)."""
    if not frames:
        return "?"
    file = frames[-1][1]
    if file.startswith(OURS):
        return file.removesuffix(".py").replace("/", ".")
    return file.split("/", 1)[0].removesuffix(".py") or frames[-1][0]


def report(path: Path, top: int, rate: int) -> None:
    stacks = parse(path)
    total = sum(count for _, _, count in stacks)
    per_role: dict[str, Counter] = defaultdict(Counter)
    per_library: dict[str, Counter] = defaultdict(Counter)
    for kind, frames, count in stacks:
        per_role[kind][ours(frames)] += count
        per_library[kind][library(frames)] += count
    print(f"{total} samples, {total / rate:.1f} s of CPU at {rate} a second")
    for kind, counter in sorted(per_role.items(), key=lambda item: -item[1].total()):
        samples = counter.total()
        print(f"\n{kind}: {samples / rate:.1f} s, {100 * samples / total:.0f} % of the samples")
        print("  under our functions:")
        for name, count in counter.most_common(top):
            print(f"    {count / rate:7.2f} s {100 * count / samples:5.1f} %  {name}")
        print("  in libraries (innermost frame):")
        for name, count in per_library[kind].most_common(top):
            print(f"    {count / rate:7.2f} s {100 * count / samples:5.1f} %  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--rate", type=int, default=50, help="py-spy's samples a second")
    args = parser.parse_args()
    report(args.samples, args.top, args.rate)


if __name__ == "__main__":
    main()
