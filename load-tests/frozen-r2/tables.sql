-- FROZEN: the tables the round-2 heartbeat functions touch, as migrations/ left them on main at
-- 223ab76 (every migration up to Migration20261206090000_devices_and_pin_proof folded into one
-- create per table), in schema vt_r2. Same columns, defaults, checks, keys, indexes and fillfactor,
-- because they decide what a beat costs: which updates stay HOT, which index entries are read and
-- written. Foreign keys point inside vt_r2. The runner creates the schema, runs this file, then
-- copies the seeded rows in (schema.ts). Do not update it with the service (see README.md).

create table vt_r2.titles (
  id uuid not null, title varchar(200) not null, is_educational boolean not null default false,
  duration_minutes int not null, age_rating varchar(5) not null, created_at timestamptz not null,
  primary key (id),
  constraint titles_duration_check check (duration_minutes >= 1 and duration_minutes <= 1440));

create table vt_r2.users (
  id uuid not null, email varchar(254) not null, password_hash varchar(100) not null, timezone varchar(64) not null default 'UTC',
  is_admin boolean not null default false, is_active boolean not null default true, pin_hash varchar(100) null,
  pin_failed_attempts int not null default 0, pin_lockout_count int not null default 0, pin_lockout_until timestamptz null,
  pin_reset_failed_attempts int not null default 0, pin_reset_lockout_until timestamptz null, created_at timestamptz not null,
  subscription_tier varchar(20) not null default 'basic',
  pin_epoch int not null default 0, pin_checks_pending int not null default 0, pin_pending_since timestamptz null,
  primary key (id),
  constraint users_email_unique unique (email),
  constraint users_email_lower_check check (email = lower(email)));

create table vt_r2.profiles (
  id uuid not null, user_id uuid not null references vt_r2.users (id) on delete cascade, name varchar(50) not null,
  is_kids boolean not null, parental_rating varchar(5) not null, created_at timestamptz not null, avatar_url varchar(500) null,
  primary key (id),
  constraint profiles_parental_rating_check check (parental_rating in ('G', 'PG', 'PG-13', 'R', 'NC-17')));
create index profiles_user_id_index on vt_r2.profiles (user_id);

create table vt_r2.viewing_sessions (
  id uuid not null, profile_id uuid not null references vt_r2.profiles (id) on delete cascade,
  title_id uuid null references vt_r2.titles (id) on delete set null, device_id varchar(128) not null, device_type varchar(10) not null,
  is_educational boolean not null, started_at timestamptz not null, last_heartbeat_at timestamptz not null, last_seq bigint null,
  paused_at timestamptz null, ended_at timestamptz null, end_reason varchar(10) null, total_seconds int not null default 0,
  last_credit_seconds int not null default 0,
  primary key (id),
  constraint vs_device_type_check check (device_type in ('tv', 'mobile', 'tablet', 'web')),
  constraint vs_end_reason_check check (end_reason is null or end_reason in ('ended', 'superseded', 'stale')),
  constraint vs_ended_check check ((ended_at is null) = (end_reason is null)),
  constraint vs_total_seconds_check check (total_seconds >= 0)
) with (fillfactor = 70);
create index viewing_sessions_title_id_index on vt_r2.viewing_sessions (title_id);
create index viewing_sessions_profile_started_idx on vt_r2.viewing_sessions (profile_id, started_at desc);
create unique index viewing_sessions_one_active_unique on vt_r2.viewing_sessions (profile_id) where ended_at is null;
create index viewing_sessions_retention_idx on vt_r2.viewing_sessions (started_at) where ended_at is not null;

create table vt_r2.viewing_time_balances (
  id uuid not null, profile_id uuid not null references vt_r2.profiles (id) on delete cascade, reset_date date not null,
  used_seconds int not null default 0, educational_seconds int not null default 0, bonus_seconds int not null default 0,
  is_unlimited_override boolean not null default false, day_start timestamptz not null, day_end timestamptz not null,
  limit_minutes int null, updated_at timestamptz not null,
  educational_exempt boolean not null default true, credited_seconds int not null default 0,
  allowed tstzmultirange null, educational_ignores_hours boolean not null default false, refused_seconds int not null default 0,
  primary key (id),
  constraint vtb_profile_reset_date_unique unique (profile_id, reset_date),
  constraint vtb_seconds_check check (used_seconds >= 0 and educational_seconds >= 0 and bonus_seconds >= 0),
  constraint vtb_day_check check (day_end > day_start)
) with (fillfactor = 70);
create index vtb_profile_day_end_idx on vt_r2.viewing_time_balances (profile_id, day_end);
create index vtb_reset_date_idx on vt_r2.viewing_time_balances (reset_date);

create table vt_r2.viewing_time_configs (
  id uuid not null, profile_id uuid not null references vt_r2.profiles (id) on delete cascade,
  weekday_limit_minutes int null, weekend_limit_minutes int null, reset_hour smallint not null, educational_exempt boolean not null,
  timezone varchar(64) not null, previous_reset_hour smallint null, previous_timezone varchar(64) null,
  settings_effective_at timestamptz null, version int not null default 1, updated_at timestamptz not null,
  allowed_hours jsonb not null default '{"weekdays":[],"weekends":[]}', educational_ignores_hours boolean not null default false,
  primary key (id),
  constraint viewing_time_configs_profile_id_unique unique (profile_id),
  constraint vtc_weekday_limit_check check (weekday_limit_minutes is null or (weekday_limit_minutes >= 15 and weekday_limit_minutes <= 480 and weekday_limit_minutes % 15 = 0)),
  constraint vtc_weekend_limit_check check (weekend_limit_minutes is null or (weekend_limit_minutes >= 15 and weekend_limit_minutes <= 480 and weekend_limit_minutes % 15 = 0)),
  constraint vtc_reset_hour_check check (reset_hour >= 0 and reset_hour <= 23),
  constraint vtc_previous_reset_hour_check check (previous_reset_hour is null or previous_reset_hour >= 0 and previous_reset_hour <= 23));

create table vt_r2.viewing_time_overrides (
  id uuid not null, profile_id uuid not null references vt_r2.profiles (id) on delete cascade, date date not null,
  windows jsonb null, updated_at timestamptz not null,
  primary key (id),
  constraint vto_profile_date_unique unique (profile_id, date));

create sequence vt_r2.events_id_seq;
create table vt_r2.events (
  id bigint not null default nextval('vt_r2.events_id_seq'), household_id uuid not null, profile_id uuid null,
  type varchar(32) not null, payload jsonb not null, created_at timestamptz not null,
  primary key (id));
alter sequence vt_r2.events_id_seq owned by vt_r2.events.id;
create index events_household_id_idx on vt_r2.events (household_id, id);
create index events_created_at_idx on vt_r2.events (created_at);
