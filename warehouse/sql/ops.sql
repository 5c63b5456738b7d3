-- grain: one row per run
create table if not exists ops.etl_run (
    run_id              varchar primary key,
    command             varchar not null,
    started_at          timestamptz not null,
    finished_at         timestamptz,
    status              varchar not null,
    sources             integer,
    urls_discovered     integer,
    fetch_attempts      integer,
    pages_ok            integer,
    articles_extracted  integer,
    articles_new        integer,
    articles_changed    integer,
    failures            integer,
    dq_verdict          varchar,
    message             varchar
);
alter table ops.etl_run add column if not exists failures_by_reason json;
alter table ops.etl_run add column if not exists article_fetches integer;
alter table ops.etl_run add column if not exists articles_resumed integer;
comment on table ops.etl_run is 'One row per pipeline run: what it did and how it ended.';
comment on column ops.etl_run.run_id is 'Run id: UTC start time and a random suffix, sortable.';
comment on column ops.etl_run.command is 'What started it: run, demo, ingest, reprocess.';
comment on column ops.etl_run.started_at is 'Start (UTC).';
comment on column ops.etl_run.finished_at is 'End (UTC); null while running or if the process died.';
comment on column ops.etl_run.sources is 'Sources in the run.';
comment on column ops.etl_run.urls_discovered is 'Article URLs discovered (or documents read).';
comment on column ops.etl_run.fetch_attempts is 'HTTP attempts made.';
comment on column ops.etl_run.article_fetches is 'Article URLs this run fetched (discovery not counted).';
comment on column ops.etl_run.articles_resumed is 'Article URLs loaded from the staged packages of an interrupted run instead of fetched again.';
comment on column ops.etl_run.pages_ok is 'Attempts that returned a usable page.';
comment on column ops.etl_run.articles_extracted is 'Pages that became article records.';
comment on column ops.etl_run.articles_new is 'Articles loaded for the first time.';
comment on column ops.etl_run.articles_changed is 'Articles whose text or headline changed (new version).';
comment on column ops.etl_run.failures is 'Failed attempts and extraction failures.';
comment on column ops.etl_run.message is 'Error message of a failed run.';
comment on column ops.etl_run.status is 'running, succeeded, failed_quality (critical data-quality failure), failed, or abandoned (the process died; found by the next run).';
comment on column ops.etl_run.dq_verdict is 'pass, warn or fail.';

-- grain: one row per expectation per suite per run
create table if not exists ops.dq_result (
    run_id            varchar not null,
    suite             varchar not null,
    expectation       varchar not null,
    column_name       varchar,
    severity          varchar not null,
    success           boolean not null,
    observed_value    varchar,
    element_count     bigint,
    unexpected_count  bigint,
    checked_at        timestamptz not null
);
comment on table ops.dq_result is 'Every Great Expectations result of every run.';
comment on column ops.dq_result.run_id is 'The run (or validate-... pass) that checked.';
comment on column ops.dq_result.suite is 'Expectation suite (one per table).';
comment on column ops.dq_result.expectation is 'Great Expectations expectation type.';
comment on column ops.dq_result.column_name is 'Column checked, if any.';
comment on column ops.dq_result.success is 'Whether the expectation held.';
comment on column ops.dq_result.observed_value is 'What GX observed, as JSON.';
comment on column ops.dq_result.element_count is 'Rows checked.';
comment on column ops.dq_result.unexpected_count is 'Rows that failed.';
comment on column ops.dq_result.checked_at is 'When (UTC).';
comment on column ops.dq_result.severity is 'critical (fails the run) or warning (recorded).';

-- grain: one row per record held back from the marts, per stage
create table if not exists ops.quarantine (
    run_id       varchar not null,
    url          varchar not null,
    stage        varchar not null,
    expectation  varchar,
    reason       varchar not null,
    record       json,
    created_at   timestamptz not null
);
comment on table ops.quarantine is 'Records that did not reach the marts, with the stage and reason.';
comment on column ops.quarantine.run_id is 'The run that held it back.';
comment on column ops.quarantine.url is 'URL (or file URI) of the page.';
comment on column ops.quarantine.expectation is 'Expectation that failed (validate stage).';
comment on column ops.quarantine.reason is 'Why, in words.';
comment on column ops.quarantine.record is 'The record (or what is known of it) as JSON.';
comment on column ops.quarantine.created_at is 'When (UTC).';
comment on column ops.quarantine.stage is 'extract (page was not a usable article) or validate (failed a critical expectation).';
comment on column ops.etl_run.failures_by_reason is 'Failures and dropped articles counted by reason ({"http_error (404)": 1, "extract: too short": 2, ...}).';

-- grain: one row per article removed from the marts (merged into another, or withdrawn)
create table if not exists ops.tombstone (
    article_key      varchar not null,
    url              varchar,
    title            varchar,
    reason           varchar not null,
    merged_into      varchar,
    detail           varchar,
    run_id           varchar not null,
    tombstoned_at    timestamptz not null
);
comment on table ops.tombstone is 'Articles that left the marts, and why: merged into another article, or withdrawn by the publisher. Their raw pages stay in the archive.';
comment on column ops.tombstone.article_key is 'The article that was removed.';
comment on column ops.tombstone.url is 'Its URL when removed.';
comment on column ops.tombstone.title is 'Its headline when removed.';
comment on column ops.tombstone.reason is 'merged (the same article under another key: the page now declares a canonical URL, or its URL now belongs to another article) or withdrawn (the URL answered 404 or 410 when refetched).';
comment on column ops.tombstone.merged_into is 'The article_key it was merged into; null when withdrawn.';
comment on column ops.tombstone.detail is 'What was seen: the HTTP status, or the URL both keys shared.';
comment on column ops.tombstone.run_id is 'The run that removed it.';
comment on column ops.tombstone.tombstoned_at is 'When (UTC); equals ops.sync_state.changed_at of the rows it removed.';

-- grain: one row per mart row ever recorded, by table and the row's key (no index:
-- runs find rows with hash joins, and an index over millions of keys would live in memory)
create table if not exists ops.sync_state (
    table_name   varchar not null,
    row_key      varchar not null,
    article_key  varchar,
    row_hash     ubigint not null,
    deleted      boolean not null,
    changed_at   timestamptz not null,
    run_id       varchar
);
comment on table ops.sync_state is 'Change tracking for incremental deliveries (gazette export --changes-since): when each mart row was last inserted, changed or deleted.';
comment on column ops.sync_state.table_name is 'The mart table.';
comment on column ops.sync_state.row_key is 'The row''s key (its DDL states it) as a JSON object ({"article_key": ..., "version": ...}).';
comment on column ops.sync_state.article_key is 'The article the row belongs to, for tables keyed by article: a run re-checks only the articles it touched.';
comment on column ops.sync_state.row_hash is 'DuckDB hash of the whole row when last recorded: a different hash is a change.';
comment on column ops.sync_state.deleted is 'True once the row left the table (a tombstone in deliveries).';
comment on column ops.sync_state.changed_at is 'When the change was recorded (UTC): the watermark deliveries compare with.';
comment on column ops.sync_state.run_id is 'The run that recorded it.';

-- grain: one row per staged package loaded into the marts
create table if not exists ops.staged_package (
    run_id         varchar not null,
    batch          varchar not null,
    loaded_run_id  varchar not null,
    loaded_at      timestamptz not null,
    primary key (run_id, batch)
);
comment on table ops.staged_package is 'Staged packages already loaded, recorded in the load''s transaction: a package left on disk by a crash after the commit is removed, not loaded twice.';
comment on column ops.staged_package.run_id is 'The run that staged it.';
comment on column ops.staged_package.batch is 'Its batch name in that run (b000017: articles, d: discovery, i: ingest, r: reprocess).';
comment on column ops.staged_package.loaded_run_id is 'The run that loaded it (a later one when the stager was interrupted).';
comment on column ops.staged_package.loaded_at is 'When (UTC).';
