import { Migration } from '@mikro-orm/migrations';

/**
 * Allowed hours (SPEC §2, §3): the weekday and weekend windows and the educational exception on the
 * settings, one-off windows per viewing day (overrides), and on each day's balance row the day's
 * allowed instants (null: any time; empty: none), the exception in force and the time refused
 * outside the windows.
 */
export class Migration20261202140000_allowed_hours extends Migration {
  override name = 'Migration20261202140000_allowed_hours';

  override up(): void {
    this.addSql(`alter table "viewing_time_configs" add column "allowed_hours" jsonb not null default '{"weekdays":[],"weekends":[]}', add column "educational_ignores_hours" boolean not null default false;`);
    this.addSql(`create table "viewing_time_overrides" ("id" uuid not null, "profile_id" uuid not null, "date" date not null, "windows" jsonb null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "viewing_time_overrides" add constraint "vto_profile_date_unique" unique ("profile_id", "date");`);
    this.addSql(`alter table "viewing_time_overrides" add constraint "viewing_time_overrides_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
    this.addSql(`alter table "viewing_time_balances" add column "allowed" tstzmultirange null, add column "educational_ignores_hours" boolean not null default false, add column "refused_seconds" int not null default 0;`);
  }

  override down(): void {
    this.addSql(`alter table "viewing_time_balances" drop column "refused_seconds", drop column "educational_ignores_hours", drop column "allowed";`);
    this.addSql(`drop table if exists "viewing_time_overrides";`);
    this.addSql(`alter table "viewing_time_configs" drop column "educational_ignores_hours", drop column "allowed_hours";`);
  }
}
