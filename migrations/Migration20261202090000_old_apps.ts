import { Migration } from '@mikro-orm/migrations';

/**
 * The old apps' contract (OLD-CLIENT.md) and the heartbeat's day facts:
 * - users.subscription_tier and profiles.avatar_url, which the old apps read;
 * - refresh_tokens.pin_verified_until: the PIN-verified window of a login session (a family);
 * - each viewing day's balance row holds the facts the heartbeat statement needs (its start, end,
 *   limit and educational exemption), so a heartbeat never needs the settings; credited_seconds
 *   hands back what one credit update granted;
 * - vtime_sql_functions: which text of each src/db/sql file is applied.
 */
export class Migration20261202090000_old_apps extends Migration {
  override name = 'Migration20261202090000_old_apps';

  override up(): void {
    this.addSql(`alter table "users" add column "subscription_tier" varchar(20) not null default 'basic';`);
    this.addSql(`alter table "profiles" add column "avatar_url" varchar(500) null;`);
    this.addSql(`alter table "refresh_tokens" add column "pin_verified_until" timestamptz null;`);
    this.addSql(`alter table "viewing_time_balances" add column "educational_exempt" boolean not null default true, add column "credited_seconds" int not null default 0;`);
    this.addSql(`update "viewing_time_balances" b set "educational_exempt" = c."educational_exempt" from "viewing_time_configs" c where c."profile_id" = b."profile_id";`);
    this.addSql(`create index "vtb_profile_day_end_idx" on "viewing_time_balances" ("profile_id", "day_end");`);
    this.addSql(`create table "vtime_sql_functions" ("name" text primary key, "checksum" text not null, "applied_at" timestamptz not null);`);
  }

  override down(): void {
    this.addSql(`drop table if exists "vtime_sql_functions";`);
    this.addSql(`drop index if exists "vtb_profile_day_end_idx";`);
    this.addSql(`alter table "viewing_time_balances" drop column "credited_seconds", drop column "educational_exempt";`);
    this.addSql(`alter table "refresh_tokens" drop column "pin_verified_until";`);
    this.addSql(`alter table "profiles" drop column "avatar_url";`);
    this.addSql(`alter table "users" drop column "subscription_tier";`);
  }
}
