-- grain: one row per article x author, in byline order
create table if not exists bridge_article_author (
    article_key   varchar not null,
    author_key    varchar not null,
    author_order  smallint not null,
    run_id        varchar not null
    -- key: article_key, author_key
);
comment on table bridge_article_author is 'Who wrote what: articles to authors, in byline order.';
comment on column bridge_article_author.article_key is 'fact_article.article_key.';
comment on column bridge_article_author.author_key is 'dim_author.author_key.';
comment on column bridge_article_author.author_order is '1 for the first name in the byline.';
comment on column bridge_article_author.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
