// Every SQL function's current text lives in exactly one file of src/db/sql: the database's
// definitions must be those files, and no vt_* function may exist without one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sqlFunctionFiles } from '../../src/ops/sql-functions.ts';
import { CREDIT_CAP_SECONDS, GRACE_SLACK_SECONDS, minutes, PAUSE_GRACE_SECONDS, STALE_AFTER_SECONDS } from '../../src/domain/viewing-time/rules.ts';
import { databaseUrl } from '../harness.ts';

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
});
afterAll(() => db.end());

const DEFS = `select p.proname as name, pg_get_functiondef(p.oid) as def from pg_proc p where p.pronamespace = $1::regnamespace and p.proname like 'vt\\_%' order by 1`;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|sql)$/.test(f) ? [full] : [];
  });
}

describe('SQL functions', () => {
  it('the database holds exactly the functions of src/db/sql, with the files’ text (pg_get_functiondef)', async () => {
    const sources = sqlFunctionFiles();
    const live = new Map((await db.query(DEFS, ['public'])).rows.map((r) => [r.name as string, r.def as string]));
    expect([...live.keys()].sort()).toEqual(sources.map((f) => f.name).sort());
    // each file, created on its own in a scratch schema, must define what the database has
    await db.query('begin');
    try {
      await db.query('create schema vt_definition_check');
      await db.query('set local search_path = vt_definition_check, public');
      await db.query('set local check_function_bodies = off');
      for (const f of sources) await db.query(f.text);
      const scratch = (await db.query(DEFS, ['vt_definition_check'])).rows;
      expect(scratch.map((r) => r.name)).toEqual([...live.keys()].sort());
      for (const r of scratch) expect([r.name, (r.def as string).replace('vt_definition_check.', 'public.')]).toEqual([r.name, live.get(r.name)]);
    } finally {
      await db.query('rollback');
    }
  });

  it('each file defines one function, named as the file', () => {
    for (const f of sqlFunctionFiles()) {
      const defined = [...f.text.matchAll(/create\s+(?:or\s+replace\s+)?function\s+(\w+)/gi)].map((m) => m[1]);
      expect([f.name, defined]).toEqual([f.name, [f.name]]);
    }
  });

  it('no function text outside src/db/sql: migrations and code only call them', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const outside = [...files(path.join(root, 'src')), ...files(path.join(root, 'migrations')), ...files(path.join(root, 'load-tests'))]
      .filter((f) => !f.includes(`${path.sep}db${path.sep}sql${path.sep}`))
      // the load runner's frozen copy of round 2's functions: a yardstick in schema vt_r2 that must
      // not follow src/db/sql (test/unit/load-frozen-r2.test.ts keeps it in that schema)
      .filter((f) => !f.startsWith(path.join(root, 'load-tests', 'frozen-r2') + path.sep))
      .filter((f) => /create\s+(or\s+replace\s+)?function/i.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('vt_minutes rounds as rules.ts minutes does (one rounding, two decimals), for every second of two days', async () => {
    const { rows } = await db.query('select s, vt_minutes(s)::float8 as m from generate_series(0, 172800) s');
    const differ = rows.filter((r) => r.m !== minutes(r.s)).slice(0, 5);
    expect(differ).toEqual([]);
    expect([minutes(3), minutes(30), minutes(61)]).toEqual([0.05, 0.5, 1.02]);
  });

  it('vt_rule holds the rule numbers rules.ts holds: credit cap, pause grace, stale limit, a finishing grace\'s slack', async () => {
    const { rows } = await db.query(`select vt_rule('credit_cap_seconds') as cap, vt_rule('pause_grace_seconds') as grace, vt_rule('stale_after_seconds') as stale,
      vt_rule('grace_slack_seconds') as slack, vt_rule('nonsense') as none`);
    expect(rows[0]).toEqual({ cap: CREDIT_CAP_SECONDS, grace: PAUSE_GRACE_SECONDS, stale: STALE_AFTER_SECONDS, slack: GRACE_SLACK_SECONDS, none: null });
  });

  it('the rule numbers are written nowhere else in SQL: every other function asks vt_rule', () => {
    // (60 also converts minutes to seconds, which is arithmetic, not a rule: a cap would be a least(…, 60))
    const literal = /\b300\b|interval '\d+ seconds'|secs => \d|least\([^;]*\b60\b/;
    const offenders = sqlFunctionFiles().filter((f) => f.name !== 'vt_rule' && f.text.split('\n').some((l) => !l.trim().startsWith('--') && literal.test(l.replace(/--.*$/, ''))));
    expect(offenders.map((f) => f.name)).toEqual([]);
  });
});
