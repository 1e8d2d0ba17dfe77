// Usage: npm run seed — adds the demo household, admin, catalogue and a week of viewing (idempotent).
import { RequestContext } from '@mikro-orm/core';
import { loadConfig } from '../config.ts';
import { WorkerPool } from '../workers/pool.ts';
import { resolveDatabase } from './database.ts';
import { createOrm } from './orm.ts';
import { seedDemo } from './seed.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: npm run seed   (uses DATABASE_URL, or the embedded database under DATA_DIR)');
  process.exit(0);
}
const config = loadConfig();
const db = await resolveDatabase(config, console.log);
const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 2 });
const pool = new WorkerPool({ threads: config.WORKER_THREADS, maxQueue: 100 });
try {
  await orm.migrator.up();
  const { created, logins } = await RequestContext.create(orm.em, () => seedDemo(orm.em, pool, { dataDir: config.DATA_DIR, bcryptCost: config.BCRYPT_COST }));
  console.log(created ? 'demo data seeded' : 'demo data already present');
  console.log(`parent: ${logins.parent.email} / ${logins.parent.password} (PIN ${logins.parent.pin}); admin: ${logins.admin.email} / ${logins.admin.password}`);
} finally {
  await pool.close();
  await orm.close();
  await db.stop();
}
