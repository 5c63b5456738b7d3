-- Layers: raw (what was fetched), staging (what was extracted), main (the star schema), ops (audit).
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists ops;
