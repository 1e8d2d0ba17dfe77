import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createOrm, type MikroORM } from '../../src/ops/orm.ts';
import { databaseUrl } from '../harness.ts';

let orm: MikroORM;
let db: pg.Client;
let profileId: string;

beforeAll(async () => {
  orm = await createOrm({ url: databaseUrl(), poolMin: 0, poolMax: 2 });
  db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  const userId = randomUUID();
  profileId = randomUUID();
  await db.query(`insert into users (id, email, password_hash, created_at) values ($1, $2, 'x', now())`, [userId, `schema-${userId}@test.example`]);
  await db.query(`insert into profiles (id, user_id, name, is_kids, parental_rating, created_at) values ($1, $2, 'Kid', true, 'PG', now())`, [profileId, userId]);
});
afterAll(async () => {
  await db.end();
  await orm.close();
});

const insertConfig = (monday: number | null, resetHour: number, breakRule: [number | null, number | null] = [null, null]) => db.query(
  `insert into viewing_time_configs (id, profile_id, monday_limit_minutes, saturday_limit_minutes, reset_hour, educational_exempt, timezone, updated_at,
     break_after_minutes, break_minutes)
   values ($1, $2, $3, 180, $4, true, 'UTC', now(), $5, $6)`, [randomUUID(), profileId, monday, resetHour, ...breakRule]);

const insertSession = () => db.query(
  `insert into viewing_sessions (id, profile_id, device_id, device_type, is_educational, started_at, last_heartbeat_at)
   values ($1, $2, 'tv-1', 'tv', false, now(), now())`, [randomUUID(), profileId]);

describe('the schema', () => {
  it('matches what the entities describe (MikroORM migration check is clean)', async () => {
    expect(await orm.migrator.checkSchema()).toBe(false);
    expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  });

  it('rejects a limit of 17 and a reset hour of 24 in the database itself', async () => {
    await expect(insertConfig(17, 6)).rejects.toThrow(/vtc_monday_limit_check/);
    await expect(insertConfig(120, 24)).rejects.toThrow(/vtc_reset_hour_check/);
    await expect(insertConfig(495, 6)).rejects.toThrow(/vtc_monday_limit_check/);
  });

  it('rejects a break rule off its grid, or half of one', async () => {
    for (const rule of [[10, 5], [45, 7], [195, 10], [45, 65], [45, null], [null, 10]] as const) {
      await expect(insertConfig(120, 6, [...rule])).rejects.toThrow(/vtc_break_rule_check/);
    }
    await expect(insertConfig(120, 6, [45, 10])).resolves.toMatchObject({ rowCount: 1 });
    await db.query('delete from viewing_time_configs where profile_id = $1', [profileId]);
  });

  it('keeps one open pause per profile, and spans that end after they start', async () => {
    const span = (kind: string, started: string, ends: string | null) => db.query(
      `insert into family_rule_spans (id, profile_id, kind, started_at, ends_at) values ($1, $2, $3, $4, $5)`, [randomUUID(), profileId, kind, started, ends]);
    await span('pause', '2026-12-01T10:00:00Z', null);
    await expect(span('pause', '2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z')).rejects.toThrow(/frs_one_active_pause/);
    await span('break', '2026-12-01T11:00:00Z', '2026-12-01T11:10:00Z'); // breaks are not pauses
    await expect(span('break', '2026-12-01T11:00:00Z', '2026-12-01T11:00:00Z')).rejects.toThrow(/frs_span_check/);
    await expect(span('nap', '2026-12-01T11:00:00Z', null)).rejects.toThrow(/frs_kind_check/);
    await db.query('delete from family_rule_spans where profile_id = $1', [profileId]);
  });

  it('accepts null (unlimited) and valid limits', async () => {
    for (const [limit, resetHour] of [[null, 0], [15, 23], [480, 6]] as const) {
      await expect(insertConfig(limit, resetHour)).resolves.toMatchObject({ rowCount: 1 });
      const { rows } = await db.query('select monday_limit_minutes, reset_hour from viewing_time_configs where profile_id = $1', [profileId]);
      expect(rows).toEqual([{ monday_limit_minutes: limit, reset_hour: resetHour }]);
      await db.query('delete from viewing_time_configs where profile_id = $1', [profileId]);
    }
  });

  it('rejects a second active session for one profile', async () => {
    await insertSession();
    await expect(insertSession()).rejects.toThrow(/viewing_sessions_one_active_unique/);
    await db.query(`update viewing_sessions set ended_at = now(), end_reason = 'ended' where profile_id = $1`, [profileId]);
    await insertSession(); // once the first is ended, a new one may start
  });

  it('keeps history when a title is deleted', async () => {
    const titleId = randomUUID();
    await db.query(`insert into titles (id, title, duration_minutes, age_rating, created_at) values ($1, 'Gone', 10, 'G', now())`, [titleId]);
    await db.query(`update viewing_sessions set title_id = $1 where profile_id = $2`, [titleId, profileId]);
    await db.query('delete from titles where id = $1', [titleId]);
    const { rows } = await db.query('select title_id from viewing_sessions where profile_id = $1', [profileId]);
    expect(rows.length).toBe(2);
    expect(rows.every((r) => r.title_id === null)).toBe(true);
  });

  it('has the history index on (profile_id, started_at desc)', async () => {
    const { rows } = await db.query(`select indexdef from pg_indexes where indexname = 'viewing_sessions_profile_started_idx'`);
    expect(rows[0].indexdef).toMatch(/\(profile_id, started_at DESC\)/);
  });
});
