"""`gazette run` against the hostile loopback site of tests/hostile_site.py, then a rerun:
wall time, peak memory of the whole process tree, and whether the rerun changed the marts.

    .venv/bin/python bench/hostile_run.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from e2e import run_command  # noqa: E402

from tests.hostile_site import hostile_sites, hostile_sources  # noqa: E402
from tests.runs import mart_counts  # noqa: E402


def main() -> None:
    site, _, servers = hostile_sites()
    try:
        with tempfile.TemporaryDirectory(prefix="gazette-hostile-") as tmp:
            home = Path(tmp) / "home"
            sources = Path(tmp) / "sources.toml"
            sources.write_text(hostile_sources(site))
            runs = []
            marts = []
            for _ in range(2):
                runs.append(run_command(["run", "--sources", str(sources)], home))
                marts.append(mart_counts(home))
    finally:
        for server in servers:
            server.shutdown()
    for name, result in zip(("first run", "rerun"), runs, strict=True):
        print(
            f"{name}: {result['wall']:.1f} s, peak RSS {result['peak'] / 2**20:.0f} MB "
            f"(summed; PSS {result['peak_pss'] / 2**20:.0f} MB, each page once "
            f"{result['peak_unique'] / 2**20:.0f} MB)"
        )
    print(f"marts after the run {marts[0]}, after the rerun {marts[1]}")
    first, again = runs
    print(
        f"BENCH hostile wall_s={first['wall']:.1f} rerun_wall_s={again['wall']:.1f} "
        f"peak_rss_mb={first['peak'] / 2**20:.0f} "
        f"peak_unique_mb={first['peak_unique'] / 2**20:.0f} "
        f"rerun_changed_marts={int(marts[0] != marts[1])}"
    )


if __name__ == "__main__":
    main()
