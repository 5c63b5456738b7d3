-- BI views: stable, documented names over the star schema (applied after every table exists)

create or replace view v_article as
select
    a.article_key, a.version, a.url, a.title, a.description, a.language,
    s.source_name, s.domain as source_domain,
    a.published_at, a.published_at_source, d.date as published_date, d.year, d.quarter,
    d.month, d.month_name, d.week, d.day_name, d.is_weekend,
    (select string_agg(au.author_name, '; ' order by b.author_order)
       from bridge_article_author b join dim_author au using (author_key)
      where b.article_key = a.article_key and au.author_type = 'person') as authors,
    (select string_agg(au.author_name, '; ' order by b.author_order)
       from bridge_article_author b join dim_author au using (author_key)
      where b.article_key = a.article_key and au.author_type = 'organisation') as organisations,
    (select string_agg(au.author_name, '; ' order by b.author_order)
       from bridge_article_author b join dim_author au using (author_key)
      where b.article_key = a.article_key) as byline,
    a.word_count, a.paragraph_count, a.image_count, a.tone, a.story_key, a.is_first_in_story,
    a.modified_at, a.fetched_at,
    a.is_paywalled, a.robots_decision, a.robots_directives, a.license_url,
    -- the filter for redistribution: fetched with robots.txt's leave (or from a file; a row
    -- loaded before the decision was kept is unknown, so not), no directive against keeping
    -- or showing its text, not a paywalled teaser
    (a.robots_decision in ('allowed', 'no_rules') or a.url like 'file:%')
      and not coalesce(a.is_paywalled, false)
      and not regexp_matches(coalesce(a.robots_directives, ''), 'noarchive|nosnippet|noindex')
      as redistributable
from fact_article a
join dim_source s on s.source_key = a.source_key
left join dim_date d on d.date_key = a.published_date_key
where a.is_current;
comment on view v_article is 'Current articles with their source, authors and date attributes: one row per article.';
comment on column v_article.is_paywalled is 'A paywalled teaser (fact_article.is_paywalled).';
comment on column v_article.robots_decision is 'What robots.txt said when it was fetched (fact_article.robots_decision).';
comment on column v_article.robots_directives is 'The page''s robots directives (fact_article.robots_directives).';
comment on column v_article.license_url is 'The licence the page declares.';
comment on column v_article.redistributable is 'True when nothing the publisher said stands against passing its text on: robots.txt allowed the fetch (or had no rules, or it is an ingested file), no noarchive, nosnippet or noindex directive, not a paywalled teaser. WHERE redistributable before sharing text.';
comment on column v_article.article_key is 'The article (fact_article.article_key).';
comment on column v_article.version is 'Its current version number.';
comment on column v_article.url is 'URL it was fetched from.';
comment on column v_article.title is 'Visible headline.';
comment on column v_article.description is 'Standfirst or meta description.';
comment on column v_article.language is 'ISO 639-1 language.';
comment on column v_article.source_name is 'Outlet name.';
comment on column v_article.source_domain is 'Outlet host.';
comment on column v_article.published_at is 'Publication time (UTC).';
comment on column v_article.published_at_source is 'Evidence the date came from.';
comment on column v_article.published_date is 'Publication day as the publisher dated it.';
comment on column v_article.year is 'Year of published_date.';
comment on column v_article.quarter is 'Quarter of published_date.';
comment on column v_article.month is 'Month of published_date.';
comment on column v_article.month_name is 'Month name of published_date.';
comment on column v_article.week is 'ISO week of published_date.';
comment on column v_article.day_name is 'Day name of published_date.';
comment on column v_article.is_weekend is 'Published on a Saturday or Sunday.';
comment on column v_article.authors is 'People in the byline, in order, separated by "; ".';
comment on column v_article.organisations is 'Agencies and desks in the byline, separated by "; ".';
comment on column v_article.byline is 'Everyone the byline credits, people then agencies and desks, separated by "; ": the author column for those who count an agency as the author.';
comment on column v_article.word_count is 'Words in the text.';
comment on column v_article.paragraph_count is 'Paragraphs in the text.';
comment on column v_article.image_count is 'Images in the article.';
comment on column v_article.tone is 'Tone, -1 to 1 (VADER; null for non-English text).';
comment on column v_article.story_key is 'Story cluster.';
comment on column v_article.is_first_in_story is 'First publisher of its story.';
comment on column v_article.modified_at is 'Last modification the page declares (UTC).';
comment on column v_article.fetched_at is 'When this version was fetched (UTC).';

create or replace view v_daily_source_volume as
select s.source_name, d.date, count(*) as articles, sum(a.word_count) as words
from fact_article a
join dim_source s on s.source_key = a.source_key
join dim_date d on d.date_key = a.published_date_key
where a.is_current
group by all;
comment on view v_daily_source_volume is 'Articles and words per source per publication day (current versions).';
comment on column v_daily_source_volume.source_name is 'Outlet name.';
comment on column v_daily_source_volume.date is 'Publication day.';
comment on column v_daily_source_volume.articles is 'Articles published that day.';
comment on column v_daily_source_volume.words is 'Their words in total.';

create or replace view v_story as
select
    a.story_key,
    count(*) as articles,
    count(distinct s.source_name) as outlets,
    string_agg(distinct s.source_name, '; ' order by s.source_name) as outlet_names,
    arg_min(s.source_name, (a.published_at, a.article_key)) as first_publisher,
    arg_min(a.title, (a.published_at, a.article_key)) as first_title,
    min(a.published_at) as first_published_at,
    max(a.published_at) as last_published_at
from fact_article a
join dim_source s on s.source_key = a.source_key
where a.is_current and a.story_key is not null
group by a.story_key;
comment on view v_story is 'One row per story cluster: how many articles and outlets carried it, and who published first.';
comment on column v_story.story_key is 'The story (fact_article.story_key).';
comment on column v_story.articles is 'Articles in the story.';
comment on column v_story.outlets is 'Distinct outlets that carried it.';
comment on column v_story.outlet_names is 'Their names, separated by "; ".';
comment on column v_story.first_publisher is 'Outlet of the earliest-published article.';
comment on column v_story.first_title is 'Headline of the earliest-published article.';
comment on column v_story.first_published_at is 'When the story first appeared (UTC).';
comment on column v_story.last_published_at is 'When it last appeared (UTC).';

create or replace view v_source_health as
with fetches as (
    select s.source_name,
           count(*) filter (where f.purpose = 'article') as article_fetches,
           count(*) filter (where f.purpose = 'article' and f.outcome = 'ok') as fetched_ok,
           count(*) filter (where f.outcome not in ('ok', 'not_modified')) as failed,
           max(f.fetched_at) filter (where f.outcome in ('ok', 'not_modified')) as last_success
    from fact_fetch f join dim_source s on s.source_key = f.source_key
    group by s.source_name
),
outcomes as (
    select s.source_name, f.outcome, count(*) as n
    from fact_fetch f join dim_source s on s.source_key = f.source_key
    where f.outcome not in ('ok', 'not_modified')
    group by all
),
failed_by as (
    select source_name, string_agg(outcome || ': ' || n, ', ' order by n desc, outcome) as failed_by_outcome
    from outcomes group by source_name
),
extracted as (
    select s.source_name, count(*) as articles
    from fact_article a join dim_source s on s.source_key = a.source_key
    where a.is_current group by s.source_name
),
held as (
    select json_extract_string(record, '$.source_name') as source_name, count(*) as quarantined
    from ops.quarantine group by all
)
select n.source_name,
       coalesce(f.article_fetches, 0) as article_fetches,
       coalesce(f.fetched_ok, 0) as fetched_ok,
       coalesce(f.failed, 0) as failed,
       b.failed_by_outcome,
       coalesce(e.articles, 0) as articles,
       coalesce(h.quarantined, 0) as quarantined,
       f.last_success
from (select distinct source_name from dim_source) n
left join fetches f using (source_name)
left join failed_by b using (source_name)
left join extracted e using (source_name)
left join held h using (source_name);
comment on view v_source_health is 'Per source, over all runs: fetches, failures by outcome, articles extracted, quarantined, last success.';
comment on column v_source_health.source_name is 'Outlet name.';
comment on column v_source_health.article_fetches is 'Article fetch attempts.';
comment on column v_source_health.fetched_ok is 'Article fetches that succeeded.';
comment on column v_source_health.failed is 'Attempts of any purpose that failed.';
comment on column v_source_health.failed_by_outcome is 'Failed attempts per outcome, most frequent first ("http_error: 2, timeout: 1").';
comment on column v_source_health.articles is 'Current articles in the warehouse.';
comment on column v_source_health.quarantined is 'Pages held back in ops.quarantine.';
comment on column v_source_health.last_success is 'Last successful (or not-modified) request (UTC).';

create or replace view v_dq_latest as
select run_id, suite, expectation, column_name, severity, success, observed_value,
       element_count, unexpected_count, checked_at
from ops.dq_result
qualify row_number() over (
    partition by suite, expectation, coalesce(column_name, '') order by checked_at desc
) = 1;
comment on view v_dq_latest is 'The latest result of every expectation: the data-quality state now, for BI.';
comment on column v_dq_latest.run_id is 'Run (or validate pass) that produced it.';
comment on column v_dq_latest.suite is 'Suite.';
comment on column v_dq_latest.expectation is 'Expectation type.';
comment on column v_dq_latest.column_name is 'Column(s) checked.';
comment on column v_dq_latest.severity is 'critical or warning.';
comment on column v_dq_latest.success is 'Whether it held.';
comment on column v_dq_latest.observed_value is 'What was observed (JSON); failing sources or rows for row-level checks.';
comment on column v_dq_latest.element_count is 'Rows checked.';
comment on column v_dq_latest.unexpected_count is 'Rows that failed.';
comment on column v_dq_latest.checked_at is 'When (UTC).';

create or replace view v_entity_daily as
select
    e.entity_key, e.name as entity, e.entity_type, e.country_code,
    d.date, count(distinct m.article_key) as articles, sum(m.mention_count) as mentions
from fact_entity_mention m
join fact_article a on a.article_key = m.article_key and a.is_current
join dim_entity e on e.entity_key = m.entity_key
join dim_date d on d.date_key = m.published_date_key
group by all;
comment on view v_entity_daily is 'Per entity per publication day: articles naming it and mentions in all (current versions).';
comment on column v_entity_daily.entity_key is 'dim_entity.entity_key.';
comment on column v_entity_daily.entity is 'Canonical name.';
comment on column v_entity_daily.entity_type is 'PERSON, ORG, LOCATION or NORP.';
comment on column v_entity_daily.country_code is 'ISO 3166-1 alpha-2 code, when known.';
comment on column v_entity_daily.date is 'Publication day.';
comment on column v_entity_daily.articles is 'Articles that day naming the entity.';
comment on column v_entity_daily.mentions is 'Mentions in those articles.';

create or replace view v_country_coverage as
with article_country as (
    select distinct m.article_key, e.country_code, m.published_date_key
    from fact_entity_mention m
    join dim_entity e on e.entity_key = m.entity_key
    where e.entity_type = 'LOCATION' and e.country_code is not null
)
select
    ac.country_code,
    (select c.name from dim_entity c
      where c.country_code = ac.country_code and c.resolution = 'iso3166' limit 1) as country,
    d.date, count(*) as articles, avg(a.tone) as mean_tone
from article_country ac
join fact_article a on a.article_key = ac.article_key and a.is_current
join dim_date d on d.date_key = ac.published_date_key
group by all;
comment on view v_country_coverage is 'Per country per publication day: articles naming the country or a place in it, and their mean tone (current versions).';
comment on column v_country_coverage.country_code is 'ISO 3166-1 alpha-2 code.';
comment on column v_country_coverage.country is 'Country name, when the country itself was named somewhere.';
comment on column v_country_coverage.date is 'Publication day.';
comment on column v_country_coverage.articles is 'Articles that day naming the country, or a city or region in it.';
comment on column v_country_coverage.mean_tone is 'Mean tone of those articles (null when none is English).';
