// Usage: npm run migrate [-- up|check|create <name>]
//   up      apply pending migrations (the default; npm start does this too)
//   check   exit 1 when the database schema differs from what the entities describe
//   create  write a new migration from the difference (then add it to migrations/index.ts)
import { loadConfig } from '../config.ts';
import { resolveDatabase } from './database.ts';
import { AlreadyRunning } from './instance.ts';
import { createOrm, migrate } from './orm.ts';

const [command = 'up', name] = process.argv.slice(2);
if (command === '--help' || command === '-h' || !['up', 'check', 'create'].includes(command)) {
  console.log('usage: npm run migrate -- [up|check|create <name>]');
  process.exit(command === '--help' || command === '-h' ? 0 : 2);
}
const config = loadConfig();
const db = await resolveDatabase(config, console.log, 'npm run migrate').catch((e: unknown) => {
  if (!(e instanceof AlreadyRunning)) throw e;
  console.error(`${e.message}; or run this with DATABASE_URL pointing at its database`);
  process.exit(1);
});
const orm = await createOrm({ url: db.url, poolMin: 0, poolMax: 2 });
let code = 0;
try {
  if (command === 'up') {
    const done = await migrate(orm);
    console.log(done.migrations.length ? `applied ${done.migrations.join(', ')}` : 'no pending migrations');
    if (done.functions.length) console.log(`SQL functions applied: ${done.functions.join(', ')}`);
  } else if (command === 'check') {
    const differs = await orm.migrator.checkSchema();
    console.log(differs ? 'schema differs from the entities' : 'schema matches the entities');
    code = differs ? 1 : 0;
  } else {
    const result = await orm.migrator.create('migrations', false, false, name);
    console.log(result.fileName ? `wrote migrations/${result.fileName}` : 'no changes');
  }
} finally {
  await orm.close();
  await db.stop();
}
process.exit(code);
