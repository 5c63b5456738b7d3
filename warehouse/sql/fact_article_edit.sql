-- grain: one row per change of an article (version n-1 -> n)
create table if not exists fact_article_edit (
    article_key        varchar not null,
    from_version       integer not null,
    to_version         integer not null,
    edited_at          timestamptz not null,
    headline_changed   boolean not null,
    body_changed       boolean not null,
    date_changed       boolean not null,
    old_title          varchar,
    new_title          varchar,
    chars_added        integer not null,
    chars_removed      integer not null,
    correction_notice  varchar,
    run_id             varchar not null
    -- key: article_key, to_version
);
comment on table fact_article_edit is 'What changed between two versions of an article, and by how much.';
comment on column fact_article_edit.article_key is 'fact_article.article_key.';
comment on column fact_article_edit.from_version is 'The version replaced.';
comment on column fact_article_edit.to_version is 'The new version.';
comment on column fact_article_edit.edited_at is 'When the change was seen (fetch time of the new version, UTC).';
comment on column fact_article_edit.headline_changed is 'The title differs.';
comment on column fact_article_edit.body_changed is 'The text differs.';
comment on column fact_article_edit.date_changed is 'The publication date differs.';
comment on column fact_article_edit.old_title is 'Title before.';
comment on column fact_article_edit.new_title is 'Title after.';
comment on column fact_article_edit.chars_added is 'Characters in the new text not in the old (line diff).';
comment on column fact_article_edit.chars_removed is 'Characters of the old text no longer there (line diff).';
comment on column fact_article_edit.correction_notice is 'A correction or update notice that appeared in the new text, if any.';
comment on column fact_article_edit.run_id is 'The run that saw the change.';
