-- grain: one row per quotation per article, in reading order
create table if not exists fact_quote (
    article_key         varchar not null,
    quote_order         integer not null,
    source_key          varchar not null,
    published_date_key  integer,
    speaker             varchar,
    speaker_entity_key  varchar,
    verb                varchar,
    quote               varchar not null,
    quote_kind          varchar not null,
    char_offset         integer not null,
    run_id              varchar not null
    -- key: article_key, quote_order
);
comment on table fact_quote is 'Who said what: direct quotations and reported speech, with the speaker linked to an entity when the attribution names one (English text).';
comment on column fact_quote.article_key is 'fact_article.article_key.';
comment on column fact_quote.quote_order is '1 for the first quotation in the text.';
comment on column fact_quote.source_key is 'dim_source.source_key of the source version in force when loaded.';
comment on column fact_quote.published_date_key is 'dim_date.date_key of the article''s publication day.';
comment on column fact_quote.speaker is 'The attribution as written ("a pentagon official", "Nadia Oyelaran", "he"); null when unattributed.';
comment on column fact_quote.speaker_entity_key is 'dim_entity.entity_key of the person or organisation speaking, when known ("he" resolves to the last person named).';
comment on column fact_quote.verb is 'Attribution verb (said, told, warned, reported, ...).';
comment on column fact_quote.quote is 'What was said: the quoted words, or the reported clause.';
comment on column fact_quote.quote_kind is 'direct (in quotation marks) or reported (a clause attributed without them).';
comment on column fact_quote.char_offset is 'Character offset of the quotation in the article text.';
comment on column fact_quote.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
