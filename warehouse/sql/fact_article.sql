-- grain: one row per article version (SCD type 2: a changed headline or text is a new version)
create table if not exists fact_article (
    article_key             varchar not null,
    version                 integer not null,
    valid_from              timestamptz not null,
    valid_to                timestamptz,
    is_current              boolean not null,
    story_key               varchar,
    is_first_in_story       boolean,
    source_key              varchar not null,
    published_date_key      integer,
    url                     varchar not null,
    canonical_url           varchar,
    title                   varchar not null,
    title_source            varchar,
    description             varchar,
    language                varchar,
    language_declared       varchar,
    language_detected       varchar,
    text                    varchar not null,
    text_markdown           varchar,
    word_count              integer not null,
    paragraph_count         integer not null,
    image_count             integer not null,
    tone                    double,
    positive_share          double,
    negative_share          double,
    published_at            timestamptz,
    published_at_source     varchar,
    published_at_precision  varchar,
    dates_rejected          smallint,
    authors_source          varchar,
    modified_at             timestamptz,
    fetched_at              timestamptz not null,
    content_hash            varchar not null,
    simhash                 varchar,
    extractor               varchar not null,
    extractor_version       varchar not null,
    extraction_method       varchar,
    encoding                varchar,
    encoding_source         varchar,
    is_paywalled            boolean,
    robots_decision         varchar,
    robots_directives       varchar,
    license_url             varchar,
    run_id                  varchar not null
    -- key: article_key, version
);
-- added after the first release: warehouses created before gain them on open
alter table fact_article add column if not exists tone double;
alter table fact_article add column if not exists positive_share double;
alter table fact_article add column if not exists negative_share double;
alter table fact_article add column if not exists encoding varchar;
alter table fact_article add column if not exists encoding_source varchar;
alter table fact_article add column if not exists is_paywalled boolean;
alter table fact_article add column if not exists robots_decision varchar;
alter table fact_article add column if not exists robots_directives varchar;
alter table fact_article add column if not exists license_url varchar;

comment on table fact_article is 'News articles, one row per version (filter is_current for the latest), with text and measures.';
comment on column fact_article.article_key is 'The article across its versions: md5 of its URL identity (canonical URL on the same site, else the URL; www./m. variants and scheme folded).';
comment on column fact_article.version is '1 for the first text seen; +1 each time the headline or text changes.';
comment on column fact_article.valid_from is 'When this version was first fetched (UTC).';
comment on column fact_article.valid_to is 'When a newer version replaced it; null while current.';
comment on column fact_article.is_current is 'True for the latest version: WHERE is_current gives one row per article.';
comment on column fact_article.story_key is 'Story cluster: near-duplicate and syndicated articles share it across outlets and runs.';
comment on column fact_article.is_first_in_story is 'True for the story''s earliest-published article.';
comment on column fact_article.source_key is 'The outlet version in force when fetched (dim_source).';
comment on column fact_article.published_date_key is 'Publication day as the publisher dated it (its own time zone), yyyymmdd (dim_date).';
comment on column fact_article.url is 'Normalised URL the article was fetched from.';
comment on column fact_article.canonical_url is 'The page''s own <link rel=canonical>, normalised.';
comment on column fact_article.title is 'The visible headline.';
comment on column fact_article.title_source is 'Where the title came from: h1, jsonld, og, feed, title_tag, extractor, first_sentence.';
comment on column fact_article.description is 'Standfirst or meta description.';
comment on column fact_article.language is 'ISO 639-1 code: the detected language when detection is sure (p >= 0.9), else the declared one.';
comment on column fact_article.language_declared is 'What the page declares (JSON-LD inLanguage, meta, <html lang>).';
comment on column fact_article.language_detected is 'What py3langid detects in the text (200 characters or more).';
comment on column fact_article.text_markdown is 'Main text as markdown (headings, lists, emphasis kept).';
comment on column fact_article.dates_rejected is 'Candidate publication dates rejected as implausible (future, before 1990).';
comment on column fact_article.authors_source is 'Where the byline came from: jsonld, meta, byline (page element, the one nearest the headline first), text; "byline: jsonld, meta named no person" when earlier voices named only organisations or nothing usable.';
comment on column fact_article.extraction_method is 'What produced the text: trafilatura (its fast first pass), trafilatura_full (the pass with its readability and jusText comparison, run when the first pass kept under 30 % of the page''s paragraph text, was mostly link text, or ran the paragraphs into one line), trafilatura_recall (run when the first pass left out the lists set among the article''s paragraphs, ran the paragraphs into one line and the full pass did not part them, or found nothing), baseline, declared_body (the page''s blocks that show its JSON-LD articleBody, when the passes kept under half of it), text_document. A page streamed in parts (React''s server rendering) is read with its parts in place, and a section printed twice (once per screen size) once. After a rerun the reason follows a colon: "trafilatura_full: first pass kept 12% of the page''s paragraph text", "trafilatura_recall: first pass left out 2547 characters of lists", "trafilatura_recall: first pass ran 9173 characters into one line", "declared_body: trafilatura kept 30% of the articleBody", or "trafilatura: the full pass was link text" when a rerun was worse, or no rerun did better ("trafilatura: no pass found its paragraphs"), and the first pass kept.';
comment on column fact_article.encoding is 'The character encoding the page was decoded with (a WHATWG name: utf-8, windows-1252, shift_jis, ...).';
comment on column fact_article.encoding_source is 'What decided it: bom, http_header, meta, xml_declaration, valid_utf8, mixed (UTF-8 with stray windows-1252 bytes), windows_1252 (undeclared, and the bytes decode as it), detected, replaced (nothing decoded cleanly).';
comment on column fact_article.is_paywalled is 'True when the page is a paywalled teaser: JSON-LD isAccessibleForFree false, or a short text beside a subscribe prompt. Walls, script-only shells, bot challenges and not-found pages never load (ops.quarantine names them).';
comment on column fact_article.robots_decision is 'What robots.txt said of the URL when fetched: allowed (its rules allow it), no_rules (no robots.txt, or a 4xx for it), not_checked (respect_robots off); null for ingested files.';
comment on column fact_article.robots_directives is 'The page''s robots directives for every crawler or for gazette (X-Robots-Tag header, meta robots), sorted, comma-separated: noarchive, noindex, nosnippet, nofollow, noimageindex.';
comment on column fact_article.license_url is 'The licence the page declares (JSON-LD license, rel="license"), as given.';
comment on column fact_article.text is 'Main text, paragraphs separated by newlines; no comments, no photo captions (see fact_image_credit).';
comment on column fact_article.word_count is 'Whitespace-separated words in text.';
comment on column fact_article.paragraph_count is 'Non-empty lines in text.';
comment on column fact_article.image_count is 'Images inside the article element.';
comment on column fact_article.tone is 'Mean VADER compound score of the sentences, -1 (negative) to 1 (positive); null for non-English text.';
comment on column fact_article.positive_share is 'Share of words the VADER lexicon scores positive.';
comment on column fact_article.negative_share is 'Share of words the VADER lexicon scores negative.';
comment on column fact_article.published_at is 'Publication time (UTC).';
comment on column fact_article.published_at_source is 'Evidence used: jsonld, meta, time_element, feed, text (visible dateline or htmldate), url, text_header, text_original (a visible "Originally published"). When a vote of the page''s voices, not their order of trust, decided, the reason follows a colon ("url: 3 of 4 voices name this day, jsonld another"); split_part(published_at_source, '':'', 1) is the voice.';
comment on column fact_article.published_at_precision is 'day, minute or second.';
comment on column fact_article.modified_at is 'Last modification the page declares (UTC).';
comment on column fact_article.fetched_at is 'When the page was fetched (UTC).';
comment on column fact_article.content_hash is 'sha256 of title and text: a change means a new version.';
comment on column fact_article.extractor is 'Extraction library used.';
comment on column fact_article.extractor_version is 'Its version.';
comment on column fact_article.run_id is 'The run that fetched and staged this row (a run that resumed an interrupted one loads its rows as they are: ops.staged_package names the loader).';
comment on column fact_article.simhash is 'SimHash (64 bits, hex) of the text, for near-duplicate detection (see story_simhash_band).';
