"""`gazette status`: how the last nights went, in one screen or one JSON document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import query_frame
from warehouse.export import iso_timestamp

LAST_RUNS = 10


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def collect_status(con: duckdb.DuckDBPyConnection, home: Path, now: datetime | None = None) -> dict:
    """Last runs, per-source freshness and health, open quarantine, sizes: plain JSON-able data."""
    now = now or datetime.now(UTC)
    runs = query_frame(
        con,
        """
        select run_id, command, started_at, finished_at, status, dq_verdict,
               date_diff('second', started_at, coalesce(finished_at, ?::timestamptz))
                 as duration_s,
               articles_new, articles_changed, failures, failures_by_reason
        from ops.etl_run order by started_at desc limit ?
        """,
        [now, LAST_RUNS],
    ).to_dicts()
    sources = query_frame(
        con,
        """
        select h.source_name, h.articles, h.article_fetches, h.fetched_ok, h.failed,
               h.failed_by_outcome, h.quarantined, h.last_success,
               n.newest_published_at,
               round(date_diff('minute', n.newest_published_at, ?::timestamptz) / 60.0, 1)
                 as hours_since_newest
        from v_source_health h
        left join (
            select s.source_name, max(a.published_at) as newest_published_at
            from fact_article a join dim_source s on s.source_key = a.source_key
            where a.is_current group by s.source_name
        ) n using (source_name)
        order by h.source_name
        """,
        [now],
    ).to_dicts()
    quarantine = con.execute("select count(*) from ops.quarantine").fetchone()[0]
    articles = con.execute("select count(*) from fact_article where is_current").fetchone()[0]
    return {
        "home": str(home),
        "checked_at": iso_timestamp(now),
        "runs": [_jsonable(r) for r in runs],
        "sources": [_jsonable(s) for s in sources],
        "articles": int(articles),
        "quarantined": int(quarantine),
        "warehouse_bytes": _size(home / "gazette.duckdb"),
        "raw_archive_bytes": _size(home / "raw"),
        "latest_report": str(home / "reports" / "latest.html")
        if (home / "reports" / "latest.html").exists()
        else None,
    }


JSON_COLUMNS = {"failures_by_reason"}  # stored as JSON text: given back as nested JSON


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    def value(key: str, v: Any) -> Any:
        if isinstance(v, datetime):
            return iso_timestamp(v)
        if key in JSON_COLUMNS and isinstance(v, str):
            return json.loads(v)
        return v

    return {k: value(k, v) for k, v in row.items()}


def articles_per_source(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, int, int]]:
    """(source, current articles, of which this run wrote) for every source, by name."""
    return [
        (name, int(total), int(fresh))
        for name, total, fresh in con.execute(
            """
            select s.source_name, count(a.article_key),
                   count(a.article_key) filter (where a.run_id = ?)
            from dim_source s
            left join fact_article a on a.source_key = s.source_key and a.is_current
            group by all order by s.source_name
            """,
            [run_id],
        ).fetchall()
    ]
