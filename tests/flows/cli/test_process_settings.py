"""What `gazette` sets for itself and its children before anything allocates: the memory
figures of bench/README.md depend on it reaching the run, its Prefect server and its pool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flows.cli import commands as cli

GAZETTE = Path(sys.executable).with_name("gazette")


def test_allocator_settings_reach_the_environment_and_the_user_wins(monkeypatch):
    for _, variable, _ in cli.MALLOC_SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # the user's own
    cli._tune_malloc()
    assert os.environ["MALLOC_ARENA_MAX"] == "4"
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "262144"
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"


def test_the_console_script_runs_main_so_the_settings_apply():
    """It once called the bare typer app, and no setting ever reached a run."""
    assert "from flows.cli.commands import main" in GAZETTE.read_text()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv = ['gazette', '--help']; from flows.cli.commands import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "import os, pyarrow as pa; print(os.environ['MALLOC_ARENA_MAX'],"
            " pa.default_memory_pool().backend_name)",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.stdout.split()[-2:] == ["2", "system"], done.stdout + done.stderr
