-- grain: one row per calendar day
create table if not exists dim_date (
    date_key     integer primary key,
    date         date not null unique,
    year         smallint not null,
    quarter      tinyint not null,
    month        tinyint not null,
    month_name   varchar not null,
    week         tinyint not null,
    day_of_week  tinyint not null,
    day_name     varchar not null,
    is_weekend   boolean not null,
    run_id       varchar not null
);
comment on table dim_date is 'Calendar days, covering every day between the oldest and newest article.';
comment on column dim_date.date_key is 'yyyymmdd as an integer.';
comment on column dim_date.date is 'The calendar day.';
comment on column dim_date.year is 'Calendar year.';
comment on column dim_date.quarter is 'Quarter 1-4.';
comment on column dim_date.month is 'Month 1-12.';
comment on column dim_date.month_name is 'English month name.';
comment on column dim_date.week is 'ISO 8601 week number.';
comment on column dim_date.day_of_week is 'ISO day of week: 1 = Monday ... 7 = Sunday.';
comment on column dim_date.day_name is 'English day name.';
comment on column dim_date.is_weekend is 'Saturday or Sunday.';
comment on column dim_date.run_id is 'The run that first needed this day.';
