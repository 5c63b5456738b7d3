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
comment on table ops.etl_run is 'One row per pipeline run: what it did and how it ended.';
comment on column ops.etl_run.status is 'running, succeeded, failed_quality (critical data-quality failure) or failed.';
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
comment on column ops.quarantine.stage is 'extract (page was not a usable article) or validate (failed a critical expectation).';
