import { Migration } from '@mikro-orm/migrations';

export class Migration20261123192208_initial extends Migration {

  override name = 'Migration20261123192208_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "titles" ("id" uuid not null, "title" varchar(200) not null, "is_educational" boolean not null default false, "duration_minutes" int not null, "age_rating" varchar(5) not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "users" ("id" uuid not null, "email" varchar(254) not null, "password_hash" varchar(100) not null, "timezone" varchar(64) not null default 'UTC', "is_admin" boolean not null default false, "is_active" boolean not null default true, "pin_hash" varchar(100) null, "pin_failed_attempts" int not null default 0, "pin_lockout_count" int not null default 0, "pin_lockout_until" timestamptz null, "pin_reset_failed_attempts" int not null default 0, "pin_reset_lockout_until" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "refresh_tokens" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "family_id" uuid not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "refresh_tokens_user_id_index" on "refresh_tokens" ("user_id");`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);

    this.addSql(`create table "profiles" ("id" uuid not null, "user_id" uuid not null, "name" varchar(50) not null, "is_kids" boolean not null, "parental_rating" varchar(5) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "profiles_user_id_index" on "profiles" ("user_id");`);

    this.addSql(`create table "time_grants" ("id" uuid not null, "profile_id" uuid not null, "granted_by_id" uuid not null, "minutes" int null, "reset_date" date not null, "device_id" varchar(128) null, "granted_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "time_grants_granted_by_id_index" on "time_grants" ("granted_by_id");`);
    this.addSql(`create index "time_grants_profile_date_idx" on "time_grants" ("profile_id", "reset_date");`);

    this.addSql(`create table "viewing_sessions" ("id" uuid not null, "profile_id" uuid not null, "title_id" uuid null, "device_id" varchar(128) not null, "device_type" varchar(10) not null, "is_educational" boolean not null, "started_at" timestamptz not null, "last_heartbeat_at" timestamptz not null, "last_seq" bigint null, "paused_at" timestamptz null, "ended_at" timestamptz null, "end_reason" varchar(10) null, "total_seconds" int not null default 0, primary key ("id"));`);
    this.addSql(`create index "viewing_sessions_title_id_index" on "viewing_sessions" ("title_id");`);
    this.addSql(`create index "viewing_sessions_profile_started_idx" on "viewing_sessions" ("profile_id", "started_at" DESC);`);
    this.addSql(`create unique index "viewing_sessions_one_active_unique" on "viewing_sessions" ("profile_id") where ended_at is null;`);

    this.addSql(`create table "viewing_time_balances" ("id" uuid not null, "profile_id" uuid not null, "reset_date" date not null, "used_seconds" int not null default 0, "educational_seconds" int not null default 0, "bonus_seconds" int not null default 0, "is_unlimited_override" boolean not null default false, "day_start" timestamptz not null, "day_end" timestamptz not null, "limit_minutes" int null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "viewing_time_balances" add constraint "vtb_profile_reset_date_unique" unique ("profile_id", "reset_date");`);

    this.addSql(`create table "viewing_time_configs" ("id" uuid not null, "profile_id" uuid not null, "weekday_limit_minutes" int null, "weekend_limit_minutes" int null, "reset_hour" smallint not null, "educational_exempt" boolean not null, "timezone" varchar(64) not null, "previous_reset_hour" smallint null, "previous_timezone" varchar(64) null, "settings_effective_at" timestamptz null, "version" int not null default 1, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "viewing_time_configs" add constraint "viewing_time_configs_profile_id_unique" unique ("profile_id");`);

    this.addSql(`alter table "titles" add constraint "titles_duration_check" check (duration_minutes >= 1 and duration_minutes <= 1440);`);

    this.addSql(`alter table "users" add constraint "users_email_lower_check" check (email = lower(email));`);

    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "profiles" add constraint "profiles_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "profiles" add constraint "profiles_parental_rating_check" check (parental_rating in ('G', 'PG', 'PG-13', 'R', 'NC-17'));`);

    this.addSql(`alter table "time_grants" add constraint "time_grants_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "time_grants" add constraint "time_grants_granted_by_id_foreign" foreign key ("granted_by_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "time_grants" add constraint "time_grants_minutes_check" check (minutes is null or minutes >= 15 and minutes <= 120);`);

    this.addSql(`alter table "viewing_sessions" add constraint "viewing_sessions_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "viewing_sessions" add constraint "viewing_sessions_title_id_foreign" foreign key ("title_id") references "titles" ("id") on delete set null;`);
    this.addSql(`alter table "viewing_sessions" add constraint "vs_device_type_check" check (device_type in ('tv', 'mobile', 'tablet', 'web'));`);
    this.addSql(`alter table "viewing_sessions" add constraint "vs_end_reason_check" check (end_reason is null or end_reason in ('ended', 'superseded', 'stale'));`);
    this.addSql(`alter table "viewing_sessions" add constraint "vs_ended_check" check ((ended_at is null) = (end_reason is null));`);
    this.addSql(`alter table "viewing_sessions" add constraint "vs_total_seconds_check" check (total_seconds >= 0);`);

    this.addSql(`alter table "viewing_time_balances" add constraint "viewing_time_balances_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "viewing_time_balances" add constraint "vtb_seconds_check" check (used_seconds >= 0 and educational_seconds >= 0 and bonus_seconds >= 0);`);
    this.addSql(`alter table "viewing_time_balances" add constraint "vtb_day_check" check (day_end > day_start);`);

    this.addSql(`alter table "viewing_time_configs" add constraint "viewing_time_configs_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_weekday_limit_check" check (weekday_limit_minutes is null or (weekday_limit_minutes >= 15 and weekday_limit_minutes <= 480 and weekday_limit_minutes % 15 = 0));`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_weekend_limit_check" check (weekend_limit_minutes is null or (weekend_limit_minutes >= 15 and weekend_limit_minutes <= 480 and weekend_limit_minutes % 15 = 0));`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_reset_hour_check" check (reset_hour >= 0 and reset_hour <= 23);`);
    this.addSql(`alter table "viewing_time_configs" add constraint "vtc_previous_reset_hour_check" check (previous_reset_hour is null or previous_reset_hour >= 0 and previous_reset_hour <= 23);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "viewing_sessions" drop constraint "viewing_sessions_title_id_foreign";`);
    this.addSql(`alter table "refresh_tokens" drop constraint "refresh_tokens_user_id_foreign";`);
    this.addSql(`alter table "profiles" drop constraint "profiles_user_id_foreign";`);
    this.addSql(`alter table "time_grants" drop constraint "time_grants_granted_by_id_foreign";`);
    this.addSql(`alter table "time_grants" drop constraint "time_grants_profile_id_foreign";`);
    this.addSql(`alter table "viewing_sessions" drop constraint "viewing_sessions_profile_id_foreign";`);
    this.addSql(`alter table "viewing_time_balances" drop constraint "viewing_time_balances_profile_id_foreign";`);
    this.addSql(`alter table "viewing_time_configs" drop constraint "viewing_time_configs_profile_id_foreign";`);

    this.addSql(`drop table if exists "titles" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "refresh_tokens" cascade;`);
    this.addSql(`drop table if exists "profiles" cascade;`);
    this.addSql(`drop table if exists "time_grants" cascade;`);
    this.addSql(`drop table if exists "viewing_sessions" cascade;`);
    this.addSql(`drop table if exists "viewing_time_balances" cascade;`);
    this.addSql(`drop table if exists "viewing_time_configs" cascade;`);
  }

}
