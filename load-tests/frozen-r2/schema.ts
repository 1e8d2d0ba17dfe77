// Creates schema vt_r2 beside the service's tables: the frozen round-2 tables (tables.sql) and
// functions (functions/*.sql), filled with the seeded rows of this run copied from the service's
// tables (insert ... select). Columns are matched by name: a column the service has added is
// left out, and one it has moved or dropped takes a stand-in (STAND_INS), so a later schema
// change can neither break the copy nor change what the frozen statement reads and writes.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export const SCHEMA = 'vt_r2';
const DIR = new URL('./', import.meta.url);
const sql = (file: string) => readFileSync(new URL(file, DIR), 'utf8');

/** What the runner copies, in foreign-key order; $1 is the seeded ids the `where` names. */
interface Copy {
  table: string;
  where: string;
  ids?: 'users' | 'titles';
  /** For a not-null column without a default that the service's table no longer has. */
  standIns?: Record<string, string>;
  /** The load seeds no rows there: a service without that table copies none. */
  optional?: boolean;
}

const COPIES: Copy[] = [
  { table: 'users', where: 'id = any($1::uuid[])', ids: 'users', standIns: { email: `id::text || '@r2.load.vtime.invalid'`, password_hash: `'x'`, created_at: 'now()' } },
  { table: 'titles', where: 'id = any($1::uuid[])', ids: 'titles', standIns: { title: `'Load title'`, duration_minutes: '30', age_rating: `'G'`, created_at: 'now()' } },
  { table: 'profiles', where: `user_id in (select id from ${SCHEMA}.users)`, standIns: { name: `'Kid'`, is_kids: 'true', parental_rating: `'PG'`, created_at: 'now()' } },
  { table: 'viewing_time_configs', where: `profile_id in (select id from ${SCHEMA}.profiles)`, standIns: { reset_hour: '6', educational_exempt: 'true', timezone: `'UTC'`, updated_at: 'now()' } },
  { table: 'viewing_time_overrides', where: `profile_id in (select id from ${SCHEMA}.profiles)`, optional: true },
];

const COLUMNS = `select column_name as name, is_nullable = 'YES' or column_default is not null as optional
  from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`;

/** The select list that fills the frozen table from the service's one, column by column. */
async function selectList(c: pg.ClientBase, from: string, copy: Copy): Promise<{ into: string[]; exprs: string[] } | null> {
  const frozen = (await c.query<{ name: string; optional: boolean }>(COLUMNS, [SCHEMA, copy.table])).rows;
  const live = new Set((await c.query<{ name: string }>(COLUMNS, [from, copy.table])).rows.map((r) => r.name));
  if (live.size === 0 && copy.optional) return null;
  if (live.size === 0) throw new Error(`the service's database has no table ${from}.${copy.table} to copy the seeded rows from: tell load-tests/frozen-r2/schema.ts (COPIES) where they live now`);
  const into: string[] = [];
  const exprs: string[] = [];
  for (const col of frozen) {
    const expr = live.has(col.name) ? `"${col.name}"` : copy.standIns?.[col.name];
    if (expr === undefined && col.optional) continue; // its default, or null
    if (expr === undefined) throw new Error(`${from}.${copy.table} has no column ${col.name} any more, and the frozen round-2 copy has no stand-in for it: add one to STAND_INS in load-tests/frozen-r2/schema.ts`);
    into.push(`"${col.name}"`);
    exprs.push(expr);
  }
  return { into, exprs };
}

/** Drops and creates vt_r2, copies the seeded households, their kids and configs and the titles; returns rows copied per table. */
export async function createFrozenSchema(databaseUrl: string, seeded: { users: string[]; titles: string[] }): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const from = (await c.query<{ s: string }>('select current_schema() as s')).rows[0].s;
    await c.query('begin');
    await c.query(`drop schema if exists ${SCHEMA} cascade`);
    await c.query(`create schema ${SCHEMA}`);
    await c.query(sql('tables.sql'));
    await c.query('set local check_function_bodies = off'); // bodies call each other: no order among the files
    for (const f of readdirSync(new URL('functions/', DIR)).filter((n) => n.endsWith('.sql')).sort()) await c.query(sql(`functions/${f}`));
    const copied: Record<string, number> = {};
    for (const copy of COPIES) {
      const list = await selectList(c, from, copy);
      if (!list) { copied[copy.table] = 0; continue; }
      const { into, exprs } = list;
      const params = copy.ids ? [seeded[copy.ids]] : [];
      const r = await c.query(`insert into ${SCHEMA}.${copy.table} (${into.join(', ')}) select ${exprs.join(', ')} from ${from}.${copy.table} where ${copy.where}`, params);
      copied[copy.table] = r.rowCount ?? 0;
    }
    await c.query('commit');
    await c.query(`vacuum (analyze) ${COPIES.map((x) => `${SCHEMA}.${x.table}`).join(', ')}, ${SCHEMA}.viewing_sessions, ${SCHEMA}.viewing_time_balances`);
    return copied;
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    await c.end();
  }
}

/** The baseline's rows are its own business: nothing of vt_r2 stays in the service's database. */
export async function dropFrozenSchema(databaseUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`drop schema if exists ${SCHEMA} cascade`);
  } finally {
    await c.end();
  }
}
