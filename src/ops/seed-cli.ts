// Usage: npm run seed — adds the demo household, admin, catalogue and a week of viewing (idempotent).
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { resolveDatabase } from './database.ts';
import { AlreadyRunning } from './instance.ts';
import { prepareDatabase } from './prepare.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: npm run seed   (uses DATABASE_URL, or the embedded database under DATA_DIR)');
  process.exit(0);
}
const config = loadConfig();
const db = await resolveDatabase(config, console.log, 'npm run seed').catch((e: unknown) => {
  if (!(e instanceof AlreadyRunning)) throw e;
  console.error(`${e.message}; or run this with DATABASE_URL pointing at its database`);
  process.exit(1);
});
try {
  // the same migrate-and-seed step npm start runs (under its advisory lock)
  const logins = await prepareDatabase(config, db.url, createLogger(config.LOG_LEVEL), true);
  if (logins) console.log(`demo data ready — parent: ${logins.parent.email} / ${logins.parent.password} (PIN ${logins.parent.pin}); admin: ${logins.admin.email} / ${logins.admin.password}`);
} finally {
  await db.stop();
}
