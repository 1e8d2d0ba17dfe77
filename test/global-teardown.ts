import { rmSync } from 'node:fs';
import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __vtimeDb?: { stop(): Promise<void> } };
  await g.__vtimeDb?.stop();
  if (process.env.VTIME_TEST_DATA_DIR) rmSync(process.env.VTIME_TEST_DATA_DIR, { recursive: true, force: true });
  const drop = process.env.VTIME_TEST_DROP_DATABASE;
  if (!drop) return;
  const admin = new URL(drop);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await client.end();
}
