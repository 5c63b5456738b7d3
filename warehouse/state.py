"""What earlier runs left behind that this run needs: validators, archived copies, known URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import duckdb
import polars as pl

from transforms.model import article_key
from transforms.records import ArchiveRef, Validators
from transforms.vocabulary import PERMANENT_EXTRACT_REASONS, PERMANENT_OUTCOMES
from warehouse.db import query_frame

_LATEST_OK = """
    select url, etag, last_modified, fetched_at, warc_file, warc_offset, warc_length, sha256
    from raw.fetch
    where outcome = 'ok' and purpose in ({purposes}) {only}
    qualify row_number() over (partition by url order by fetched_at desc) = 1
"""


_PERMANENT = "^(" + "|".join(re.escape(r) for r in PERMANENT_EXTRACT_REASONS) + ")"


def _validators(row: dict) -> Validators:
    return Validators(
        etag=row["etag"],
        last_modified=row["last_modified"],
        fetched_at=row["fetched_at"],
        archive=ArchiveRef(row["warc_file"], row["warc_offset"], row["warc_length"], row["sha256"]),
        loaded=bool(row.get("loaded")),
        gone=bool(row.get("gone")),
        hopeless=bool(row.get("hopeless")),
    )


def discovery_state(con: duckdb.DuckDBPyConnection) -> dict[str, Validators]:
    """Last good copy of every feed, sitemap and section page, for conditional GET on them."""
    sql = _LATEST_OK.format(purposes="'feed', 'sitemap', 'section'", only="")
    return {row["url"]: _validators(row) for row in query_frame(con, sql).iter_rows(named=True)}


def known_pages(con: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> dict[str, Validators]:
    """For candidate article URLs: loaded already? gone (404/410)? validators of the last good
    copy, and when we last heard from the server (a 304 counts: the copy is still current).

    "Loaded" goes by article identity, not spelling: http://example.com/a and
    https://www.example.com/a are the same article.
    """
    wanted = pl.DataFrame({"url": list(dict.fromkeys(urls))}, schema={"url": pl.String})
    if wanted.is_empty():
        return {}
    wanted = wanted.with_columns(
        article_key=pl.col("url").map_elements(article_key, return_dtype=pl.String)
    )
    con.register("wanted_urls", wanted.to_arrow())
    try:
        frame = query_frame(
            con,
            f"""
            with last_ok as ({_LATEST_OK.format(purposes="'article'", only="")}),
            last_heard as (
                select url, max(fetched_at) as heard_at from fact_fetch
                where purpose = 'article' and outcome in ('ok', 'not_modified')
                group by url
            ),
            last_try as (
                select url, status, outcome, fetched_at from fact_fetch where purpose = 'article'
                qualify row_number() over (partition by url order by fetched_at desc) = 1
            ),
            last_held as (
                select url, reason from ops.quarantine where stage = 'extract'
                qualify row_number() over (partition by url order by created_at desc) = 1
            ),
            loaded as (select distinct article_key from fact_article)
            select w.url, o.etag, o.last_modified,
                   coalesce(h.heard_at, o.fetched_at) as fetched_at,
                   o.warc_file, o.warc_offset, o.warc_length, o.sha256,
                   l.article_key is not null as loaded,
                   coalesce(t.status in (404, 410), false) as gone,
                   l.article_key is null and (
                       coalesce(list_contains(?, t.outcome), false)
                       or coalesce(t.outcome = 'ok' and regexp_matches(q.reason, ?), false)
                   ) as hopeless
            from wanted_urls w
            left join last_ok o using (url)
            left join last_heard h using (url)
            left join last_try t using (url)
            left join loaded l on l.article_key = w.article_key
            left join last_held q using (url)
            where o.url is not null or l.article_key is not null or t.url is not null
            """,
            [list(PERMANENT_OUTCOMES), _PERMANENT],
        )
    finally:
        con.unregister("wanted_urls")
    result = {}
    for row in frame.iter_rows(named=True):
        if row["warc_file"] is None:
            result[row["url"]] = Validators(
                fetched_at=row["fetched_at"],
                loaded=row["loaded"],
                gone=row["gone"],
                hopeless=row["hopeless"],
            )
        else:
            result[row["url"]] = _validators(row)
    return result


def archived_articles(con: duckdb.DuckDBPyConnection, since: datetime | None) -> pl.DataFrame:
    """The newest good copy of every archived article (where its bytes are), for reprocessing:
    metadata only; the bytes are read a batch at a time."""
    return query_frame(
        con,
        """
        select url, final_url, source_name, purpose, content_type, fetched_at, evidence,
               warc_file, warc_offset, warc_length, sha256
        from raw.fetch
        where outcome = 'ok' and purpose in ('article', 'ingest')
          and (?::timestamptz is null or fetched_at >= ?::timestamptz)
        qualify row_number() over (partition by url order by fetched_at desc) = 1
        order by fetched_at, url
        """,
        [since, since],
    )


def archived_ingests(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], ArchiveRef]:
    """Where each ingested document already sits in the archive, by (url, sha256): a file
    ingested again is not copied again."""
    return {
        (url, digest): ArchiveRef(file, offset, length, digest)
        for url, digest, file, offset, length in con.execute(
            "select url, sha256, warc_file, warc_offset, warc_length from raw.fetch "
            "where purpose = 'ingest'"
        ).fetchall()
    }
