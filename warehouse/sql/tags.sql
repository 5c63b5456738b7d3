-- grain: one row per normalised tag or category
create table if not exists dim_tag (
    tag_key   varchar primary key,
    tag_name  varchar not null,
    run_id    varchar not null
);
comment on table dim_tag is 'Tags and categories from page metadata and feeds, one row per normalised name.';
comment on column dim_tag.tag_key is 'md5 of the lower-cased tag.';
comment on column dim_tag.tag_name is 'Tag, lower case, whitespace normalised.';
comment on column dim_tag.run_id is 'The run that first saw this tag.';

-- grain: one row per article x tag
create table if not exists bridge_article_tag (
    article_key  varchar not null,
    tag_key      varchar not null,
    tag_source   varchar not null,
    run_id       varchar not null
    -- key: article_key, tag_key
);
comment on table bridge_article_tag is 'Which tags and categories an article carries.';
comment on column bridge_article_tag.article_key is 'fact_article.article_key.';
comment on column bridge_article_tag.tag_key is 'dim_tag.tag_key.';
comment on column bridge_article_tag.tag_source is 'Where it came from: meta (article:tag, keywords), section, jsonld, feed.';
comment on column bridge_article_tag.run_id is 'The run that wrote this row.';
