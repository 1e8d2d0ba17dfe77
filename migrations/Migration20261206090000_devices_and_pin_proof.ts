import { Migration } from '@mikro-orm/migrations';

/**
 * Round 3 hardening:
 * - kids_devices: each kids device token is a row, so a parent can list and sign out devices;
 * - users.pin_epoch: PIN tokens carry it, and a PIN change, reset or lock moves it on, so every
 *   token verified before then stops working at once;
 * - users.pin_checks_pending/pin_pending_since: PIN checks under way, so parallel guesses stay held
 *   to 5 bcrypt checks while a correct PIN is never counted as a failure first.
 */
export class Migration20261206090000_devices_and_pin_proof extends Migration {
  override name = 'Migration20261206090000_devices_and_pin_proof';

  override up(): void {
    this.addSql(`alter table "users" add column "pin_epoch" int not null default 0, add column "pin_checks_pending" int not null default 0, add column "pin_pending_since" timestamptz null;`);
    this.addSql(`create table "kids_devices" ("id" uuid not null, "user_id" uuid not null, "profile_id" uuid not null, "created_at" timestamptz not null, "last_seen_at" timestamptz null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "kids_devices_user_id_index" on "kids_devices" ("user_id");`);
    this.addSql(`create index "kids_devices_profile_id_index" on "kids_devices" ("profile_id");`);
    this.addSql(`alter table "kids_devices" add constraint "kids_devices_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "kids_devices" add constraint "kids_devices_profile_id_foreign" foreign key ("profile_id") references "profiles" ("id") on delete cascade;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "kids_devices" cascade;`);
    this.addSql(`alter table "users" drop column "pin_epoch", drop column "pin_checks_pending", drop column "pin_pending_since";`);
  }
}
