// The demo seed's time bank (issue 23): Leo's bank holds what the earlier days of this week left
// unused; the seed writes day rows through the Day function (model.ts dayAt) and the bank each row
// stores equals what the engine computes for the same rows, and what this test computes by hand
// from them (SPEC §3a's formulas). Seeded on a Monday, the bank is empty.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RequestContext } from '@mikro-orm/core';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { createOrm } from '../../src/ops/orm.ts';
import { seedDemo } from '../../src/ops/seed.ts';
import { dropDatabase, ownDatabase } from '../cluster-harness.ts';
import { client, startTestService, TestClock } from '../harness.ts';

interface Row { reset_date: string; used_seconds: number; bonus_seconds: number; limit_minutes: number | null; is_unlimited_override: boolean; bank_cap_minutes: number | null; bank_seconds: number }

/**
 * The bank at the start of each day, folded by hand over every date from the first row's Monday
 * (SPEC §3a): a day without a row counted nothing and had that weekday's limit in the settings
 * (Leo's: 120 on weekdays, 180 at the weekend); only days from `from` bank.
 */
function oracle(rows: Row[], cap: number, from: string): Map<string, number> {
  const byDate = new Map(rows.map((r) => [r.reset_date, r]));
  const out = new Map<string, number>();
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const first = Date.parse(`${rows[0].reset_date}T00:00:00Z`);
  let t = first - ((new Date(first).getUTCDay() + 6) % 7) * 86_400_000;
  let bank = 0;
  for (; day(t) <= rows.at(-1)!.reset_date; t += 86_400_000) {
    if (new Date(t).getUTCDay() === 1) bank = 0; // every Monday starts empty
    out.set(day(t), bank);
    const weekend = [0, 6].includes(new Date(t).getUTCDay());
    const r = byDate.get(day(t)) ?? { used_seconds: 0, bonus_seconds: 0, limit_minutes: weekend ? 180 : 120, is_unlimited_override: false, bank_cap_minutes: cap };
    if (day(t) < from || r.limit_minutes === null || r.is_unlimited_override || r.bank_cap_minutes === null) continue;
    const spent = Math.max(0, Math.min(bank, r.used_seconds - r.limit_minutes * 60 - r.bonus_seconds));
    bank = Math.min(cap * 60, bank - spent + Math.max(0, r.limit_minutes * 60 - r.used_seconds));
  }
  return out;
}

async function seeded(now: string) {
  const url = await ownDatabase('vtime_seed');
  const orm = await createOrm({ url, poolMin: 0, poolMax: 2 });
  const { migrate } = await import('../../src/ops/orm.ts');
  await migrate(orm);
  const cpu = { hash: (s: string, cost: number) => bcrypt.hash(s, cost) };
  const logins = (await RequestContext.create(orm.em, () => seedDemo(orm.em, cpu, { dataDir: mkdtempSync(path.join(os.tmpdir(), 'vtime-seed-')), bcryptCost: 4, now: new Date(now) }))).logins;
  await orm.close();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { url, db, logins };
}

describe('the demo seed', () => {
  it.each([
    ['a Thursday', '2026-12-03T17:00:00Z', true],
    ['a Monday', '2026-11-30T17:00:00Z', false],
  ])("seeded on %s, Leo's bank is what the engine and the formulas give for the seeded rows", async (_when, now, filled) => {
    const { url, db, logins } = await seeded(now);
    try {
      const leo = (await db.query(`select id from profiles where name = 'Leo'`)).rows[0].id as string;
      const rows = (await db.query<Row>(`select reset_date::text as reset_date, used_seconds, bonus_seconds, limit_minutes, is_unlimited_override, bank_cap_minutes, bank_seconds
        from viewing_time_balances where profile_id = $1 order by reset_date`, [leo])).rows;
      expect(rows.length).toBeGreaterThan(5);
      const from = (await db.query(`select c.bank_from::text as d from viewing_time_configs c where c.profile_id = $1`, [leo])).rows[0].d as string;
      const expected = oracle(rows, 60, from);
      expect(rows.map((r) => [r.reset_date, r.bank_seconds])).toEqual(rows.map((r) => [r.reset_date, expected.get(r.reset_date)]));
      // the engine, asked afresh for each seeded day, computes what the seed stored
      const engine = (await db.query(`select b.reset_date::text as date, w.bank_seconds from viewing_time_balances b, vt_week(b.profile_id, b.reset_date, b.bank_cap_minutes) w
        where b.profile_id = $1 order by b.reset_date`, [leo])).rows;
      expect(engine.map((r) => [r.date, r.bank_seconds])).toEqual(rows.map((r) => [r.reset_date, r.bank_seconds]));
      // and the service answers it: today's bank (the seed's sessions today stay within the day's limit)
      const svc = await startTestService({}, { clock: new TestClock(now), databaseUrl: url });
      try {
        const api = client(svc.url);
        const token = (await api('POST', '/api/v1/auth/login', { body: { email: logins.parent.email, password: logins.parent.password } })).body.access_token as string;
        const balance = (await api('GET', `/api/v1/viewing-time/balance/${leo}`, { token })).body;
        const today = rows.at(-1)!;
        expect(balance.date).toBe(today.reset_date);
        expect(balance.bank_minutes).toBe(Math.round((today.bank_seconds * 100) / 60) / 100);
        if (filled) expect(balance.bank_minutes).toBeGreaterThan(0);
        else expect(balance.bank_minutes).toBe(0); // Monday: the bank fills up from tonight
        const settings = (await api('GET', `/api/v1/parental-controls/profiles/${leo}/viewing-time`, { token })).body;
        expect([settings.bank?.cap_minutes, settings.finish_grace_minutes]).toEqual([60, 10]);
      } finally {
        await svc.close();
      }
    } finally {
      await db.end();
      await dropDatabase(url);
    }
  });
});
