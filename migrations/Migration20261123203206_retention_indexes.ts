import { Migration } from '@mikro-orm/migrations';

/** Indexes for the retention job, built without blocking writes (CONCURRENTLY, so outside a transaction). */
export class Migration20261123203206_retention_indexes extends Migration {
  override name = 'Migration20261123203206_retention_indexes';

  override isTransactional(): boolean {
    return false;
  }

  override up(): void {
    this.addSql('create index concurrently if not exists "time_grants_granted_at_idx" on "time_grants" ("granted_at");');
    this.addSql('create index concurrently if not exists "viewing_sessions_retention_idx" on "viewing_sessions" ("started_at") where ended_at is not null;');
    this.addSql('create index concurrently if not exists "vtb_reset_date_idx" on "viewing_time_balances" ("reset_date");');
  }

  override down(): void {
    this.addSql('drop index concurrently if exists "time_grants_granted_at_idx";');
    this.addSql('drop index concurrently if exists "viewing_sessions_retention_idx";');
    this.addSql('drop index concurrently if exists "vtb_reset_date_idx";');
  }
}
