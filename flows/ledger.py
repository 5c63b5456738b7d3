"""One run's ledger: its lock on the home, its row in ops.etl_run from start to end, and the
stages every flow ends with (load, validate, export), whatever it staged.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from prefect import get_run_logger
from prefect.exceptions import TerminationSignal
from prefect.utilities.annotations import quote  # Prefect walks parameters looking for futures

from flows.acquire.fetching import STOPPING
from flows.cli import progress
from flows.config import QualitySettings
from flows.staging.build import BatchWork, build_package, finish_package
from flows.summary import RunSummary, run_line, summary_facts, written_label
from flows.tasks import export_task, load_task, snapshot_task, validate_task
from transforms.model import SourceInfo
from transforms.records import FetchResult
from warehouse import ops, packages
from warehouse.db import connect
from warehouse.lock import RunLock
from warehouse.report import summary_markdown, write_report
from warehouse.status import articles_per_source


def absolute_home(home: Path | str) -> Path:
    """The home as an absolute path, once, where a flow starts: a deployment's `home: data`
    is relative to wherever its worker runs, and GX reads a relative docs folder relative to
    its own project folder (Data Docs landed in data/gx/gx/data/docs/)."""
    return Path(home).expanduser().resolve()


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique across machines."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _name_flow_run(run_id: str) -> None:
    """The Prefect flow run is named after gazette's run id (not `infrared-marmoset`), so the
    UI, ops.etl_run and the run report name one run alike."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return
    try:
        with get_client(sync_client=True) as client:
            client.set_flow_run_name(context.flow_run.id, run_id)
    except Exception as exc:  # the UI's label must not fail the run
        get_run_logger().warning("flow run not renamed: %s: %s", type(exc).__name__, exc)


class RunLedger:
    """Bookkeeping of one run in ops.etl_run, and the stages every flow ends with."""

    def __init__(
        self,
        home: Path,
        command: str,
        sources: int,
        wait_s: float = 300.0,
        quality: QualitySettings | None = None,
        recogniser: str | None = "rules",
    ) -> None:
        self.home = home
        self.quality = quality or QualitySettings()
        self.recogniser = recogniser
        STOPPING.clear()  # a process may run flows one after another (tests, a notebook)
        # one writer per home: a second run waits here (bounded), then gives up clearly
        self.lock = RunLock(home, command, wait_s, on_wait=get_run_logger().warning)
        self.lock.__enter__()
        self.now = datetime.now(UTC)
        self.run_id = new_run_id(self.now)
        _name_flow_run(self.run_id)
        self.summary = RunSummary(run_id=self.run_id, home=home, sources=sources)
        self.stage_failures: Counter[str] = Counter()
        self.discovery_cut: Counter[str] = Counter()  # URLs past a source's cap, by source
        self._log_before = progress.log_to(get_run_logger())  # stage lines to the run's logs
        try:
            con = connect(home)
            try:
                ops.abandon_stale_runs(con, self.now)  # we hold the lock: nobody else runs
                ops.start_run(con, self.run_id, command, self.now)
            finally:
                con.close()
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise

    def stage_attempts(self, name: str, attempts: list[FetchResult]) -> None:
        """HTTP attempts that feed no article (discovery) as a package of their own."""
        if attempts:
            work = BatchWork(self.home, self.run_id, name, [], fetches=attempts)
            finish_package(build_package(work), self.now)

    def finish(self, sources: list[SourceInfo], versioning: bool = True) -> RunSummary:
        """Load every staged package, validate, export."""
        summary = self.summary
        report = progress.reporter()
        with report.stage("load") as stage:
            summary.load, loaded, gate = load_task(
                self.home, self.run_id, self.now, quote(sources), versioning
            )
            stage.advance(summary.load.articles_new + summary.load.articles_changed)
        mine = [p for p in loaded if p.manifest.run_id == self.run_id]
        totals = packages.summary(mine)
        summary.fetch_outcomes = totals["outcomes"]
        summary.articles_extracted = packages.summary(loaded)["extracted"]
        summary.resumed = sum(len(p.manifest.urls) for p in loaded if p not in mine)
        problems = Counter(totals["failures"])
        problems.update(self.stage_failures)
        summary.failures = dict(problems)
        summary.quarantined = summary.load.quarantined
        with report.stage("validate"):
            checked = validate_task(self.home, self.run_id, self.now, self.quality, quote(gate))
            summary.dq_verdict, summary.dq_failed, summary.dq_warned, summary.docs_index = checked
        with report.stage("export"):
            summary.exports = export_task(self.home, self.run_id)
            if summary.dq_verdict != "fail":  # BI keeps the last good snapshot
                summary.snapshot = snapshot_task(self.home, self.run_id)
        return summary

    def close(self, status: str | None = None, message: str | None = None) -> None:
        try:
            self._record_end(status, message)
        finally:
            self.lock.__exit__(None, None, None)
            progress.log_to(self._log_before)

    def _record_end(self, status: str | None, message: str | None) -> None:
        s = self.summary
        if status is None:
            status = "failed_quality" if s.dq_verdict == "fail" else "succeeded"
        if message is None and s.failed_sources:
            message = "; ".join(f"source {n} failed: {why}" for n, why in s.failed_sources.items())
        con = connect(self.home)
        try:
            ops.finish_run(
                con,
                self.run_id,
                status=status,
                sources=s.sources,
                urls_discovered=s.urls_discovered,
                fetch_attempts=sum(s.fetch_outcomes.values()),
                pages_ok=s.fetch_outcomes.get("ok", 0),
                articles_extracted=s.articles_extracted,
                articles_new=s.load.articles_new if s.load else 0,
                articles_changed=s.load.articles_changed if s.load else 0,
                article_fetches=s.article_fetches,
                articles_resumed=s.resumed,
                failures=sum(s.failures.values()),
                dq_verdict=s.dq_verdict,
                message=message,
                failures_by_reason=json.dumps(dict(sorted(s.failures.items()))),
            )
            # read while we still hold the home: after release another run may be writing
            s.per_source = articles_per_source(con, self.run_id)
            try:
                s.report = write_report(con, self.home, self.run_id)
            except Exception as exc:  # the run's outcome stands even if its page cannot be drawn
                get_run_logger().warning("run report not written: %s: %s", type(exc).__name__, exc)
        finally:
            con.close()


def guarded(run: RunLedger, body: Callable[[], RunSummary]) -> RunSummary:
    """The flow's body under its ledger: whatever ends it (done, an exception, Ctrl-C,
    SIGTERM from serve), the run's row says how, and the home is released."""
    try:
        summary = body()
    except (KeyboardInterrupt, TerminationSignal) as exc:  # Ctrl-C, or SIGTERM from serve
        STOPPING.set()  # the fetch threads stop too, so the process can exit
        why = "SIGTERM" if isinstance(exc, TerminationSignal) else "an interrupt"
        run.close(
            "abandoned",
            f"stopped by {why} before it finished: a load commits whole or not at all, and "
            "what it staged but did not load is loaded by the next run, which fetches only "
            "what no package holds",
        )
        raise
    except BaseException as exc:
        run.close("failed", f"{type(exc).__name__}: {exc}")
        raise
    with contextlib.suppress(OSError):  # a closed pipe under cron must not leave it open
        progress.reporter().run_done(run_line(summary))  # while the run's log is attached
    run.close()
    publish_artifacts(summary)
    return summary


def publish_artifacts(summary: RunSummary) -> None:
    """What the Prefect UI shows for the run: a markdown summary and a per-source table."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    try:
        create_markdown_artifact(
            markdown=summary_markdown(summary_facts(summary)),
            key="gazette-run-summary",
            description=f"gazette run {summary.run_id}",
        )
        create_table_artifact(
            table=[
                {"source": name, "articles": total, written_label(summary): fresh}
                for name, total, fresh in summary.per_source
            ],
            key="gazette-sources",
            description=f"per-source results of run {summary.run_id}",
        )
    except Exception as exc:  # the UI's view of a run must not fail the run
        get_run_logger().warning("artifacts not published: %s: %s", type(exc).__name__, exc)
