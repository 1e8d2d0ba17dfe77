import { Migration } from '@mikro-orm/migrations';

/**
 * Parent alerts (issue 24, SPEC §3a "Parent alerts"): a household's alert rules, its parents' Web
 * Push subscriptions, its webhooks, one delivery record per (event, target), the relay's place in
 * the events table, and on each day row the percent-of-limit threshold already alerted. The job
 * queue itself (pg-boss) keeps its tables in a schema of its own, made by pg-boss at start-up.
 */
export class Migration20261207120000_parent_alerts extends Migration {
  override name = 'Migration20261207120000_parent_alerts';

  override up(): void {
    this.addSql(`create table "alert_deliveries" ("id" uuid not null, "event_id" bigint null, "target_kind" varchar(7) not null, "target_id" uuid not null, "household" uuid not null, "type" varchar(40) not null, "status" varchar(9) not null default 'pending', "attempts" int not null default 0, "last_error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "delivered_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "alert_deliveries_created_idx" on "alert_deliveries" ("created_at");`);
    this.addSql(`alter table "alert_deliveries" add constraint "alert_deliveries_event_target_unique" unique ("event_id", "target_kind", "target_id");`);
    this.addSql(`create table "alert_relay" ("id" smallint primary key, "last_event_id" bigint not null, "updated_at" timestamptz not null);`);
    this.addSql(`create table "push_subscriptions" ("id" uuid not null, "user_id" uuid not null, "family" uuid not null, "endpoint" text not null, "p256dh" varchar(200) not null, "auth" varchar(100) not null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "push_subscriptions" add constraint "push_subscriptions_endpoint_unique" unique ("endpoint");`);
    this.addSql(`create index "push_subscriptions_user_idx" on "push_subscriptions" ("user_id");`);
    this.addSql(`create index "push_subscriptions_family_idx" on "push_subscriptions" ("family");`);
    this.addSql(`create table "alert_rules" ("id" uuid not null, "user_id" uuid not null, "time_request" boolean not null default true, "limit_reached" boolean not null default true, "percent_used" smallint null, "break_started" boolean not null default false, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "alert_rules" add constraint "alert_rules_user_id_unique" unique ("user_id");`);
    this.addSql(`create table "webhooks" ("id" uuid not null, "user_id" uuid not null, "url" text not null, "events" text[] not null, "secret" varchar(100) not null, "created_at" timestamptz not null, "last_status" varchar(10) null, "last_attempts" int not null default 0, "last_error" text null, "last_delivery_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "webhooks_user_idx" on "webhooks" ("user_id");`);
    this.addSql(`alter table "viewing_time_balances" add "percent_alerted" smallint null, add "credit_alerted_percent" boolean not null default false;`);
    this.addSql(`alter table "alert_deliveries" add constraint "alert_deliveries_kind_check" check (target_kind in ('webhook', 'push'));`);
    this.addSql(`alter table "alert_deliveries" add constraint "alert_deliveries_status_check" check (status in ('pending', 'delivered', 'failed'));`);
    this.addSql(`alter table "push_subscriptions" add constraint "push_subscriptions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_rules" add constraint "alert_rules_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "alert_rules" add constraint "alert_rules_percent_check" check (percent_used is null or (percent_used >= 50 and percent_used <= 95 and percent_used % 5 = 0));`);
    this.addSql(`alter table "webhooks" add constraint "webhooks_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`insert into "alert_relay" ("id", "last_event_id", "updated_at") values (1, coalesce((select max(id) from events), 0), now());`);
  }

  override down(): void {
    this.addSql(`drop table if exists "alert_deliveries", "alert_relay", "push_subscriptions", "alert_rules", "webhooks";`);
    this.addSql(`alter table "viewing_time_balances" drop column "percent_alerted", drop column "credit_alerted_percent";`);
  }
}
