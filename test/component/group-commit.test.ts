// Group commit of heartbeats against the real statement: what a batch shares and what it must not.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { GroupCommit } from '../../src/db/group-commit.ts';
import { isDatabaseUnavailable } from '../../src/db/db-errors.ts';
import { createOrm, type MikroORM } from '../../src/ops/orm.ts';
import { countDbOps } from '../../src/db/query-counter.ts';
import { heartbeats, type BeatInput, type BeatRow } from '../../src/domain/viewing-time/viewing-time-repository.ts';
import { databaseUrl } from '../harness.ts';

let orm: MikroORM;
let db: pg.Client;
let titleId: string;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const day = { day: { date: '2026-11-25', start: new Date('2026-11-25T05:00:00Z'), end: new Date('2026-11-26T05:00:00Z'), limitMinutes: 120, breakRule: null, educationalExempt: true, allowed: null, educationalIgnoresHours: false, weeklyLimitMinutes: null, weekEnd: new Date('2026-11-30T05:00:00Z'), bankCapMinutes: null, finishGraceMinutes: 0 }, version: 1 };

beforeAll(async () => {
  orm = await createOrm({ url: databaseUrl(), poolMin: 0, poolMax: 4 });
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  titleId = randomUUID();
  await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Batch Mates', 20, 'G', now())`, [titleId]);
});
afterAll(async () => {
  await db.end();
  await orm.close();
});

/** A household with n kids profiles (configs version 1), straight into the database. */
async function kids(n: number): Promise<{ userId: string; profiles: string[] }> {
  const userId = randomUUID();
  await db.query(`insert into users (id, email, password_hash, created_at) values ($1, $2, 'x', now())`, [userId, `gc-${userId}@test.example`]);
  const profiles: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    await db.query(`insert into profiles (id, user_id, name, is_kids, parental_rating, created_at) values ($1, $2, 'Kid', true, 'PG', now())`, [id, userId]);
    await db.query(`insert into viewing_time_configs (id, profile_id, monday_limit_minutes, tuesday_limit_minutes, wednesday_limit_minutes, thursday_limit_minutes, friday_limit_minutes, saturday_limit_minutes, sunday_limit_minutes, reset_hour, educational_exempt, timezone, updated_at)
      values ($1, $2, 120, 120, 120, 120, 120, 180, 180, 6, true, 'Europe/Berlin', now())`, [randomUUID(), id]);
    profiles.push(id);
  }
  return { userId, profiles };
}

const beat = (userId: string, profileId: string, o: Partial<BeatInput> = {}): BeatInput => ({
  userId, profileId, sessionId: null, titleId, deviceId: 'tv', deviceType: 'tv', paused: false, seq: 1, position: null, now: new Date(NOW), day, ...o,
});

function commit() {
  const sizes: number[] = [];
  const gc = new GroupCommit<BeatInput, BeatRow>({
    maxBatch: 64, text: 'vt_heartbeats', isFatal: isDatabaseUnavailable,
    run: (items) => heartbeats(orm.em, items), onStatement: (n) => sizes.push(n),
  });
  return { gc, sizes };
}

describe('group commit', () => {
  it('a lone beat goes at once, on its own', async () => {
    const h = await kids(1);
    const { gc, sizes } = commit();
    const t0 = performance.now();
    expect((await gc.submit(beat(h.userId, h.profiles[0]))).outcome).toBe('started');
    expect(sizes).toEqual([1]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('beats arriving while a statement is in flight share the next one; each is charged one round trip', async () => {
    const h = await kids(6);
    const { gc, sizes } = commit();
    const scopes = h.profiles.map((p) => countDbOps(() => gc.submit(beat(h.userId, p))));
    const rows = await Promise.all(scopes.map((s) => s.result));
    expect(rows.map((r) => r.outcome)).toEqual(Array(6).fill('started'));
    expect(sizes).toEqual([1, 5]);
    expect(scopes.map((s) => s.ops.count)).toEqual(Array(6).fill(1));
    expect(rows.map((r) => r.session_id)).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('a failing beat inside a batch leaves its batch-mates answered and committed', async () => {
    const h = await kids(4);
    const { gc, sizes } = commit();
    const first = gc.submit(beat(h.userId, h.profiles[0]));
    // a device type the table refuses (the HTTP schema would have refused it first): its batch's statement fails
    const batch = [
      gc.submit(beat(h.userId, h.profiles[1])),
      gc.submit(beat(h.userId, h.profiles[2], { deviceType: 'fridge' })),
      gc.submit(beat(h.userId, h.profiles[3])),
    ];
    await first;
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/vs_device_type_check/);
    expect(sizes).toEqual([1, 3, 1, 1, 1]); // the batch, then each of its beats on its own
    const { rows } = await db.query('select profile_id from viewing_sessions where profile_id = any($1) and ended_at is null', [h.profiles]);
    expect(rows.map((r) => r.profile_id).sort()).toEqual([h.profiles[0], h.profiles[1], h.profiles[3]].sort());
  });

  it('beats of one session keep their seq order within a batch, and a repeated seq is a retry', async () => {
    const h = await kids(1);
    const other = await kids(1);
    const { gc, sizes } = commit();
    const start = await gc.submit(beat(h.userId, h.profiles[0]));
    const s = (seq: number, at: number) => beat(h.userId, h.profiles[0], { sessionId: start.session_id, seq, now: new Date(NOW + at * 1000) });
    const occupy = gc.submit(beat(other.userId, other.profiles[0])); // in flight while the next four queue
    const rows = await Promise.all([s(2, 30), s(3, 60), s(3, 60), s(4, 90)].map((b) => gc.submit(b)));
    await occupy;
    expect(sizes.slice(-1)).toEqual([4]);
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'ok', 'retry', 'ok']);
    expect(rows.map((r) => r.used_seconds)).toEqual([30, 60, 60, 90]);
    const { rows: [session] } = await db.query('select last_seq, total_seconds from viewing_sessions where id = $1', [start.session_id]);
    expect([Number(session.last_seq), session.total_seconds]).toEqual([4, 90]);
  });
});
