// Seeds households, kids profiles, configs, titles (and report/history data) for one run, and mints
// their access tokens locally with the service's own JWT settings (no HTTP registrations, no bcrypt per user).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcrypt';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.ts';
import { TokenService } from '../../src/domain/accounts/tokens.ts';
import type { ScenarioFile, Scenario } from './scenarios.ts';
import * as sql from './seed-sql.ts';

export interface Household {
  userId: string;
  token: string;
  kids: string[];
}

export interface Viewer {
  profileId: string;
  household: number;
  timezone: string;
  titleId: string;
  deviceId: string;
  deviceType: string;
}

/** Everything a run (or a k6 script, through --seed-only) needs to act as the seeded users. */
export interface Fixture {
  createdAt: string;
  pin: string;
  titles: { id: string; educational: boolean }[];
  households: Household[];
  viewers: Viewer[];
  reportHouseholds: Household[];
  historyProfiles: { profileId: string; token: string }[];
  /** Emails of the viewer households' accounts (the failed-login storm's known accounts). */
  loginEmails: string[];
}

const DEVICE_TYPES = ['tv', 'tablet', 'mobile', 'web'];

/** `env`: the service's settings (its JWT secret signs the tokens; its bcrypt cost hashes the passwords). */
export async function seed(databaseUrl: string, f: ScenarioFile, s: Pick<Scenario, 'seed' | 'breakShare'>, viewerCount: number, log: (m: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<Fixture> {
  const started = performance.now();
  const v = f.viewers;
  const config = loadConfig(env);
  // one password hash for every account, at the service's cost, so a wrong password costs what it costs in production
  const [passwordHash, pinHash] = await Promise.all([bcrypt.hash(randomBytes(12).toString('hex'), config.BCRYPT_COST), bcrypt.hash(v.pin, 12)]);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    for (const q of sql.CLEANUP) await client.query(q);
    const titles = (await client.query(sql.TITLES, [v.titles, v.educationalEvery])).rows.map((r) => ({ id: r.id as string, educational: r.is_educational as boolean }));
    const households = Math.ceil(viewerCount / v.kidsPerHousehold);
    const group = (prefix: string, n: number, kids: number) => createHouseholds(client, { prefix, n, kids, passwordHash, pinHash, timezones: v.timezones });
    const viewerRows = (await group('v-', households, v.kidsPerHousehold)).slice(0, viewerCount);
    const breaking = s.breakShare ? (await client.query(sql.BREAKS, ['v-', Math.round(1 / s.breakShare)])).rowCount ?? 0 : 0;
    let reportRows: Row[] = [];
    let historyRows: Row[] = [];
    if (s.seed) {
      reportRows = await group('r-', s.seed.reportHouseholds, s.seed.kidsPerReportHousehold);
      await client.query(sql.HISTORY, ['r-', s.seed.sessionsPerKidDay * 7, Math.floor(86_400 / s.seed.sessionsPerKidDay), v.titles]);
      historyRows = await group('h-', 1, s.seed.historyProfiles);
      await client.query(sql.HISTORY, ['h-', s.seed.sessionsPerHistoryProfile, Math.floor((365 * 86_400) / s.seed.sessionsPerHistoryProfile), v.titles]);
      for (const p of ['r-', 'h-']) await client.query(sql.BALANCES, [p]);
      await client.query(sql.GRANTS, ['r-']);
    }
    await client.query('commit');
    // fresh statistics, so the planner sees the real table sizes (index scans for history)
    await client.query(sql.ANALYZE);
    const loginEmails = (await client.query<{ email: string }>(sql.EMAILS, ['v-'])).rows.map((r) => r.email);
    const fixture = { ...(await mint(config, f, titles, viewerRows, reportRows, historyRows)), loginEmails };
    log(`seeded ${fixture.households.length} households / ${fixture.viewers.length} viewers${breaking ? ` (${breaking} kids start a break during the run)` : ''}${s.seed ? `, ${reportRows.length} report kids, ${historyRows.length} history profiles` : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return fixture;
  } catch (e) {
    await client.query('rollback').catch(() => {});
    throw e;
  } finally {
    await client.end();
  }
}

interface Row {
  user_id: string;
  timezone: string;
  profile_id: string;
}

async function createHouseholds(c: pg.Client, o: { prefix: string; n: number; kids: number; passwordHash: string; pinHash: string; timezones: string[] }): Promise<Row[]> {
  await c.query(sql.USERS, [o.prefix, o.n, o.passwordHash, o.timezones, o.pinHash]);
  await c.query(sql.KIDS, [o.prefix, o.kids]);
  return (await c.query<Row>(sql.READ_BACK, [o.prefix])).rows;
}

/** Groups rows by household and signs one household token each, as the service does (its lifetime from scenarios.json). */
async function households(rows: Row[], tokens: TokenService): Promise<{ list: Household[]; index: Map<string, number> }> {
  const index = new Map<string, number>();
  const list: Household[] = [];
  for (const r of rows) {
    if (!index.has(r.user_id)) { index.set(r.user_id, list.length); list.push({ userId: r.user_id, token: '', kids: [] }); }
    list[index.get(r.user_id)!].kids.push(r.profile_id);
  }
  for (let i = 0; i < list.length; i += 500) {
    await Promise.all(list.slice(i, i + 500).map(async (h) => { h.token = await tokens.accessToken({ userId: h.userId, scope: 'household' }); }));
  }
  return { list, index };
}

async function mint(c: Config, f: ScenarioFile, titles: Fixture['titles'], viewerRows: Row[], reportRows: Row[], historyRows: Row[]): Promise<Omit<Fixture, 'loginEmails'>> {
  const tokens = new TokenService({ secret: c.JWT_SECRET, issuer: c.JWT_ISSUER, audience: c.JWT_AUDIENCE, accessTtlSeconds: f.viewers.tokenTtlSeconds, deviceTtlSeconds: f.viewers.tokenTtlSeconds });
  const v = await households(viewerRows, tokens);
  const viewers = viewerRows.map((r, i) => ({
    profileId: r.profile_id, household: v.index.get(r.user_id)!, timezone: r.timezone,
    titleId: titles[i % titles.length].id, deviceId: `load-device-${i}`, deviceType: DEVICE_TYPES[i % DEVICE_TYPES.length],
  }));
  const reports = await households(reportRows, tokens);
  const history = await households(historyRows, tokens);
  const historyProfiles = history.list.flatMap((h) => h.kids.map((profileId) => ({ profileId, token: h.token })));
  return { createdAt: new Date().toISOString(), pin: f.viewers.pin, titles, households: v.list, viewers, reportHouseholds: reports.list, historyProfiles };
}

/**
 * Statistics again once the viewers' sessions and day rows exist (they are made after seeding, by
 * the service): a running service's database is analyzed by autovacuum within its naptime, a
 * minute, so a run of a minute would otherwise measure plans made for empty tables.
 */
export async function analyzeStarted(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('analyze viewing_sessions, viewing_time_balances');
  } finally {
    await client.end();
  }
}
