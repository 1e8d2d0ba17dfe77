import { Migration } from '@mikro-orm/migrations';

/**
 * A leaner heartbeat statement:
 * - viewing_sessions.last_credit_seconds keeps the credit of the session's last beat, so the
 *   common beat is one UPDATE ... RETURNING instead of a locking SELECT followed by an UPDATE;
 * - sessions and balances are rewritten on every beat without touching an indexed column, so
 *   leave room on each page for the new row versions to stay there (HOT updates, no index writes).
 *   The fillfactor applies to pages written from now on.
 */
export class Migration20261202120000_lean_heartbeat extends Migration {
  override name = 'Migration20261202120000_lean_heartbeat';

  override up(): void {
    this.addSql(`alter table "viewing_sessions" add column "last_credit_seconds" int not null default 0;`);
    this.addSql(`alter table "viewing_sessions" set (fillfactor = 70);`);
    this.addSql(`alter table "viewing_time_balances" set (fillfactor = 70);`);
  }

  override down(): void {
    this.addSql(`alter table "viewing_time_balances" reset (fillfactor);`);
    this.addSql(`alter table "viewing_sessions" reset (fillfactor);`);
    this.addSql(`alter table "viewing_sessions" drop column "last_credit_seconds";`);
  }
}
