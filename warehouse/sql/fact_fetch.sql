-- grain: one row per HTTP attempt (including refusals made before any request)
create table if not exists fact_fetch (
    fetch_key     varchar not null,
    run_id        varchar not null,
    source_key    varchar,
    purpose       varchar not null,
    attempt       smallint not null,
    url           varchar not null,
    final_url     varchar,
    host          varchar not null,
    status        smallint,
    content_type  varchar,
    outcome       varchar not null,
    error         varchar,
    bytes         bigint not null,
    elapsed_ms    integer not null,
    fetched_at    timestamptz not null
    -- key: fetch_key
);
comment on table fact_fetch is 'Every HTTP attempt of every run, with its outcome.';
comment on column fact_fetch.fetch_key is 'md5 of run, purpose, URL, attempt number and time; raw.fetch shares it.';
comment on column fact_fetch.run_id is 'The run that made the attempt.';
comment on column fact_fetch.source_key is 'The source it was made for (dim_source), when known.';
comment on column fact_fetch.purpose is 'robots, feed, sitemap, section or article.';
comment on column fact_fetch.attempt is '1 for the first try; retries (timeouts, 429, 5xx) count up.';
comment on column fact_fetch.url is 'URL requested.';
comment on column fact_fetch.final_url is 'URL after redirects.';
comment on column fact_fetch.host is 'host[:port], the politeness unit.';
comment on column fact_fetch.status is 'HTTP status; null when no response arrived.';
comment on column fact_fetch.content_type is 'Content-Type header.';
comment on column fact_fetch.outcome is 'ok, not_modified, http_error, timeout, too_large, not_html, robots_disallowed, private_address, redirect_loop, connection_error, empty, invalid_url, parse_error (a feed or sitemap the parser gave up part of).';
comment on column fact_fetch.error is 'Human-readable reason when not ok.';
comment on column fact_fetch.bytes is 'Body bytes received.';
comment on column fact_fetch.elapsed_ms is 'Wall time of the attempt.';
comment on column fact_fetch.fetched_at is 'When the attempt started (UTC).';
