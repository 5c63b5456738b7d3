-- grain: one row per article x entity (current version of the article)
create table if not exists fact_entity_mention (
    article_key            varchar not null,
    entity_key             varchar not null,
    source_key             varchar not null,
    published_date_key     integer,
    mention_count          integer not null,
    caption_mention_count  integer not null,
    first_offset           integer not null,
    offsets                integer[][],
    surface_forms          varchar[],
    run_id                 varchar not null
    -- key: article_key, entity_key
);
comment on table fact_entity_mention is 'Which entities each article names, how often and where; photo captions count, photo credits do not.';
comment on column fact_entity_mention.article_key is 'fact_article.article_key.';
comment on column fact_entity_mention.entity_key is 'dim_entity.entity_key.';
comment on column fact_entity_mention.source_key is 'dim_source.source_key of the source version in force when loaded.';
comment on column fact_entity_mention.published_date_key is 'dim_date.date_key of the article''s publication day.';
comment on column fact_entity_mention.mention_count is 'Mentions in the text and captions.';
comment on column fact_entity_mention.caption_mention_count is 'Of those, mentions in photo captions.';
comment on column fact_entity_mention.first_offset is 'Character offset of the first mention.';
comment on column fact_entity_mention.offsets is '[start, end) character offsets of every mention, in the article text followed by a blank line and its captions one per line.';
comment on column fact_entity_mention.surface_forms is 'How this article wrote the entity.';
comment on column fact_entity_mention.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
