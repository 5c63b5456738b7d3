-- grain: one row per canonical entity (a country, a GeoNames city, a named person, ...)
create table if not exists dim_entity (
    entity_key    varchar primary key,
    entity_type   varchar not null,
    name          varchar not null,
    aliases       varchar[],
    country_code  varchar,
    latitude      decimal(9, 6),
    longitude     decimal(9, 6),
    geonames_id   bigint,
    resolution    varchar not null,
    run_id        varchar not null
);
comment on table dim_entity is 'People, organisations, places and groups named in articles, one row per canonical entity; variants ("U.S.", "American") are aliases of one row.';
comment on column dim_entity.entity_key is 'md5 of the natural key: the ISO country code, the GeoNames id, or the type and folded name.';
comment on column dim_entity.entity_type is 'PERSON, ORG, LOCATION (countries, regions, cities, places) or NORP (religious, ethnic, political groups).';
comment on column dim_entity.name is 'Canonical name: the gazetteer''s, or the fullest form an article used.';
comment on column dim_entity.aliases is 'Every surface form seen for this entity, across runs.';
comment on column dim_entity.country_code is 'ISO 3166-1 alpha-2 code of the country (or the country a city, region or organisation belongs to); null when unknown.';
comment on column dim_entity.latitude is 'Latitude of a city (GeoNames, WGS84); null otherwise.';
comment on column dim_entity.longitude is 'Longitude of a city (GeoNames, WGS84); null otherwise.';
comment on column dim_entity.geonames_id is 'GeoNames id of a city.';
comment on column dim_entity.resolution is 'How it was resolved: iso3166, geonames:context|unique|prominent, gazetteer, name (rules only) or unresolved (a place the gazetteer cannot pin down).';
comment on column dim_entity.run_id is 'The run that first saw this entity.';
