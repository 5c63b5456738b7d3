-- grain: one row per photo caption per article, in page order
create table if not exists fact_image_credit (
    article_key    varchar not null,
    image_order    smallint not null,
    caption        varchar,
    credit_person  varchar,
    credit_agency  varchar,
    run_id         varchar not null
    -- key: article_key, image_order
);
comment on table fact_image_credit is 'Photo captions and credits taken out of article text (gallery residue, figcaptions).';
comment on column fact_image_credit.article_key is 'fact_article.article_key.';
comment on column fact_image_credit.image_order is '1 for the first caption on the page.';
comment on column fact_image_credit.caption is 'What the picture shows.';
comment on column fact_image_credit.credit_person is 'Photographer, when named.';
comment on column fact_image_credit.credit_agency is 'Agency or outlet credited (AP, AFP, Reuters, ...).';
comment on column fact_image_credit.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
