-- grain: one row per counted thing per article ("five militants killed")
create table if not exists fact_count (
    article_key         varchar not null,
    count_order         integer not null,
    source_key          varchar not null,
    published_date_key  integer,
    count_value         decimal(18, 3) not null,
    is_approximate      boolean not null,
    counted             varchar not null,
    event_word          varchar,
    count_type          varchar,
    context             varchar,
    char_offset         integer not null,
    run_id              varchar not null
    -- key: article_key, count_order
);
comment on table fact_count is 'Counts in the spirit of GDELT: a number, what it counts and the event around it (English text; dates, money, measures and percentages excluded).';
comment on column fact_count.article_key is 'fact_article.article_key.';
comment on column fact_count.count_order is '1 for the first count in the text.';
comment on column fact_count.source_key is 'dim_source.source_key of the source version in force when loaded.';
comment on column fact_count.published_date_key is 'dim_date.date_key of the article''s publication day.';
comment on column fact_count.count_value is 'The number (97, 5, 12000); for "dozens", "hundreds", "thousands" a lower bound.';
comment on column fact_count.is_approximate is 'True for vague quantities (dozens, hundreds, thousands).';
comment on column fact_count.counted is 'The noun counted (times, militants, jobs, people).';
comment on column fact_count.event_word is 'The event word near it (killed, attack, arrested, displaced); null when none.';
comment on column fact_count.count_type is 'KILL, WOUND, ARREST, KIDNAP, DISPLACE, ATTACK, PROTEST, AFFECT, JOBS, or null.';
comment on column fact_count.context is 'The clause the count sits in.';
comment on column fact_count.char_offset is 'Character offset of the number in the article text followed by its captions.';
comment on column fact_count.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
