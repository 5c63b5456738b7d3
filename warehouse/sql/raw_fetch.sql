-- grain: one row per archived response or ingested document (a WARC record)
create table if not exists raw.fetch (
    fetch_key      varchar not null,
    run_id         varchar not null,
    source_name    varchar,
    purpose        varchar not null,
    url            varchar not null,
    final_url      varchar not null,
    status         smallint,
    content_type   varchar,
    outcome        varchar not null,
    etag           varchar,
    last_modified  varchar,
    warc_file      varchar not null,
    warc_offset    bigint not null,
    warc_length    bigint not null,
    sha256         varchar not null,
    evidence       json,
    fetched_at     timestamptz not null
    -- key: fetch_key
);
comment on table raw.fetch is 'Index of the raw WARC archive: every response kept, and every ingested file, with where its bytes are.';
comment on column raw.fetch.fetch_key is 'Same key as the fact_fetch attempt that produced it (ingest: md5 of the document).';
comment on column raw.fetch.run_id is 'The run that archived it.';
comment on column raw.fetch.source_name is 'Source it was fetched or ingested for.';
comment on column raw.fetch.purpose is 'robots, feed, sitemap, section, article or ingest.';
comment on column raw.fetch.url is 'URL requested (ingest: the document''s URL or file URI).';
comment on column raw.fetch.final_url is 'URL after redirects (the WARC-Target-URI).';
comment on column raw.fetch.status is 'HTTP status; null for ingested files.';
comment on column raw.fetch.content_type is 'Content-Type of the response or file.';
comment on column raw.fetch.outcome is 'The attempt''s outcome (fact_fetch vocabulary).';
comment on column raw.fetch.etag is 'ETag header, for conditional GET next time.';
comment on column raw.fetch.last_modified is 'Last-Modified header, for conditional GET next time.';
comment on column raw.fetch.warc_file is 'WARC file, relative to the home folder.';
comment on column raw.fetch.warc_offset is 'Byte offset of the record in the WARC file.';
comment on column raw.fetch.warc_length is 'Byte length of the (gzipped) record.';
comment on column raw.fetch.sha256 is 'sha256 of the body as stored.';
comment on column raw.fetch.evidence is 'What the feed or sitemap said (title, dates, tags), kept for re-extraction.';
comment on column raw.fetch.fetched_at is 'When it was fetched or ingested (UTC).';
