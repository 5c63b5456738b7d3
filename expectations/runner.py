"""Validate warehouse tables with GX, build Data Docs, return results as plain rows.

GX's DuckDB route (SQLAlchemy) is broken in 1.x, so we select the suite's columns from DuckDB
into pandas and hand GX the frame. A frame that grows with the warehouse (mentions: 25 rows an
article) is handed over in chunks of at most about CHUNK_ROWS rows, cut by a hash of the
suite's partition column, and the chunks' results are added up into the one result the
suite would have had over the whole table: validation's memory is bounded by the chunk, not
by the warehouse (100,000 articles took 2.2 GB as whole frames).
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from expectations.offline_docs import make_offline
from expectations.suites import SuiteSpec


@dataclass(slots=True)
class DQReport:
    """The verdict of one validation pass and every expectation result behind it."""

    results: list[dict[str, Any]] = field(default_factory=list)
    docs_index: Path | None = None
    # row-level suites: row id -> [(expectation, severity, offending values)]
    failing_rows: dict[Any, list[tuple[str, str, Any]]] = field(default_factory=dict)
    # GX's identifiers of the validation results, for one Data Docs build per run
    result_ids: list[Any] = field(default_factory=list)

    @property
    def critical_failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"] and r["severity"] == "critical"]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return [r for r in self.results if not r["success"] and r["severity"] != "critical"]

    @property
    def verdict(self) -> str:
        if self.critical_failures:
            return "fail"
        return "warn" if any(not r["success"] for r in self.results) else "pass"


def import_gx() -> None:
    """Import Great Expectations now (about 7 s on the 2-core machine: scipy, SQLAlchemy,
    altair): a run that has a core to spare while it waits for something else pays it there
    instead of at its first quality gate."""
    import great_expectations  # noqa: F401


# GX's stores of what gazette defines in code and writes anew each pass (add_or_update): a
# file of them cut short (a full disk, a kill) is dropped and written again, not read
DEFINITION_STORES = ("expectations", "validation_definitions", "checkpoints")


def _drop_unreadable_definitions(gx_root: Path) -> None:
    """A disk that filled while GX wrote left an empty validation definition, and every run
    after failed in GX (`'NoneType' object has no attribute 'id'`) with space back."""
    project = gx_root / "gx"
    files = [p for store in DEFINITION_STORES for p in (project / store).glob("*.json")]
    for path in files:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            logging.getLogger(__name__).warning("rewriting the damaged GX file %s", path)
            path.unlink(missing_ok=True)
    config = project / "great_expectations.yml"
    import yaml

    try:
        readable = not config.exists() or isinstance(
            yaml.safe_load(config.read_text(encoding="utf-8")), dict
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        readable = False
    if not readable:  # the project's own config: start the project anew, keep the old aside
        aside = project.with_name(f"gx.damaged-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
        logging.getLogger(__name__).warning("GX's config %s is damaged: moved to %s", config, aside)
        project.rename(aside)


def _context(gx_root: Path, docs_dir: Path) -> Any:
    """GX's file context, whose Data Docs site is `docs_dir`. Both absolute: GX reads a
    relative base_directory relative to its own project folder, not to ours."""
    import great_expectations as gx

    gx_root, docs_dir = gx_root.resolve(), docs_dir.resolve()
    gx_root.mkdir(parents=True, exist_ok=True)
    _drop_unreadable_definitions(gx_root)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    sites = context.get_config().data_docs_sites or {}
    wanted = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if sites.get("gazette") != wanted:
        for name in list(sites):
            context.delete_data_docs_site(name)
        context.add_data_docs_site(site_name="gazette", site_config=wanted)
    return context


def validate_frames(
    suites: list[tuple[SuiteSpec, Any]],
    gx_root: Path,
    docs_dir: Path,
    run_id: str,
    checked_at: datetime,
    build_docs: bool = True,
    document_also: list[Any] | None = None,
) -> DQReport:
    """Run each (suite, pandas frame) pair through a GX checkpoint; Data Docs are rebuilt.

    In place of a frame a pair may hold an iterator of frames, the chunks of one table: each
    chunk runs through the suite's checkpoint and the results are added up into one stored
    result (`_add_chunk`), so Data Docs and the report show the suite over the whole table.

    Suites with an index column report which rows failed each expectation
    (`report.failing_rows`), for row-level quarantine. Docs are built once for the whole
    pass (a build per checkpoint cost ~0.7 s each), with `document_also` (an earlier gate's
    results) on the same pages; build_docs=False leaves that to a later pass.
    """
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = _context(gx_root, docs_dir)
    source = context.data_sources.add_or_update_pandas("gazette")
    report = DQReport()
    for spec, frame in suites:
        try:
            asset = source.get_asset(spec.name)
        except LookupError:
            asset = source.add_dataframe_asset(spec.name)
        try:
            batch = asset.get_batch_definition("whole_table")
        except (LookupError, KeyError):
            batch = asset.add_batch_definition_whole_dataframe("whole_table")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(name=spec.name, expectations=list(spec.expectations))
        )
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
        )
        result_format: dict[str, Any] = {"result_format": "SUMMARY"}
        if spec.index_column:
            result_format = {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [spec.index_column],
            }
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"gazette_{spec.name}",
                validation_definitions=[definition],
                actions=[],
                result_format=result_format,
            )
        )
        chunks = frame if isinstance(frame, Iterator) else iter([frame])
        results: dict[Any, Any] = {}
        for chunk in chunks:
            with _ONE_RUN, configurations_built_once():
                outcome = checkpoint.run(
                    batch_parameters={"dataframe": chunk},
                    # run_time given: without it GX parses the run name as a date, and a run
                    # id whose random suffix is all digits ("...Z-123456") becomes an
                    # impossible offset
                    run_id=gx.core.run_identifier.RunIdentifier(
                        run_name=run_id, run_time=checked_at
                    ),
                )
            del chunk
            for key, validation in outcome.run_results.items():
                if key in results:
                    _add_chunk(results[key], validation)
                    # the chunk's run stored its own result under the same key: the sum replaces it
                    context.validation_results_store.set(key, results[key])
                else:
                    results[key] = validation
        report.result_ids.extend(results)
        for validation in results.values():
            for r in validation.results:
                _collect(report, spec, r, run_id, checked_at)
    if not build_docs:
        return report
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    # the suites' own pages too: every validation page links to its suite's page
    suites_shown = [ExpectationSuiteIdentifier(name=spec.name) for spec, _ in suites]
    context.build_data_docs(
        site_names=["gazette"],
        resource_identifiers=[*(document_also or []), *report.result_ids, *suites_shown],
    )
    index = docs_dir / "index.html"
    report.docs_index = index if index.exists() else None
    if report.docs_index is not None:
        write_docs_summary(docs_dir, report, run_id)
        try:
            make_offline(docs_dir.resolve())
        except OSError as exc:  # the docs are a view of the verdict: they must not change it
            logging.getLogger(__name__).warning("Data Docs left as GX wrote them: %s", exc)
    return report


PARTIAL_VALUES = 20  # offending values a summed result keeps, as GX's SUMMARY format does


def _add_chunk(total: Any, chunk: Any) -> None:
    """Add one chunk's suite result to the running total, expectation by expectation.

    Every suite that is chunked holds column map expectations only (a value judged row by
    row), so counts add up, and success is the expectation's own rule (`mostly`, 1 if not
    given) over the summed counts.
    """
    for summed, part in zip(total.results, chunk.results, strict=True):
        ours, theirs = summed.result, part.result
        failed = _raised(summed) or _raised(part)
        for count in ("element_count", "unexpected_count", "missing_count"):
            if count in ours or count in theirs:
                ours[count] = (ours.get(count) or 0) + (theirs.get(count) or 0)
        for values in ("partial_unexpected_list", "partial_unexpected_index_list"):
            if values in ours or values in theirs:
                ours[values] = [*(ours.get(values) or []), *(theirs.get(values) or [])][
                    :PARTIAL_VALUES
                ]
        if "partial_unexpected_counts" in ours or "partial_unexpected_counts" in theirs:
            tally: dict[str, tuple[Any, int]] = {}
            for item in [
                *(ours.get("partial_unexpected_counts") or []),
                *(theirs.get("partial_unexpected_counts") or []),
            ]:
                seen = tally.get(repr(item["value"]), (item["value"], 0))
                tally[repr(item["value"])] = (seen[0], seen[1] + item["count"])
            ours["partial_unexpected_counts"] = [
                {"value": v, "count": c}
                for v, c in sorted(tally.values(), key=lambda vc: -vc[1])[:PARTIAL_VALUES]
            ]
        elements = ours.get("element_count") or 0
        judged = elements - (ours.get("missing_count") or 0)  # map expectations skip nulls
        unexpected = ours.get("unexpected_count") or 0
        if "missing_count" in ours:
            ours["missing_percent"] = 100 * ours["missing_count"] / elements if elements else None
            ours["unexpected_percent_nonmissing"] = 100 * unexpected / judged if judged else None
        if "unexpected_percent" in ours:
            ours["unexpected_percent"] = 100 * unexpected / judged if judged else None
        if "unexpected_percent_total" in ours:
            ours["unexpected_percent_total"] = 100 * unexpected / elements if elements else None
        mostly = summed.expectation_config.kwargs.get("mostly") or 1.0
        summed.success = not failed and (judged == 0 or (judged - unexpected) / judged >= mostly)
    total.success = all(r.success for r in total.results)
    passed = sum(1 for r in total.results if r.success)
    total.statistics.update(
        successful_expectations=passed,
        unsuccessful_expectations=len(total.results) - passed,
        success_percent=100 * passed / len(total.results) if total.results else None,
    )


def _raised(result: Any) -> bool:
    info = getattr(result, "exception_info", None) or {}
    return bool(info.get("raised_exception")) if isinstance(info, dict) else False


_EPHEMERAL: dict[str, Any] = {}  # one in-memory GX context per process, made on first use
_ONE_RUN = threading.RLock()  # one GX validation at a time in a process (a Dask worker's threads)


@contextlib.contextmanager
def configurations_built_once() -> Iterator[None]:
    """While GX validates, each expectation's configuration is built once.

    GX rebuilds an expectation's configuration from its pydantic model every time one of its
    kwargs is read: 1,437 times a batch for the 18 expectations of the row gate, 45 % of the
    gate's CPU (bench/README.md, issue 38 item 4). Nothing changes an expectation while it is
    validated, so within one run the first build serves the rest; the expectation is held
    with it, so its id is not reused. The property is GX's own again once the run ends; runs
    are one at a time (`_ONE_RUN`), so no other code sees the cache."""
    from great_expectations.expectations.expectation import Expectation

    original = Expectation.__dict__["configuration"]
    built: dict[int, tuple[Any, Any]] = {}

    def configuration(self: Any) -> Any:
        if id(self) not in built:
            built[id(self)] = (self, original.fget(self))
        return built[id(self)][1]

    Expectation.configuration = property(configuration)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Expectation.configuration = original  # type: ignore[method-assign]


def validate_rows(spec: SuiteSpec, frame: Any) -> DQReport:
    """A row-level suite over one small pandas frame, in an in-memory context: no files, no
    Data Docs, safe to call once per batch (~0.2 s for 50 rows). Results carry no run id or
    time; the caller adds them when it combines batches."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with _ONE_RUN:  # the context, its definitions and its store are the process's
        outcome = _run_rows(gx, spec, frame)
    report = DQReport()
    for r in outcome.results:
        _collect(report, spec, r, "", None)
    return report


def _run_rows(gx: Any, spec: SuiteSpec, frame: Any) -> Any:
    """The row suite run once in the process's in-memory context (the caller holds `_ONE_RUN`)."""
    if "context" not in _EPHEMERAL:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        _EPHEMERAL["context"] = context
        _EPHEMERAL["source"] = context.data_sources.add_pandas("gazette_rows")
    context, source = _EPHEMERAL["context"], _EPHEMERAL["source"]
    key = f"{spec.name}:{spec.expectations!r}"  # a suite's bounds move with the clock
    if key not in _EPHEMERAL:
        name = f"{spec.name}_{len(_EPHEMERAL)}"
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch")
        suite = context.suites.add(
            gx.ExpectationSuite(name=name, expectations=list(spec.expectations))
        )
        _EPHEMERAL[key] = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
    with configurations_built_once():
        outcome = _EPHEMERAL[key].run(
            batch_parameters={"dataframe": frame},
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [spec.index_column],
            },
        )
    store = context.validation_results_store  # in memory: one result a batch, all night
    for stored in store.list_keys():
        store.remove_key(stored)
    return outcome


_SUMMARY_START = "<!-- gazette-summary -->"
_SUMMARY_END = "<!-- /gazette-summary -->"


def write_docs_summary(docs_dir: Path, report: DQReport, run_id: str) -> None:
    """A plain-HTML verdict table at the top of the Data Docs index.

    GX's own index draws its tables with scripts from public CDNs, so offline (a nightly box,
    an air-gapped newsroom) it shows nothing; this table needs no script and links each
    suite to its validation page, which GX renders as static HTML.
    """
    by_suite: dict[str, list[dict[str, Any]]] = {}
    for r in report.results:
        by_suite.setdefault(r["suite"], []).append(r)
    rows = []
    for suite, results in by_suite.items():
        critical = sum(1 for r in results if not r["success"] and r["severity"] == "critical")
        warnings = sum(1 for r in results if not r["success"] and r["severity"] == "warning")
        status = "Failed" if critical else ("Warning" if warnings else "Succeeded")
        pages = sorted(
            (docs_dir / "validations" / suite).rglob("*.html"), key=lambda p: p.stat().st_mtime
        )
        link = html.escape(pages[-1].relative_to(docs_dir).as_posix()) if pages else ""
        name = f'<a href="{link}">{html.escape(suite)}</a>' if link else html.escape(suite)
        rows.append(
            f'<tr class="gazette-{status.lower()}"><td>{name}</td><td>{status}</td>'
            f"<td>{len(results)}</td><td>{critical}</td><td>{warnings}</td></tr>"
        )
    table = (
        f'{_SUMMARY_START}<section id="gazette-summary" class="container">'
        f"<h2>Gazette data quality: {report.verdict.upper()} (run {html.escape(run_id)})</h2>"
        '<table class="table"><thead><tr><th>suite</th><th>status</th><th>expectations</th>'
        "<th>critical failures</th><th>warnings</th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table></section>{_SUMMARY_END}"
    )
    index = docs_dir / "index.html"
    page = index.read_text(encoding="utf-8")
    if _SUMMARY_START in page:
        start = page.index(_SUMMARY_START)
        page = page[:start] + page[page.index(_SUMMARY_END) + len(_SUMMARY_END) :]
    marker = page.find("<body")
    at = page.find(">", marker) + 1 if marker >= 0 else 0
    index.write_text(page[:at] + table + page[at:], encoding="utf-8")


def native(value: Any) -> Any:
    """Python's own types for what GX hands back from pandas (np.False_, np.int64, Timestamp):
    stored as JSON, a numpy scalar would read `np.False_`, which no JSON reader takes."""
    if isinstance(value, dict):
        return {str(k): native(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [native(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def _collect(
    report: DQReport, spec: SuiteSpec, r: Any, run_id: str, checked_at: datetime | None
) -> None:
    config = r.expectation_config
    result = r.result or {}
    column = config.kwargs.get("column") or ",".join(
        str(config.kwargs[k]) for k in ("column_A", "column_B") if k in config.kwargs
    )
    observed = result.get("observed_value")
    failing: list[tuple[Any, Any]] = []
    if spec.index_column and not r.success:
        for item in result.get("unexpected_index_list") or []:
            if isinstance(item, dict):
                value = {k: native(v) for k, v in item.items() if k != spec.index_column}
                failing.append((native(item.get(spec.index_column)), value))
        if observed is None and failing:
            observed = [{spec.index_column: key, **value} for key, value in failing[:20]]
    name = f"{config.type}({column})" if column else config.type
    for key, value in failing:
        report.failing_rows.setdefault(key, []).append(
            (name, (config.meta or {}).get("severity", "critical"), value)
        )
    report.results.append(
        {
            "run_id": run_id,
            "suite": spec.name,
            "expectation": config.type,
            "column_name": column or None,
            "severity": (config.meta or {}).get("severity", "critical"),
            "success": bool(r.success),
            "observed_value": None
            if observed is None
            else json.dumps(native(observed), default=str),
            "element_count": result.get("element_count"),
            "unexpected_count": result.get("unexpected_count"),
            "checked_at": checked_at,
        }
    )


CHUNK_ROWS = 200_000  # rows GX judges at once: ~50 MB of frame for the widest suite


def validate_warehouse(
    con: duckdb.DuckDBPyConnection,
    suites: list[SuiteSpec],
    gx_root: Path,
    docs_dir: Path,
    run_id: str,
    checked_at: datetime,
    document_also: list[Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> DQReport:
    """Build each suite's frame in DuckDB (only the columns it checks, cross-table facts as
    counts) and validate it, a chunk at a time where it is larger than `chunk_rows`."""
    pairs = [(spec, suite_frames(con, spec, chunk_rows)) for spec in suites]
    return validate_frames(
        pairs, gx_root, docs_dir, run_id, checked_at, document_also=document_also
    )


def suite_frames(con: duckdb.DuckDBPyConnection, spec: SuiteSpec, chunk_rows: int) -> Iterator:
    """The suite's frame as chunks of about `chunk_rows` rows, read one at a time.

    Cut by a hash of the partition column, not by position: every row with one value of it
    lands in the same chunk, so a duplicate is seen whole by the uniqueness expectation.
    """
    assert spec.sql is not None
    params = list(spec.params)
    parts = 1
    if spec.partition_by is not None:
        rows = con.execute(f"select count(*) from ({spec.sql})", params).fetchall()[0][0]
        parts = max(1, -(-rows // max(1, chunk_rows)))
    if parts == 1:
        yield con.execute(spec.sql, params).df()
        return
    for part in range(parts):
        yield con.execute(
            f"select * from ({spec.sql}) where hash({spec.partition_by}) % ? = ?",
            [*params, parts, part],
        ).df()


def check_line(result: dict[str, Any]) -> str:
    """One check as one line: `fact_article.expect_column_values_to_be_between(title_length):
    3 unexpected`."""
    column = f"({result['column_name']})" if result.get("column_name") else ""
    unexpected = result.get("unexpected_count")
    count = f": {unexpected} unexpected" if unexpected else ""
    return f"{result['suite']}.{result['expectation']}{column}{count}"
