"""What earlier runs left behind that this run needs: validators, archived copies, known URLs."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from transforms.records import ArchiveRef, Validators
from warehouse.db import query_frame

_LATEST_OK = """
    select url, etag, last_modified, fetched_at, warc_file, warc_offset, warc_length, sha256
    from raw.fetch
    where outcome = 'ok' and purpose in ({purposes}) {only}
    qualify row_number() over (partition by url order by fetched_at desc) = 1
"""


def _validators(row: dict) -> Validators:
    return Validators(
        etag=row["etag"],
        last_modified=row["last_modified"],
        fetched_at=row["fetched_at"],
        archive=ArchiveRef(row["warc_file"], row["warc_offset"], row["warc_length"], row["sha256"]),
        loaded=bool(row.get("loaded")),
        gone=bool(row.get("gone")),
    )


def discovery_state(con: duckdb.DuckDBPyConnection) -> dict[str, Validators]:
    """Last good copy of every feed, sitemap and section page, for conditional GET on them."""
    sql = _LATEST_OK.format(purposes="'feed', 'sitemap', 'section'", only="")
    return {row["url"]: _validators(row) for row in query_frame(con, sql).iter_rows(named=True)}


def known_pages(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> dict[str, Validators]:
    """For candidate article URLs: loaded already? gone (404/410)? last good copy's validators."""
    wanted = pl.DataFrame({"url": list(dict.fromkeys(urls))}, schema={"url": pl.String})
    if wanted.is_empty():
        return {}
    con.register("wanted_urls", wanted.to_arrow())
    try:
        frame = query_frame(
            con,
            f"""
            with last_ok as ({_LATEST_OK.format(purposes="'article'", only="")}),
            last_try as (
                select url, status from fact_fetch where purpose = 'article'
                qualify row_number() over (partition by url order by fetched_at desc) = 1
            )
            select w.url, o.etag, o.last_modified, o.fetched_at, o.warc_file, o.warc_offset,
                   o.warc_length, o.sha256,
                   a.url is not null as loaded,
                   coalesce(t.status in (404, 410), false) as gone
            from wanted_urls w
            left join last_ok o using (url)
            left join last_try t using (url)
            left join fact_article a on a.url = w.url
            where o.url is not null or a.url is not null or t.url is not null
            """,
        )
    finally:
        con.unregister("wanted_urls")
    result = {}
    for row in frame.iter_rows(named=True):
        if row["warc_file"] is None:
            result[row["url"]] = Validators(loaded=row["loaded"], gone=row["gone"])
        else:
            result[row["url"]] = _validators(row)
    return result
