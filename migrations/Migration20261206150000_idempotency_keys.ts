import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency-Key (SPEC §4): one row per key and scope (the caller's account or kids profile, the
 * method and the path with its parameters): the SHA-256 of the body without PIN proof, and once
 * the first request is answered, its status and body. A row without an answer is a request still
 * running. The retention job deletes rows after 24 h (by created_at).
 */
export class Migration20261206150000_idempotency_keys extends Migration {
  override name = 'Migration20261206150000_idempotency_keys';

  override up(): void {
    this.addSql(`create table "idempotency_keys" ("scope" varchar(400) not null, "key" varchar(255) not null, "body_hash" varchar(64) not null, "created_at" timestamptz not null, "status" int null, "body" jsonb null, "answered_at" timestamptz null, constraint "idempotency_keys_pkey" primary key ("scope", "key"));`);
    this.addSql(`create index "idempotency_keys_created_idx" on "idempotency_keys" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "idempotency_keys";`);
  }
}
