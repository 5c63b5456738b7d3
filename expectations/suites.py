"""One suite per table (plus staging, integrity and source health); each expectation carries
a severity in its meta.

critical: the run's verdict fails (exit 1). warning: recorded, the run passes.
Mart suites say which SQL builds their frame: only the columns they check, and cross-table
facts (orphans, versions) computed in DuckDB so GX judges a small result. A suite over a table
that grows with the warehouse names the column its rows are partitioned by, so GX can judge it
in bounded chunks (expectations/runner.py): rows with one value of that column fall in one
chunk, so a uniqueness expectation on it stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from expectations.iso639 import ISO_639_1
from transforms.vocabulary import (
    AUTHOR_TYPES,
    COUNT_TYPES,
    ENCODING_SOURCES,
    ENTITY_TYPES,
    FETCH_OUTCOMES,
    QUOTE_KINDS,
    ROBOTS_DECISIONS,
)
from warehouse.keys import key_of, unindexed_tables

FUTURE_TOLERANCE = timedelta(days=1)
EARLIEST = datetime(1990, 1, 1)
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
ARTICLE_URL_PATTERN = r"^(?:https?://[^\s/$.?#][^\s]*|file:///\S+)$"  # ingested files
MAX_TITLE_CHARS = 500
MIN_TEXT_CHARS = 200


@dataclass(frozen=True, slots=True)
class SuiteSpec:
    """A suite, the SQL that builds its frame (None: the caller hands a frame), for row-level
    gates the column that identifies a row, and for a frame that grows with the warehouse the
    column to cut it into chunks by (None: the frame is small whatever the night, as a
    calendar or the sources are)."""

    name: str
    sql: str | None
    expectations: tuple[Any, ...]
    index_column: str | None = None
    params: tuple[Any, ...] = field(default_factory=tuple)
    partition_by: str | None = None


def _critical(expectation: Any) -> Any:
    expectation.meta = {"severity": "critical"}
    return expectation


def _warning(expectation: Any) -> Any:
    expectation.meta = {"severity": "warning"}
    return expectation


def _article_rules(gxe: Any, now: datetime) -> list[Any]:
    """What every article row must satisfy, at the staging gate and in the mart."""
    latest = now + FUTURE_TOLERANCE
    earliest = EARLIEST.replace(tzinfo=now.tzinfo)
    return [
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="article_key")),
        _critical(gxe.ExpectColumnValuesToMatchRegex(column="url", regex=ARTICLE_URL_PATTERN)),
        _critical(gxe.ExpectColumnValuesToNotBeNull(column="title")),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="title_length", min_value=1, max_value=MAX_TITLE_CHARS
            )
        ),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(column="text_length", min_value=MIN_TEXT_CHARS)
        ),
        _critical(
            gxe.ExpectColumnValuesToBeBetween(
                column="published_at", min_value=earliest, max_value=latest
            )
        ),
        _critical(gxe.ExpectColumnValuesToBeInSet(column="language", value_set=sorted(ISO_639_1))),
        _critical(
            gxe.ExpectColumnPairValuesToBeEqual(column_A="word_count", column_B="words_in_text")
        ),
        _warning(gxe.ExpectColumnValuesToNotBeNull(column="published_at", mostly=0.9)),
        _warning(
            gxe.ExpectColumnValuesToBeBetween(
                column="title_length", min_value=10, max_value=200, mostly=0.95
            )
        ),
    ]


def staging_suite(now: datetime) -> SuiteSpec:
    """Row by row, before load: a failing row goes to ops.quarantine, the rest loads."""
    import great_expectations.expectations as gxe

    return SuiteSpec("staging_article", None, tuple(_article_rules(gxe, now)), "row_id")


ARTICLE_SQL = """
    select article_key, version, source_key, url, title, length(title) as title_length,
           length(text) as text_length, published_at, language, word_count,
           words_in_text(text) as words_in_text,
           encoding_source, robots_decision
    from fact_article where is_current
"""


def fact_article_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "fact_article",
        ARTICLE_SQL,
        (
            *_article_rules(gxe, now),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column="encoding_source", value_set=list(ENCODING_SOURCES)
                )
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column="robots_decision", value_set=list(ROBOTS_DECISIONS)
                )
            ),
            # the frame holds current versions: a repeated key means two current versions
            _critical(gxe.ExpectColumnValuesToBeUnique(column="article_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_key")),
        ),
        partition_by="article_key",
    )


def dim_source_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "dim_source",
        "select source_key, source_id, source_name, homepage, is_current from dim_source",
        (
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="source_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="source_name")),
            _critical(gxe.ExpectColumnValuesToMatchRegex(column="homepage", regex=URL_PATTERN)),
        ),
    )


def dim_date_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "dim_date",
        "select date_key, date, day_of_week from dim_date",
        (
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="date_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="date_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="date")),
            _critical(
                gxe.ExpectColumnValuesToBeBetween(column="day_of_week", min_value=1, max_value=7)
            ),
        ),
    )


def dim_author_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "dim_author",
        "select author_key, author_name, author_type from dim_author",
        (
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="author_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="author_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="author_name")),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="author_type", value_set=list(AUTHOR_TYPES))
            ),
            _warning(
                gxe.ExpectColumnValueLengthsToBeBetween(
                    column="author_name", min_value=2, max_value=80
                )
            ),
        ),
        partition_by="author_key",
    )


def fact_fetch_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "fact_fetch",
        "select fetch_key, url, outcome, bytes, elapsed_ms from fact_fetch",
        (
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="fetch_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="fetch_key")),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=list(FETCH_OUTCOMES))
            ),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="bytes", min_value=0)),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="elapsed_ms", min_value=0)),
        ),
        partition_by="fetch_key",
    )


# what fact_quote_count_suite's SQL writes for a count no event word explains (count_type null)
UNTYPED_COUNT = "none"


def dim_entity_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    from expectations.iso3166 import country_codes

    return SuiteSpec(
        "dim_entity",
        "select entity_key, entity_type, name, country_code, latitude, longitude,"
        " (latitude is null) = (geonames_id is null)"
        " and (geonames_id is null or country_code is not null) as coordinates_with_city"
        " from dim_entity",
        (
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="entity_key")),
            _critical(gxe.ExpectColumnValuesToBeUnique(column="entity_key")),
            _critical(gxe.ExpectColumnValuesToNotBeNull(column="name")),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="entity_type", value_set=list(ENTITY_TYPES))
            ),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=country_codes())
            ),
            _critical(
                gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90)
            ),
            _critical(
                gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180)
            ),
            # coordinates come only with a GeoNames city, and a city has a country
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="coordinates_with_city", value_set=[True])
            ),
            _warning(
                gxe.ExpectColumnValueLengthsToBeBetween(column="name", min_value=2, max_value=120)
            ),
        ),
        partition_by="entity_key",
    )


def fact_entity_mention_suite(now: datetime) -> SuiteSpec:
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "fact_entity_mention",
        "select article_key || '|' || entity_key as mention_key, mention_count,"
        " caption_mention_count, first_offset,"
        " caption_mention_count <= mention_count as captions_within_total"
        " from fact_entity_mention",
        (
            _critical(gxe.ExpectColumnValuesToBeUnique(column="mention_key")),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="mention_count", min_value=1)),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="first_offset", min_value=0)),
            _critical(
                gxe.ExpectColumnValuesToBeInSet(column="captions_within_total", value_set=[True])
            ),
        ),
        partition_by="mention_key",
    )


def fact_quote_count_suite(now: datetime) -> SuiteSpec:
    """Quotes and counts in one small frame: their allowed sets and ranges."""
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "fact_quote_and_count",
        "select article_key, 'quote' as fact, quote_kind as kind, length(quote) as size,"
        " null as value from fact_quote union all"
        " select article_key, 'count', coalesce(count_type, ?), length(counted), count_value"
        " from fact_count",
        (
            _critical(
                gxe.ExpectColumnValuesToBeInSet(
                    column="kind", value_set=[*QUOTE_KINDS, *COUNT_TYPES, UNTYPED_COUNT]
                )
            ),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="size", min_value=1)),
            _critical(gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0)),
        ),
        params=(UNTYPED_COUNT,),
        partition_by="article_key",
    )


INTEGRITY_SQL = (
    """
    select
      (select count(*) from fact_article a
        where not exists (select 1 from dim_source s where s.source_key = a.source_key))
        as fact_article_orphan_source,
      (select count(*) from fact_article a where a.published_date_key is not null
        and not exists (select 1 from dim_date d where d.date_key = a.published_date_key))
        as fact_article_date_not_in_dim_date,
      (select count(*) from bridge_article_author b
        where not exists (select 1 from fact_article a where a.article_key = b.article_key))
        as bridge_author_orphan_article,
      (select count(*) from bridge_article_author b
        where not exists (select 1 from dim_author d where d.author_key = b.author_key))
        as bridge_author_orphan_author,
      (select count(*) from bridge_article_tag b
        where not exists (select 1 from dim_tag t where t.tag_key = b.tag_key)
           or not exists (select 1 from fact_article a where a.article_key = b.article_key))
        as bridge_tag_orphans,
      (select count(*) from fact_image_credit c
        where not exists (select 1 from fact_article a where a.article_key = c.article_key))
        as image_credit_orphans,
      (select count(*) from fact_entity_mention m
        where not exists (select 1 from fact_article a where a.article_key = m.article_key)
           or not exists (select 1 from dim_entity e where e.entity_key = m.entity_key)
           or not exists (select 1 from dim_source s where s.source_key = m.source_key))
        as entity_mention_orphans,
      (select count(*) from fact_quote q
        where not exists (select 1 from fact_article a where a.article_key = q.article_key)
           or (q.speaker_entity_key is not null and not exists
               (select 1 from dim_entity e where e.entity_key = q.speaker_entity_key)))
        as quote_orphans,
      (select count(*) from fact_count c
        where not exists (select 1 from fact_article a where a.article_key = c.article_key))
        as count_orphans,
      (select count(*) from fact_fetch f where f.source_key is not null
        and not exists (select 1 from dim_source s where s.source_key = f.source_key))
        as fact_fetch_orphan_source,
      (select count(*) from (select article_key from fact_article group by article_key
        having count(*) filter (where is_current) <> 1)) as articles_without_one_current,
      (select count(*) from (select source_id from dim_source group by source_id
        having count(*) filter (where is_current) <> 1)) as sources_without_one_current,
"""
    + ",\n".join(
        # no index keeps these keys unique (warehouse/keys.py): the loader does, and this checks it
        f"      (select count(*) from (select 1 from {table} group by {', '.join(key_of(table))} "
        f"having count(*) > 1)) as {table.replace('.', '_')}_duplicate_keys"
        for table in unindexed_tables()
    )
    + "\n"
)
INTEGRITY_CHECKS = (
    "fact_article_orphan_source",
    "fact_article_date_not_in_dim_date",
    "bridge_author_orphan_article",
    "bridge_author_orphan_author",
    "bridge_tag_orphans",
    "image_credit_orphans",
    "entity_mention_orphans",
    "quote_orphans",
    "count_orphans",
    "fact_fetch_orphan_source",
    "articles_without_one_current",
    "sources_without_one_current",
    *(f"{table.replace('.', '_')}_duplicate_keys" for table in unindexed_tables()),
)


def integrity_suite(now: datetime) -> SuiteSpec:
    """Foreign keys and versions, counted in DuckDB; GX judges the one-row result."""
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "integrity",
        INTEGRITY_SQL,
        tuple(
            _critical(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=0))
            for c in INTEGRITY_CHECKS
        ),
    )


SOURCE_HEALTH_SQL = """
    -- volume is judged per publication day, not per run: a rerun that finds nothing new, or
    -- three runs in a day, change no day's count. The last complete day (yesterday, by the
    -- run's clock) against the days before it; an undated article counts on the day first seen
    with sources as (
        -- configured web sources only: ingested files have no schedule to fall behind
        select distinct source_name from dim_source where is_current and settings_hash <> ''
    ),
    articles as (
        select d.source_name,
               coalesce(strptime(a.published_date_key::varchar, '%Y%m%d')::date,
                        a.valid_from::date) as day
        from fact_article a join dim_source d on d.source_key = a.source_key
        where a.version = 1
    ),
    days as (
        select (?::timestamptz::date - age::integer) as day, age
        from range(1, ? + 2) t(age)
    ),
    per_day as (
        select s.source_name, days.day, days.age, count(a.day) as articles
        from sources s cross join days
        left join articles a on a.source_name = s.source_name and a.day = days.day
        group by all
    ),
    tracked as (select source_name, min(day) as since from articles group by source_name),
    trail as (
        -- only days from the source's first article on: zeros before it count for nothing
        select p.source_name, avg(p.articles) as mean_new, stddev_samp(p.articles) as sd_new,
               min(p.articles) as fewest, count(*) as trailing_days
        from per_day p join tracked t using (source_name)
        where p.age >= 2 and p.day >= t.since group by p.source_name
    ),
    newest as (
        select s.source_name, max(a.published_at) as newest_published_at
        from fact_article a join dim_source s on s.source_key = a.source_key
        where a.is_current group by s.source_name
    )
    select c.source_name,
           coalesce(date_diff('hour', n.newest_published_at, ?::timestamptz), 1e9)
             as hours_since_newest,
           c.day as judged_day,
           c.articles as new_articles,
           t.mean_new, t.sd_new, coalesce(t.trailing_days, 0) as trailing_days,
           case
             when coalesce(t.trailing_days, 0) < 3 or coalesce(t.mean_new, 0) = 0 then true
             -- a day with nothing is a drop only for a source that never has such days
             -- (one that skips Sundays is not broken on Monday)
             when c.articles = 0 then t.fewest = 0
             else c.articles >= t.mean_new - ? * greatest(coalesce(t.sd_new, 0), 1)
           end as volume_ok
    from per_day c
    left join trail t using (source_name)
    left join newest n using (source_name)
    where c.age = 1
"""


def source_health_suite(
    now: datetime,
    freshness_hours: float = 48.0,
    volume_sigma: float = 3.0,
    trailing_days: int = 7,
) -> SuiteSpec:
    """Checks across days: a source that silently broke stops being fresh, or publishes far
    fewer articles on its last complete day than on the `trailing_days` before it.

    Warnings, naming the sources (the frame is one row per source).
    """
    import great_expectations.expectations as gxe

    return SuiteSpec(
        "source_health",
        SOURCE_HEALTH_SQL,
        (
            _warning(
                gxe.ExpectColumnValuesToBeBetween(
                    column="hours_since_newest", max_value=freshness_hours
                )
            ),
            _warning(gxe.ExpectColumnValuesToBeInSet(column="volume_ok", value_set=[True])),
        ),
        index_column="source_name",
        params=(now, trailing_days, now, volume_sigma),
    )


def mart_suites(
    now: datetime,
    run_id: str = "",
    freshness_hours: float = 48.0,
    volume_sigma: float = 3.0,
    trailing_days: int = 7,
) -> list[SuiteSpec]:
    return [
        fact_article_suite(now),
        dim_source_suite(now),
        dim_date_suite(now),
        dim_author_suite(now),
        fact_fetch_suite(now),
        dim_entity_suite(now),
        fact_entity_mention_suite(now),
        fact_quote_count_suite(now),
        integrity_suite(now),
        source_health_suite(now, freshness_hours, volume_sigma, trailing_days),
    ]
