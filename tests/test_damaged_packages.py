"""A killed run's staged packages damaged on disk: named, discarded and fetched again.

Its own file so that the test runner can give it a worker of its own (it runs the flow three
times in subprocesses), as tests/test_export_crash.py does.
"""

from __future__ import annotations

import pytest

from tests.test_crash_and_concurrency import (
    api_env,
    fingerprint,
    gazette,
    kill_run_at,
    reference,
    site,
    sources_file,
)

pytestmark = pytest.mark.e2e
__all__ = ["api_env", "reference", "site"]  # module fixtures shared with the crash tests


def test_damaged_staged_packages_are_discarded_named_and_their_urls_fetched_again(
    site, api_env, reference, tmp_path
):
    """A killed run's packages, one truncated and one with bytes changed mid-file (a footer
    that still reads): each rerun used to die on them. Now each is named, thrown away, and its
    URLs fetched again; the warehouse is what an uninterrupted run makes."""
    home = tmp_path / "home"
    sources = sources_file(site, tmp_path)
    env = {**api_env, "GAZETTE_BATCH_SIZE": "5"}
    kill_run_at("staged:8", sources, home, env, tmp_path)
    staged = sorted(p for p in (home / "staging").glob("*/*") if not p.name.startswith("."))
    truncated, changed = staged[0], staged[1]
    articles = truncated / "fact_article.parquet"
    articles.write_bytes(articles.read_bytes()[: articles.stat().st_size // 2])
    articles = changed / "fact_article.parquet"
    data = bytearray(articles.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 16] = bytes(b ^ 0x5A for b in data[middle : middle + 16])
    articles.write_bytes(bytes(data))

    rerun = gazette(["run", "--sources", str(sources), "--home", str(home)], env)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, out
    assert "Traceback" not in out, out
    for folder in (truncated, changed):
        assert f"discarded the staged package {folder}" in out, out
    assert fingerprint(home) == reference
