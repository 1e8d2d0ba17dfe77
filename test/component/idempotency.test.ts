// Idempotency-Key (SPEC §4) on the changes a parent or a kids device may send again after a lost
// answer: a repeat with the same key and body gets the first answer and changes nothing; another
// body is a 422; a repeat while the first runs is a 409; answers not kept let the repeat run again.
import pg from 'pg';
import { runRetention } from '../../src/ops/retention.ts';
import { databaseUrl, waitFor } from '../harness.ts';
import { household, playerSuite, type Api, type PlayerSuite } from './viewing-time.fixtures.ts';

const { clock, suite } = playerSuite('2026-11-25T10:00:00Z');
let api: Api;
let db: PlayerSuite['db'];
beforeAll(() => { ({ api, db } = suite); });

const PIN = '1357';
const settingsPath = (id: string) => `/api/v1/parental-controls/profiles/${id}/viewing-time`;
const keyed = (key: string) => ({ 'idempotency-key': key });
let n = 0;
const freshKey = () => `key-${Date.now()}-${++n}`;

async function family() {
  const h = await household(api);
  expect((await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: PIN } })).status).toBe(200);
  expect((await api('POST', '/api/v1/parental-controls/pin/lock', { token: h.token })).status).toBe(200); // every change below brings its own proof
  const userId = (await api('GET', '/api/v1/auth/me', { token: h.token })).body.id as string;
  return { ...h, userId };
}

const count = async (sql: string, values: unknown[]) => (await db.query(sql, values)).rows[0].n as number;
const grants = (kid: string) => count('select count(*)::int as n from time_grants where profile_id = $1', [kid]);
const keysStored = (key: string) => count('select count(*)::int as n from idempotency_keys where key = $1', [key]);

describe('Idempotency-Key', () => {
  it('a grant sent twice with one key: the same answer, marked replayed, and one ledger row; the repeat needs no PIN proof', async () => {
    const f = await family();
    const key = freshKey();
    const first = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 30, pin: PIN } });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    const again = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 30 } });
    expect([again.status, again.body, again.headers.get('idempotency-replayed')]).toEqual([200, first.body, 'true']);
    expect(await grants(f.kidId)).toBe(1);
    // another body with the same key: refused, nothing written
    const other = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 60, pin: PIN } });
    expect([other.status, other.body.code, other.body.field]).toEqual([422, 'idempotency_key_reused', 'Idempotency-Key']);
    expect(await grants(f.kidId)).toBe(1);
    // without a key every request is a change of its own
    expect((await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, body: { minutes: 30, pin: PIN } })).status).toBe(200);
    expect(await grants(f.kidId)).toBe(2);
  });

  it('a key belongs to its account and its path: another household, or another kid, with the same key is a change of its own', async () => {
    const a = await family();
    const b = await family();
    const key = freshKey();
    for (const f of [a, b]) {
      const r = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 15, pin: PIN } });
      expect([r.status, r.headers.get('idempotency-replayed')]).toEqual([200, null]);
    }
    const second = (await api('POST', '/api/v1/auth/profiles', { token: a.token, body: { name: 'Second', is_kids: true } })).body.id as string;
    const r = await api('POST', `${settingsPath(second)}/grant`, { token: a.token, headers: keyed(key), body: { minutes: 15, pin: PIN } });
    expect([r.status, r.headers.get('idempotency-replayed')]).toEqual([200, null]);
    expect([await grants(a.kidId), await grants(b.kidId), await grants(second)]).toEqual([1, 1, 1]);
  });

  it('a time request and its approval, each sent twice: one request, one grant linked to it, the same answers', async () => {
    const f = await family();
    const kidToken = (await api('POST', `/api/v1/auth/profiles/${f.kidId}/select`, { token: f.token })).body.access_token as string;
    const askKey = freshKey();
    const ask = () => api('POST', '/api/v1/viewing-time/requests', { token: kidToken, headers: keyed(askKey), body: { profile_id: f.kidId, minutes: 30, message: 'one more' } });
    const asked = await ask();
    expect(asked.status).toBe(201);
    const askedAgain = await ask();
    expect([askedAgain.status, askedAgain.body, askedAgain.headers.get('idempotency-replayed')]).toEqual([201, asked.body, 'true']);
    expect(await count('select count(*)::int as n from time_requests where profile_id = $1', [f.kidId])).toBe(1);
    const approveKey = freshKey();
    const approve = (body: Record<string, unknown>) => api('POST', `/api/v1/parental-controls/requests/${asked.body.id}/approve`, { token: f.token, headers: keyed(approveKey), body });
    const approved = await approve({ pin: PIN });
    expect(approved.status).toBe(200);
    const approvedAgain = await approve({});
    expect([approvedAgain.status, approvedAgain.body, approvedAgain.headers.get('idempotency-replayed')]).toEqual([200, approved.body, 'true']);
    expect(await count('select count(*)::int as n from time_grants where request_id = $1', [asked.body.id])).toBe(1);
    // a deny after it, with a key of its own, meets the answered request: a 409 that is kept too
    const denyKey = freshKey();
    const deny = () => api('POST', `/api/v1/parental-controls/requests/${asked.body.id}/deny`, { token: f.token, headers: keyed(denyKey), body: { pin: PIN } });
    expect((await deny()).status).toBe(409);
    const denied = await deny();
    expect([denied.status, denied.headers.get('idempotency-replayed')]).toEqual([409, 'true']);
  });

  it('a pause sent twice with one key writes once and answers the first answer; the key costs 4 round trips (BEGIN, its lookup, the answer, COMMIT)', async () => {
    const f = await family();
    const pinToken = (await api('POST', '/api/v1/parental-controls/pin/verify', { token: f.token, body: { pin: PIN } })).body.pin_token as string;
    const plain = await api('POST', '/api/v1/parental-controls/pause', { token: f.token, body: { minutes: 5, pin_token: pinToken } });
    expect(plain.status).toBe(200);
    const plainOps = Number(plain.headers.get('x-db-ops'));
    expect((await api('DELETE', '/api/v1/parental-controls/pause', { token: f.token, body: { pin_token: pinToken } })).status).toBe(204);
    const key = freshKey();
    const pause = (body: Record<string, unknown>) => api('POST', `/api/v1/parental-controls/profiles/${f.kidId}/pause`, { token: f.token, headers: keyed(key), body });
    const first = await pause({ minutes: 30, pin_token: pinToken });
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-db-ops'))).toBe(plainOps + 4);
    const spans = () => count('select count(*)::int as n from family_rule_spans where profile_id = $1', [f.kidId]);
    const events = () => count(`select count(*)::int as n from events where type = 'pause' and profile_id = $1`, [f.kidId]);
    const before = [await spans(), await events()];
    clock.advance(60); // a minute later: a second pause would start now and end later
    const again = await pause({ minutes: 30 });
    expect([again.status, again.body, again.headers.get('idempotency-replayed')]).toEqual([200, first.body, 'true']);
    expect([await spans(), await events()]).toEqual(before);
    // household-wide pause: its own path, so the same key is a new change there
    const all = await api('POST', '/api/v1/parental-controls/pause', { token: f.token, headers: keyed(key), body: { minutes: 30, pin_token: pinToken } });
    expect([all.status, all.headers.get('idempotency-replayed')]).toEqual([200, null]);
    expect(Number(all.headers.get('x-db-ops'))).toBe(plainOps + 4);
  });

  it('while the first request runs, a repeat gets 409 with Retry-After: 1; a first request whose process died leaves nothing behind', async () => {
    const f = await family();
    const key = freshKey();
    const path = `/api/v1/parental-controls/profiles/${f.kidId}/pause`;
    const scope = `user:${f.userId} POST ${path}`;
    // a first request still running holds the key's transaction-scoped lock, as the service takes it
    const first = new pg.Client({ connectionString: databaseUrl() });
    await first.connect();
    try {
      await first.query('begin');
      await first.query(`select pg_advisory_xact_lock(hashtextextended($1 || chr(10) || $2, 0))`, [scope, key]);
      const busy = await api('POST', path, { token: f.token, headers: keyed(key), body: { minutes: 10, pin: PIN } });
      expect([busy.status, busy.body.code, busy.headers.get('retry-after')]).toEqual([409, 'idempotency_in_progress', '1']);
      expect(await count('select count(*)::int as n from family_rule_spans where profile_id = $1', [f.kidId])).toBe(0);
      expect(await keysStored(key)).toBe(0);
    } finally {
      await first.end(); // its process died: the transaction and its lock end with the connection
    }
    const ran = await waitFor(async () => {
      const r = await api('POST', path, { token: f.token, headers: keyed(key), body: { minutes: 10, pin: PIN } });
      return r.status !== 409 && r;
    }, 'the key free once the first request\'s connection is gone');
    expect([ran.status, ran.headers.get('idempotency-replayed')]).toEqual([200, null]);
    expect(await keysStored(key)).toBe(1);
  });

  it('the key and its answer are written in the change\'s own transaction: a change that fails after writing leaves neither', async () => {
    const f = await family();
    const key = freshKey();
    const path = `${settingsPath(f.kidId)}/grant`;
    // the grant's statements all run, then the key cannot be stored (the database refuses it): the grant is rolled back with it
    await db.query(`create or replace function idempotency_refuse_${n}() returns trigger language plpgsql as $$ begin if new.key = '${key}' then raise exception 'refused for the test'; end if; return new; end $$`);
    await db.query(`create trigger idempotency_refuse_${n} before insert on idempotency_keys for each row execute function idempotency_refuse_${n}()`);
    try {
      const r = await api('POST', path, { token: f.token, headers: keyed(key), body: { minutes: 30, pin: PIN } });
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(await grants(f.kidId)).toBe(0);
      expect(await keysStored(key)).toBe(0);
    } finally {
      await db.query(`drop trigger idempotency_refuse_${n} on idempotency_keys`);
      await db.query(`drop function idempotency_refuse_${n}()`);
    }
    const again = await api('POST', path, { token: f.token, headers: keyed(key), body: { minutes: 30, pin: PIN } });
    expect([again.status, again.headers.get('idempotency-replayed')]).toEqual([200, null]);
    expect(await grants(f.kidId)).toBe(1);
  });

  it('a malformed key is a 422 naming the header, and changes nothing', async () => {
    const f = await family();
    for (const key of ['has space', 'x'.repeat(256), 'ümlaut']) {
      const r = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 30, pin: PIN } });
      expect([r.status, r.body.field]).toEqual([422, 'Idempotency-Key']);
    }
    expect(await grants(f.kidId)).toBe(0);
  });

  it('an answer that is not kept (423) gives the key back: the repeat runs again', async () => {
    const f = await family();
    for (let i = 0; i < 5; i++) await api('POST', '/api/v1/parental-controls/pin/verify', { token: f.token, body: { pin: '0000' } });
    const key = freshKey();
    const locked = await api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 30, pin: PIN } });
    expect(locked.status).toBe(423);
    expect(await keysStored(key)).toBe(0);
    // a wrong PIN (403) is an answer like any other: kept and replayed
    const g = await family();
    const wrongKey = freshKey();
    expect((await api('POST', `${settingsPath(g.kidId)}/grant`, { token: g.token, headers: keyed(wrongKey), body: { minutes: 30, pin: '9999' } })).status).toBe(403);
    const replayed = await api('POST', `${settingsPath(g.kidId)}/grant`, { token: g.token, headers: keyed(wrongKey), body: { minutes: 30, pin: PIN } });
    expect([replayed.status, replayed.headers.get('idempotency-replayed')]).toEqual([403, 'true']);
    expect(await grants(g.kidId)).toBe(0);
  });

  it('keys are kept 24 hours: then the retention job deletes them, and the same key is a new change', async () => {
    const f = await family();
    const key = freshKey();
    const grant = () => api('POST', `${settingsPath(f.kidId)}/grant`, { token: f.token, headers: keyed(key), body: { minutes: 15, pin: PIN } });
    expect((await grant()).status).toBe(200);
    clock.advance(24 * 3600 + 60);
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
    try {
      await runRetention(pool, { now: new Date(clock.t), sessionsDays: 400, balancesDays: 400, grantsDays: 400, batchSize: 100 });
    } finally {
      await pool.end();
    }
    expect(await keysStored(key)).toBe(0);
    const later = await grant();
    expect([later.status, later.headers.get('idempotency-replayed')]).toEqual([200, null]);
  });
});
