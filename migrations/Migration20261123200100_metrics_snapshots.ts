import { Migration } from '@mikro-orm/migrations';

export class Migration20261123200100_metrics_snapshots extends Migration {
  override name = 'Migration20261123200100_metrics_snapshots';

  override up(): void {
    this.addSql(`create table "metrics_snapshots" ("process_key" varchar(100) not null, "host" varchar(255) not null, "pid" int not null, "service_started_at" timestamptz not null, "updated_at" timestamptz not null, "snapshot" jsonb not null, primary key ("process_key"));`);
    this.addSql(`create index "metrics_snapshots_updated_at_index" on "metrics_snapshots" ("updated_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "metrics_snapshots" cascade;`);
  }
}
