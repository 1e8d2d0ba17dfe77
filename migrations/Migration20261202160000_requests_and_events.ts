import { Migration } from '@mikro-orm/migrations';

/**
 * "Ask for more time" and live events (SPEC §2):
 * - time_requests, at most one pending per profile (a unique partial index), linked from the grant
 *   that answered it;
 * - events, the short-lived outbox live streams read from (ids follow commit order: vt_emit
 *   allocates them under a transaction-level advisory lock), kept 24 hours;
 * - event_streams, the open streams of every process, so a household's limit holds cluster-wide.
 */
export class Migration20261202160000_requests_and_events extends Migration {
  override name = 'Migration20261202160000_requests_and_events';

  override up(): void {
    this.addSql(`create table "time_requests" ("id" uuid not null, "profile_id" uuid not null, "minutes" int not null, "message" varchar(140) null,
      "status" varchar(10) not null default 'pending', "answered_by_id" uuid null, "answered_at" timestamptz null, "minutes_granted" int null,
      "unlimited" boolean not null default false, "reset_date" date not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "time_requests" add constraint "time_requests_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "time_requests" add constraint "time_requests_answered_by_id_foreign" foreign key ("answered_by_id") references "users" ("id") on delete set null;`);
    this.addSql(`alter table "time_requests" add constraint "time_requests_minutes_check" check (minutes in (15, 30, 60));`);
    this.addSql(`alter table "time_requests" add constraint "time_requests_status_check" check (status in ('pending', 'approved', 'denied', 'expired'));`);
    this.addSql(`alter table "time_requests" add constraint "time_requests_granted_check" check (minutes_granted is null or minutes_granted >= 15 and minutes_granted <= 120);`);
    this.addSql(`create unique index "time_requests_one_pending_unique" on "time_requests" ("profile_id") where status = 'pending';`);
    this.addSql(`create index "time_requests_profile_created_idx" on "time_requests" ("profile_id", "created_at");`);
    this.addSql(`alter table "time_grants" add column "request_id" uuid null;`);
    this.addSql(`alter table "time_grants" add constraint "time_grants_request_id_foreign" foreign key ("request_id") references "time_requests" ("id") on delete set null;`);
    this.addSql(`create index "time_grants_request_id_index" on "time_grants" ("request_id");`);
    this.addSql(`create sequence "events_id_seq";`);
    this.addSql(`create table "events" ("id" bigint not null default nextval('events_id_seq'), "household_id" uuid not null, "profile_id" uuid null,
      "type" varchar(32) not null, "payload" jsonb not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter sequence "events_id_seq" owned by "events"."id";`);
    this.addSql(`create index "events_household_id_idx" on "events" ("household_id", "id");`);
    this.addSql(`create index "events_created_at_idx" on "events" ("created_at");`);
    this.addSql(`create table "event_streams" ("id" uuid not null, "household_id" uuid not null, "process_key" varchar(128) not null, "opened_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "event_streams_household_idx" on "event_streams" ("household_id");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "event_streams";`);
    this.addSql(`drop table if exists "events";`);
    this.addSql(`alter table "time_grants" drop column "request_id";`);
    this.addSql(`drop table if exists "time_requests";`);
  }
}
