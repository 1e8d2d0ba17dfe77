// Round 2's heartbeat statement, frozen in load-tests/frozen-r2 for the raw baseline: it must stay
// frozen (its own schema, no import of the service) and keep sending what round 2 sent.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { seededDayAt } from '../../load-tests/frozen-r2/day.ts';
import { heartbeatQuery } from '../../load-tests/frozen-r2/statement.ts';

const root = path.resolve(import.meta.dirname, '../..');
const frozen = path.join(root, 'load-tests/frozen-r2');
const read = (f: string) => readFileSync(f, 'utf8');

describe('round 2, frozen in load-tests/frozen-r2', () => {
  const functionFiles = readdirSync(path.join(frozen, 'functions')).filter((f) => f.endsWith('.sql'));
  const sqlFiles = [...functionFiles.map((f) => path.join(frozen, 'functions', f)), path.join(frozen, 'tables.sql')];
  const code = (text: string) => text.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');

  it('holds the heartbeat functions and everything they call', () => {
    expect(functionFiles.sort()).toEqual(['vt_close_session', 'vt_config_json', 'vt_credit', 'vt_day_balance', 'vt_emit', 'vt_grantable', 'vt_heartbeat',
      'vt_heartbeats', 'vt_interval_credit', 'vt_is_stale', 'vt_minutes', 'vt_remaining', 'vt_windowed_credit'].map((n) => `${n}.sql`));
    const called = new Set(functionFiles.flatMap((f) => [...code(read(path.join(frozen, 'functions', f))).matchAll(/vt_r2\.(vt_\w+)\(/g)].map((m) => `${m[1]}.sql`)));
    expect([...called].filter((f) => !functionFiles.includes(f))).toEqual([]);
  });

  it('names every table and function with its schema, so nothing resolves to the service\'s', () => {
    const tables = /\b(from|join|update|into|references|on)\s+(?!vt_r2\.)(users|profiles|titles|viewing_sessions|viewing_time_balances|viewing_time_configs|viewing_time_overrides|events)\b/gi;
    const calls = /(?<![.\w])vt_(?!r2\b)\w+\s*\(/g;
    for (const f of sqlFiles) {
      const text = code(read(f));
      expect([path.basename(f), text.match(tables) ?? [], text.match(calls) ?? []]).toEqual([path.basename(f), [], []]);
    }
    for (const f of functionFiles) expect(code(read(path.join(frozen, 'functions', f)))).toMatch(new RegExp(`create or replace function vt_r2\\.${f.slice(0, -4)}\\(`));
  });

  it('imports nothing of the service: a later engine cannot change it', () => {
    const ts = [...readdirSync(frozen).filter((f) => f.endsWith('.ts')).map((f) => path.join(frozen, f)), path.join(root, 'load-tests/lib/pg-baseline.ts')];
    for (const f of ts) expect([path.basename(f), read(f).match(/from '[^']*\/src\/[^']*'/g) ?? []]).toEqual([path.basename(f), []]);
  });

  it('sends round 2\'s seventeen parameters, by name, to the frozen function', () => {
    const q = heartbeatQuery({ userId: 'u', profileId: 'p', sessionId: 's', titleId: 't', deviceId: 'd', deviceType: 'tv', paused: false, seq: 7, now: new Date(0), day: null });
    expect(q.text).toMatch(/^select \* from vt_r2\.vt_heartbeat\(p_user => \$1, .* p_day_ignores => \$17\)$/s);
    expect(q.values).toEqual(['u', 'p', 's', 't', 'd', 'tv', false, 7, new Date(0), null, null, null, null, null, null, null, null]);
  });

  // Computed with the service's viewingDayAt on main at 223ab76 (which agreed with seededDayAt at
  // every 17 min 13 s of 2026 in six zones): the frozen copy must keep answering the same.
  it.each([
    ['2026-03-29T03:30:00Z', 'Europe/Berlin', '2026-03-28', '2026-03-28T05:00:00.000Z', '2026-03-29T04:00:00.000Z', 180], // spring forward: a 23-hour day
    ['2026-11-01T09:59:59Z', 'America/New_York', '2026-10-31', '2026-10-31T10:00:00.000Z', '2026-11-01T11:00:00.000Z', 180], // fall back: 25 hours
    ['2026-12-05T20:00:00Z', 'Asia/Tokyo', '2026-12-05', '2026-12-04T21:00:00.000Z', '2026-12-05T21:00:00.000Z', 180],
    ['2026-12-07T05:59:59Z', 'UTC', '2026-12-06', '2026-12-06T06:00:00.000Z', '2026-12-07T06:00:00.000Z', 180],
    ['2026-12-07T06:00:00Z', 'UTC', '2026-12-07', '2026-12-07T06:00:00.000Z', '2026-12-08T06:00:00.000Z', 120],
  ])('the seeded day at %s in %s is %s', (at, tz, date, start, end, limit) => {
    const d = seededDayAt(new Date(at), tz);
    expect([d.date, d.start.toISOString(), d.end.toISOString(), d.limitMinutes, d.configVersion, d.allowed]).toEqual([date, start, end, limit, 1, null]);
  });
});
