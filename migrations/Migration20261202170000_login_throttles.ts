import { Migration } from '@mikro-orm/migrations';

/** Password attempt limits per account and per client address (SPEC §3 Login). */
export class Migration20261202170000_login_throttles extends Migration {
  override name = 'Migration20261202170000_login_throttles';

  override up(): void {
    this.addSql(`create table "login_throttles" ("key" varchar(300) not null, "failures" int not null default 0, "window_started_at" timestamptz not null, "lockouts" int not null default 0, "locked_until" timestamptz null, "updated_at" timestamptz not null, primary key ("key"));`);
    this.addSql(`create index "login_throttles_updated_at_index" on "login_throttles" ("updated_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "login_throttles" cascade;`);
  }
}
