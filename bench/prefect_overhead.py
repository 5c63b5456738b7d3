"""What Prefect itself costs a run: starting its temporary API server, a flow run's fixed cost,
and one task run (the unit gazette batches work into), on this machine.

    .venv/bin/python bench/prefect_overhead.py [--tasks 100]
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    args = parser.parse_args()

    started = time.perf_counter()
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    imported = time.perf_counter() - started

    @task(cache_policy=NO_CACHE)
    def nothing(i: int) -> int:
        return i

    @flow
    def empty() -> None:
        return None

    @flow
    def many(n: int) -> int:
        return sum(f.result() for f in nothing.map(range(n)))

    t = time.perf_counter()
    empty()  # the first flow call starts the temporary server
    first = time.perf_counter() - t
    t = time.perf_counter()
    empty()
    fixed = time.perf_counter() - t
    t = time.perf_counter()
    many(0)
    none = time.perf_counter() - t
    t = time.perf_counter()
    many(args.tasks)
    per_task = (time.perf_counter() - t - none) / args.tasks
    print(f"import prefect: {imported:.1f} s")
    print(f"first flow run (starts the temporary API server): {first:.1f} s")
    print(f"a flow run, server up: {fixed:.2f} s")
    print(
        f"a task run (thread runner, {args.tasks} mapped, run concurrently): "
        f"{per_task * 1000:.0f} ms of wall time each"
    )
    print(
        f"BENCH prefect import_s={imported:.2f} server_start_s={first - fixed:.2f} "
        f"flow_run_s={fixed:.3f} task_run_ms={per_task * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
