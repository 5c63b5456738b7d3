"""What a run did, as one record: the CLI's summary, the Prefect artifacts and the run report
read it; `run_line` is the one line a run ends with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.changes import Changes
from warehouse.load import LoadCounts

SOURCE_FAILED_EXIT = 4


@dataclass(slots=True)
class RunSummary:
    """What a run did, for the CLI summary and for tests."""

    run_id: str
    home: Path
    sources: int = 0
    urls_discovered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    fetch_outcomes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    articles_extracted: int = 0
    article_fetches: int = 0  # article URLs fetched by this run
    resumed: int = 0  # URLs loaded from packages an interrupted run left
    quarantined: int = 0
    per_source: list[tuple[str, int, int]] = field(default_factory=list)  # name, total, this run
    load: LoadCounts | None = None
    dq_verdict: str = "not run"
    dq_failed: list[str] = field(default_factory=list)
    dq_warned: list[str] = field(default_factory=list)  # the checks that warned, a line each
    docs_index: Path | None = None
    exports: Path | None = None
    report: Path | None = None
    snapshot: Path | None = None
    changes: Changes | None = None  # reprocess: what moved
    failed_sources: dict[str, str] = field(default_factory=dict)  # name: why it gave nothing

    @property
    def exit_code(self) -> int:
        """0 ok; 1 a critical data-quality failure; 4 a whole source failed (the others
        loaded). 2 and 3 are the CLI's: bad usage or config, the warehouse busy."""
        if self.dq_verdict == "fail":
            return 1
        return SOURCE_FAILED_EXIT if self.failed_sources else 0


def written_label(summary: RunSummary) -> str:
    """What the per-source count of this run's rows means: a reprocess rewrites articles in
    place (its new and changed are 0 when the extraction did not move), a run adds versions."""
    return "rewritten this run" if summary.changes is not None else "new or changed this run"


def run_line(summary: RunSummary) -> str:
    """`run 20261201T020000Z: PASS, 16 new, 2 changed, 1 failure`: one line a run."""
    load = summary.load
    failures = sum(summary.failures.values())
    lost = f", {len(summary.failed_sources)} source(s) failed" if summary.failed_sources else ""
    return (
        f"run {summary.run_id}: {summary.dq_verdict.upper()}, "
        f"{load.articles_new if load else 0} new, {load.articles_changed if load else 0} changed, "
        f"{failures} failure{'' if failures == 1 else 's'}{lost}"
    )


def summary_facts(summary: RunSummary) -> dict[str, Any]:
    return {
        "run_id": summary.run_id,
        "verdict": summary.dq_verdict,
        "stages": {
            "sources": summary.sources,
            "article URLs discovered": summary.urls_discovered,
            "fetch attempts": sum(summary.fetch_outcomes.values()),
            "resumed from an interrupted run": summary.resumed,
            "articles extracted": summary.articles_extracted,
            "quarantined": summary.quarantined,
            "new articles": summary.load.articles_new if summary.load else 0,
            "changed articles": summary.load.articles_changed if summary.load else 0,
        },
        "skipped": dict(summary.skipped),
        "failures": dict(summary.failures),
        "critical": list(summary.dq_failed),
        "warnings": list(summary.dq_warned),
        "report": str(summary.report) if summary.report else None,
    }
