-- grain: one row per source version (SCD type 2: changed settings start a new version)
create table if not exists dim_source (
    source_key     varchar primary key,
    source_id      varchar not null,
    version        integer not null,
    source_name    varchar not null,
    domain         varchar not null,
    homepage       varchar,
    feeds          varchar[],
    sitemaps       varchar[],
    settings_hash  varchar not null,
    valid_from   timestamptz not null,
    valid_to     timestamptz,
    is_current   boolean not null,
    run_id       varchar not null
);
comment on table dim_source is 'News outlets from sources.toml, one row per version of their settings.';
comment on column dim_source.source_key is 'This version of the source: md5 of source_id and version.';
comment on column dim_source.source_id is 'The source across versions: md5 of its name.';
comment on column dim_source.version is '1, then +1 whenever name, homepage, feeds, sitemaps, sections or URLs change.';
comment on column dim_source.feeds is 'Feed URLs configured for this version.';
comment on column dim_source.sitemaps is 'Sitemap URLs configured for this version.';
comment on column dim_source.settings_hash is 'md5 of the settings that define a version.';
comment on column dim_source.source_name is 'The name given in sources.toml.';
comment on column dim_source.domain is 'Host (and port when not the default) of the homepage.';
comment on column dim_source.homepage is 'Homepage URL from sources.toml.';
comment on column dim_source.valid_from is 'When this version of the settings was first seen (UTC).';
comment on column dim_source.valid_to is 'When a newer version replaced it; null for the current one.';
comment on column dim_source.is_current is 'True for the version in force now.';
comment on column dim_source.run_id is 'The run that wrote this row.';
