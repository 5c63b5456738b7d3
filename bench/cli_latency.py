"""How fast the commands a person types answer (issue 37, item 6): wall time of `--help`,
`--version` and `sql "select 1"`, min of `--runs` runs each, in fresh processes.

    .venv/bin/python bench/cli_latency.py [--runs 5] [--root CHECKOUT]

`--root` measures another checkout with this environment (its code imported first), to
compare before and after a change. Run it on a quiet machine: a loaded one measures the load.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = (
    "import sys\n"
    "try:\n    from flows.cli.commands import main\n"
    "except ImportError:\n    from flows.cli import main\n"  # checkouts before flows/cli/
    "sys.argv = ['gazette', *sys.argv[1:]]\nmain()\n"
)


def best(root: Path, args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", ENTRY, *args], cwd=root, capture_output=True, check=False
        )
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        subprocess.run(
            [sys.executable, "-c", "from warehouse.db import connect; import sys; "
             "connect(sys.argv[1]).close()", home],
            cwd=args.root,
            check=True,
        )  # fmt: skip
        cases = {
            "--help": ["--help"],
            "--version": ["--version"],
            'sql "select 1"': ["sql", "--home", home, "select 1"],
        }
        for label, argv in cases.items():
            seconds = best(args.root, argv, args.runs)
            print(f"{label:<16} {seconds:6.2f} s  (min of {args.runs})")
            print(f"BENCH cli_latency case={label.split()[0]} seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
