// The SQL functions of src/db/sql/: one file per function holds its current text. They are
// repeatable definitions (like Flyway's R__ scripts): after the versioned migrations, every file
// whose text changed since it was last applied is (re)created, and any vt_* function without a
// file is dropped, in one transaction. test/component/sql-functions.test.ts compares the
// database's definitions with the files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Pool, PoolClient } from 'pg';

const DIR = new URL('../db/sql/', import.meta.url);

export interface SqlFunctionFile {
  name: string;
  text: string;
  checksum: string;
}

export function sqlFunctionFiles(): SqlFunctionFile[] {
  return readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => {
    const text = readFileSync(new URL(f, DIR), 'utf8');
    return { name: f.slice(0, -4), text, checksum: createHash('sha256').update(text).digest('hex') };
  });
}

const OVERLOADS = `select p.oid::regprocedure::text as sig from pg_proc p
  where p.pronamespace = 'public'::regnamespace and p.proname = $1`;

async function dropAll(c: PoolClient, name: string): Promise<void> {
  for (const { sig } of (await c.query<{ sig: string }>(OVERLOADS, [name])).rows) await c.query(`drop function ${sig}`);
}

/** Applies changed function files and drops vt_* functions that no file defines; returns what it applied. */
export async function syncSqlFunctions(pool: Pool): Promise<string[]> {
  const files = sqlFunctionFiles();
  const c = await pool.connect();
  try {
    await c.query('begin');
    // bodies refer to each other; checking them at create time would impose an order on the files
    await c.query('set local check_function_bodies = off');
    const applied = new Map((await c.query<{ name: string; checksum: string }>('select name, checksum from vtime_sql_functions')).rows.map((r) => [r.name, r.checksum]));
    const present = new Set((await c.query<{ name: string }>(`select distinct proname as name from pg_proc where pronamespace = 'public'::regnamespace and proname like 'vt\\_%'`)).rows.map((r) => r.name));
    const changed: string[] = [];
    for (const f of files) {
      if (applied.get(f.name) === f.checksum && present.has(f.name)) continue;
      await dropAll(c, f.name); // a changed signature or return type cannot be replaced in place
      await c.query(f.text);
      await c.query(`insert into vtime_sql_functions (name, checksum, applied_at) values ($1, $2, now())
        on conflict (name) do update set checksum = excluded.checksum, applied_at = excluded.applied_at`, [f.name, f.checksum]);
      changed.push(f.name);
    }
    const names = new Set(files.map((f) => f.name));
    for (const name of present) if (!names.has(name)) { await dropAll(c, name); changed.push(`-${name}`); }
    await c.query('delete from vtime_sql_functions where not (name = any($1))', [[...names]]);
    await c.query('commit');
    return changed;
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}
