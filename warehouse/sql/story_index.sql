-- grain: one row per article x SimHash band (4 bands of 16 bits)
create table if not exists story_simhash_band (
    band          tinyint not null,
    band_value    usmallint not null,
    article_key   varchar not null,
    simhash       ubigint not null,
    story_key     varchar not null,
    published_at  timestamptz
    -- key: band, band_value, article_key
);
comment on table story_simhash_band is 'Persistent near-duplicate index: two texts within 3 bits of SimHash share a band, so candidates are found by equality joins, not by comparing every pair.';
comment on column story_simhash_band.band is 'Which 16-bit slice of the SimHash (0-3).';
comment on column story_simhash_band.band_value is 'The slice''s value.';
comment on column story_simhash_band.article_key is 'fact_article.article_key.';
comment on column story_simhash_band.simhash is 'The whole SimHash, to measure the Hamming distance.';
comment on column story_simhash_band.story_key is 'The story the article belongs to.';
comment on column story_simhash_band.published_at is 'Publication time, to find the first publisher.';
