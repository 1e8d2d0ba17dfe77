import { Migration } from '@mikro-orm/migrations';

/**
 * History only. This step once created the PL/pgSQL heartbeat functions inline; their current text
 * now lives in src/db/sql/ (one file per function), applied after the migrations by
 * src/ops/sql-functions.ts, which also drops the versions this step used to create.
 */
export class Migration20261123205000_cheaper_credit extends Migration {
  override name = 'Migration20261123205000_cheaper_credit';

  override up(): void {}

  override down(): void {}
}
