-- grain: one row per normalised author name
create table if not exists dim_author (
    author_key   varchar primary key,
    author_name  varchar not null,
    author_type  varchar not null default 'person',
    run_id       varchar not null
);
comment on table dim_author is 'Bylined people and organisations (agencies, desks), one row per normalised name.';
comment on column dim_author.author_key is 'md5 of the lower-cased name.';
comment on column dim_author.author_name is 'The name as first seen, whitespace normalised.';
comment on column dim_author.run_id is 'The run that first saw this author.';
comment on column dim_author.author_type is 'person or organisation (wire agency, desk, "Staff", the outlet).';
