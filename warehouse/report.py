"""The run report: one HTML page per run, `reports/<run_id>.html` and `reports/latest.html`.

What the owner of a nightly job looks at in the morning: how the run went, articles per source
per day, fetch outcomes per source, quality over the last runs, top entities and countries.
Charts are inline SVG and every chart's numbers are also in a table beside it, so the page is
readable offline, printable, and checkable against the warehouse.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from transforms.gazetteer import country_name
from warehouse.charts import hbar_chart, stacked_columns, stacked_rows
from warehouse.db import query_frame

REPORT_DAYS = 30
TOP_N = 10


@dataclass(slots=True)
class ReportData:
    run: dict[str, Any]
    days: list[str] = field(default_factory=list)
    volume: dict[str, list[int]] = field(default_factory=dict)  # source -> articles per day
    outcome_sources: list[str] = field(default_factory=list)
    outcomes: dict[str, list[int]] = field(default_factory=dict)  # outcome -> per source
    quality: list[dict[str, Any]] = field(default_factory=list)  # per run, oldest first
    entities: list[tuple[str, str, int]] = field(default_factory=list)  # name, type, articles
    countries: list[tuple[str, int]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # why the verdict is not PASS


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    return query_frame(con, sql, params).to_dicts()


def calendar_days(days: list[str]) -> list[str]:
    """Every day from the first to the last (ISO dates): a time axis, where a day with no
    article is a gap of its width, not a neighbour's column moved up."""
    if not days:
        return []
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    return [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]


def report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> ReportData:
    """Every number the report shows, from the warehouse."""
    (run,) = _rows(
        con,
        "select *, date_diff('second', started_at, coalesce(finished_at, now())) as seconds "
        "from ops.etl_run where run_id = ?",
        [run_id],
    )
    data = ReportData(run=run)
    volume = _rows(
        con,
        """
        with newest as (select max(date) as last from v_daily_source_volume)
        select v.source_name, strftime(v.date, '%Y-%m-%d') as day, v.articles
        from v_daily_source_volume v, newest
        where v.date > newest.last - to_days(?)
        """,
        [REPORT_DAYS],
    )
    data.days = calendar_days(sorted({r["day"] for r in volume}))
    for r in volume:
        series = data.volume.setdefault(r["source_name"], [0] * len(data.days))
        series[data.days.index(r["day"])] = int(r["articles"])
    data.volume = dict(sorted(data.volume.items()))
    fetches = _rows(
        con,
        """
        select coalesce(s.source_name, '(no source)') as source_name, f.outcome,
               count(*) as attempts
        from fact_fetch f left join dim_source s on s.source_key = f.source_key
        where f.run_id = ? group by all
        """,
        [run_id],
    )
    data.outcome_sources = sorted({r["source_name"] for r in fetches})
    for r in sorted(fetches, key=lambda r: r["outcome"]):
        series = data.outcomes.setdefault(r["outcome"], [0] * len(data.outcome_sources))
        series[data.outcome_sources.index(r["source_name"])] = int(r["attempts"])
    # the last runs, killed and failed ones too: a run that never validated is a column with
    # no results and its status, not a gap
    data.quality = _rows(
        con,
        """
        with recent as (
            select run_id, started_at, status from ops.etl_run
            order by started_at desc limit 10
        )
        select r.run_id, r.status,
               count(d.run_id) filter (where d.success) as passed,
               count(d.run_id) filter (where not d.success and d.severity = 'critical')
                 as critical,
               count(d.run_id) filter (where not d.success and d.severity = 'warning')
                 as warnings
        from recent r left join ops.dq_result d using (run_id)
        group by r.run_id, r.started_at, r.status order by r.started_at
        """,
    )
    data.problems = _rows(
        con,
        """
        select severity, suite, expectation, column_name, unexpected_count, observed_value
        from ops.dq_result where run_id = ? and not success
        order by severity = 'critical' desc, suite, expectation, column_name
        """,
        [run_id],
    )
    data.entities = [
        (r["name"], r["entity_type"], int(r["articles"]))
        for r in _rows(
            con,
            """
            select e.name, e.entity_type, count(distinct m.article_key) as articles
            from fact_entity_mention m
            join fact_article a on a.article_key = m.article_key and a.is_current
            join dim_entity e on e.entity_key = m.entity_key
            group by all order by articles desc, e.name limit ?
            """,
            [TOP_N],
        )
    ]
    data.countries = [
        (country_name(r["country_code"]), int(r["articles"]))
        for r in _rows(
            con,
            """
            select country_code, sum(articles) as articles
            from v_country_coverage group by country_code
            order by articles desc, country_code limit ?
            """,
            [TOP_N],
        )
    ]
    return data


def _table(headers: list[str], rows: list[list[Any]], cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _run_label(q: dict[str, Any]) -> str:
    """A run's column label: its start (from the id), and its status when it never finished."""
    label = q["run_id"][:15]
    return label if q["status"] in ("succeeded", "failed_quality") else f"{label} {q['status']}"


def _problems(verdict: str, problems: list[dict[str, Any]]) -> str:
    """Why the verdict is WARN or FAIL: each expectation that failed, with what was seen."""
    if not problems:
        return ""
    rows = [
        [
            p["severity"],
            f"{p['suite']}: {p['expectation']}"
            + (f" ({p['column_name']})" if p["column_name"] else ""),
            p["unexpected_count"] if p["unexpected_count"] is not None else "",
            (p["observed_value"] or "")[:300],
        ]
        for p in problems
    ]
    return (
        f'<section id="problems"><h2>Why {escape(verdict)}: the expectations that failed</h2>'
        + _table(["severity", "expectation", "unexpected", "observed"], rows, "problems")
        + "</section>"
    )


def _section(key: str, title: str, chart: str, table: str) -> str:
    return (
        f'<section id="{key}"><h2>{escape(title)}</h2>'
        f'<div class="chart" data-chart="{key}">{chart}</div>'
        f"<details><summary>The numbers</summary>{table}</details></section>"
    )


def render_report(data: ReportData) -> str:
    """The page, as one self-contained HTML string."""
    run = data.run
    verdict = (run.get("dq_verdict") or "not run").upper()
    facts = [
        ["status", run["status"]],
        ["command", run["command"]],
        ["started (UTC)", str(run["started_at"])[:19]],
        ["duration (s)", run["seconds"]],
        ["data quality", verdict],
        ["sources", run.get("sources")],
        ["article URLs discovered", run.get("urls_discovered")],
        ["fetch attempts", run.get("fetch_attempts")],
        ["articles extracted", run.get("articles_extracted")],
        ["new articles", run.get("articles_new")],
        ["changed articles", run.get("articles_changed")],
        ["failures", run.get("failures")],
    ]
    sections = [
        _section(
            "volume",
            f"Articles per source per day (last {len(data.days)} publication days)",
            stacked_columns("Articles per source per day", data.days, data.volume),
            _table(
                ["day", *data.volume],
                [[d, *(v[i] for v in data.volume.values())] for i, d in enumerate(data.days)],
                "volume",
            ),
        ),
        _section(
            "fetches",
            "Fetch outcomes per source (this run)",
            stacked_rows("Fetch outcomes per source", data.outcome_sources, data.outcomes),
            _table(
                ["source", *data.outcomes],
                [
                    [s, *(v[i] for v in data.outcomes.values())]
                    for i, s in enumerate(data.outcome_sources)
                ],
                "fetches",
            ),
        ),
        _section(
            "quality",
            "Data quality over the last runs (expectations passed and failed)",
            stacked_columns(
                "Data quality over the last runs",
                [_run_label(q) for q in data.quality],
                {
                    "passed": [q["passed"] for q in data.quality],
                    "critical failed": [q["critical"] for q in data.quality],
                    "warnings": [q["warnings"] for q in data.quality],
                },
            ),
            _table(
                ["run", "status", "passed", "critical failed", "warnings"],
                [
                    [q["run_id"], q["status"], q["passed"], q["critical"], q["warnings"]]
                    for q in data.quality
                ],
                "quality",
            ),
        ),
        _section(
            "entities",
            f"Top {TOP_N} entities (articles naming them)",
            hbar_chart("Top entities", [(f"{n} ({t.lower()})", a) for n, t, a in data.entities]),
            _table(["entity", "type", "articles"], [list(e) for e in data.entities], "entities"),
        ),
        _section(
            "countries",
            f"Top {TOP_N} countries (articles naming them or a place in them)",
            hbar_chart("Top countries", data.countries, colour="#38a169"),
            _table(["country", "articles"], [list(c) for c in data.countries], "countries"),
        ),
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>gazette run {escape(run["run_id"])}: {escape(verdict)}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 60em;
        color: #1a202c; }}
h1 {{ font-size: 1.5em; }} h2 {{ font-size: 1.1em; margin-top: 2em; }}
table {{ border-collapse: collapse; margin: .5em 0; }}
td, th {{ border: 1px solid #cbd5e0; padding: .2em .6em; text-align: left; }}
.verdict-PASS {{ color: #276749; }} .verdict-FAIL {{ color: #c53030; }}
.verdict-WARN {{ color: #b7791f; }}
</style></head>
<body>
<h1>gazette run <code>{escape(run["run_id"])}</code>:
<span class="verdict-{escape(verdict)}">{escape(verdict)}</span></h1>
{_table(["run", run["run_id"]], facts, "run")}
{_problems(verdict, data.problems)}
{"".join(sections)}
</body></html>
"""


def write_report(con: duckdb.DuckDBPyConnection, home: Path, run_id: str) -> Path:
    """reports/<run_id>.html, and latest.html pointing at the same content (atomic replace)."""
    page = render_report(report_data(con, run_id))
    folder = Path(home) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{run_id}.html"
    for path in (target, folder / "latest.html"):
        temporary = path.with_suffix(".tmp")
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, path)
    return target


def summary_markdown(facts: dict[str, Any]) -> str:
    """A run's summary as markdown (the Prefect UI's artifact): counts per stage, failures by
    reason, the quality verdict."""
    lines = [
        f"# gazette run `{facts['run_id']}`: {facts['verdict'].upper()}",
        "",
        "| stage | count |",
        "|---|---:|",
        *(f"| {k} | {v} |" for k, v in facts["stages"].items()),
        "",
        "## Failures by reason",
        "",
    ]
    if facts["failures"]:
        lines += ["| reason | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(facts["failures"].items())]
    else:
        lines.append("None.")
    if facts["skipped"]:
        lines += ["", "## Not fetched", "", "| why | count |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(facts["skipped"].items())]
    lines += ["", f"## Data quality: {facts['verdict'].upper()}", ""]
    lines += [f"- critical failure: {c}" for c in facts["critical"]] or ["No critical failure."]
    lines += [f"- warning: {w}" for w in facts.get("warnings", [])]
    if facts.get("report"):
        lines += ["", f"Run report: `{facts['report']}`"]
    return "\n".join(lines) + "\n"
