// Starts the database the component tests share: an embedded PostgreSQL in a temporary
// directory, or — when DATABASE_URL is set — a fresh database of its own on that server.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, ensureDatabase } from '../src/ops/embedded.ts';
import { createOrm, migrate } from '../src/ops/orm.ts';

export default async function globalSetup(): Promise<void> {
  let url: string;
  const g = globalThis as { __vtimeDb?: { stop(): Promise<void> } };
  if (process.env.DATABASE_URL) {
    const base = new URL(process.env.DATABASE_URL);
    base.pathname = `/vtime_test_${Date.now()}_${process.pid}`;
    url = base.toString();
    await ensureDatabase(url);
    process.env.VTIME_TEST_DROP_DATABASE = url;
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vtime-test-'));
    const db = await startEmbeddedPostgres({ dataDir: dir, database: 'vtime_test', persistent: false });
    g.__vtimeDb = db;
    process.env.VTIME_TEST_DATA_DIR = dir;
    url = db.url;
  }
  const orm = await createOrm({ url, poolMin: 0, poolMax: 2 });
  await migrate(orm);
  await orm.close();
  process.env.VTIME_TEST_DATABASE_URL = url;
}
