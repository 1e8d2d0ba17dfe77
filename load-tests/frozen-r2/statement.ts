// FROZEN: the round-2 heartbeat statements and their parameters, copied from
// src/domain/viewing-time/viewing-time-repository.ts (heartbeatQuery, heartbeatsQuery,
// batchStatement, dayParams, allowedLiteral and their types) on main at 223ab76. The only change:
// the functions are called as vt_r2.*, the frozen copies. Nothing here may import the service:
// a cheaper engine must not change its own yardstick (see README.md).

/** An allowed-hours interval, as the service's time rules produce it. */
export interface Interval {
  start: Date;
  end: Date;
}

/** A viewing day as the time rules computed it from settings version configVersion. */
export interface DayFacts {
  date: string;
  start: Date;
  end: Date;
  limitMinutes: number | null;
  educationalExempt: boolean;
  configVersion: number;
  /** The day's allowed intervals: null any time, [] none. */
  allowed: Interval[] | null;
  educationalIgnoresHours: boolean;
}

export interface BeatInput {
  userId: string;
  profileId: string;
  sessionId: string | null;
  titleId: string;
  deviceId: string;
  deviceType: string;
  paused: boolean;
  seq: number | null;
  now: Date;
  /** The day containing `now`, when the caller could compute it: used only to create its balance row. */
  day: DayFacts | null;
}

/** What the baseline reads of a row (the functions return more columns). */
export interface BeatRow {
  outcome: string;
  session_id: string | null;
  day_end: Date | null;
}

export type Query = { name: string; text: string; values: unknown[] };

/** A day's allowed intervals as PostgreSQL reads them (tstzmultirange); null: any time. */
export function allowedLiteral(allowed: Interval[] | null): string | null {
  if (allowed === null) return null;
  return `{${allowed.map((i) => `[${i.start.toISOString()},${i.end.toISOString()})`).join(',')}}`;
}

const HEARTBEAT = `select * from vt_r2.vt_heartbeat(p_user => $1, p_profile => $2, p_session => $3, p_title => $4, p_device_id => $5,
  p_device_type => $6, p_paused => $7, p_seq => $8, p_now => $9, p_day_date => $10, p_day_start => $11, p_day_end => $12,
  p_day_limit => $13, p_day_exempt => $14, p_config_version => $15, p_day_allowed => $16, p_day_ignores => $17)`;

/** A day's facts as statement parameters, in the order of the day_* arguments above. */
export const dayParams = (d: DayFacts | null) => [
  d?.date ?? null, d?.start ?? null, d?.end ?? null, d?.limitMinutes ?? null, d?.educationalExempt ?? null, d?.configVersion ?? null,
  d ? allowedLiteral(d.allowed) : null, d?.educationalIgnoresHours ?? null,
];

/** The round-2 single-beat statement, as the service sent it (a named prepared statement). */
export function heartbeatQuery(b: BeatInput): Query {
  return { name: 'vt_r2_heartbeat', text: HEARTBEAT, values: [b.userId, b.profileId, b.sessionId, b.titleId, b.deviceId, b.deviceType, b.paused, b.seq, b.now, ...dayParams(b.day)] };
}

const HEARTBEATS = `select * from vt_r2.vt_heartbeats(p_user => $1::uuid[], p_profile => $2::uuid[], p_session => $3::uuid[],
  p_title => $4::uuid[], p_device_id => $5::text[], p_device_type => $6::text[], p_paused => $7::boolean[], p_seq => $8::bigint[],
  p_now => $9::timestamptz[], p_day_date => $10::date[], p_day_start => $11::timestamptz[], p_day_end => $12::timestamptz[],
  p_day_limit => $13::integer[], p_day_exempt => $14::boolean[], p_config_version => $15::integer[], p_day_allowed => $16::text[],
  p_day_ignores => $17::boolean[])`;

/** Several beats as one statement (group commit): one array per parameter, answered row `ord` per beat. */
export function heartbeatsQuery(beats: BeatInput[]): Query {
  const columns = heartbeatQuery(beats[0]).values.map(() => [] as unknown[]);
  for (const b of beats) heartbeatQuery(b).values.forEach((v, i) => columns[i].push(v));
  return { name: 'vt_r2_heartbeats', text: HEARTBEATS, values: columns };
}

/**
 * The statement for one group-commit batch (one beat alone: vt_heartbeat), and how its rows answer
 * the beats. Beats go sorted by profile, each profile's in arrival order, so that concurrent
 * batches of several processes lock rows in the same order; answers come in the caller's order.
 */
export function batchStatement(beats: BeatInput[]): { query: Query; answer(rows: BeatRow[]): BeatRow[] } {
  if (beats.length === 1) return { query: heartbeatQuery(beats[0]), answer: (rows) => rows };
  const order = beats.map((_, i) => i).sort((a, b) => (beats[a].profileId < beats[b].profileId ? -1 : beats[a].profileId > beats[b].profileId ? 1 : a - b));
  return {
    query: heartbeatsQuery(order.map((i) => beats[i])),
    answer: (rows) => {
      const out: BeatRow[] = new Array(beats.length);
      for (const r of rows as (BeatRow & { ord: number })[]) out[order[r.ord - 1]] = r;
      return out;
    },
  };
}
