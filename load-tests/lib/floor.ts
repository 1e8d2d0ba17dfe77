// The floor: the least PostgreSQL can spend on a steady beat. Right after the service's run, at
// its rate, in statements of the sizes its run recorded and on as many connections as it has
// group-commit lanes, the smallest batched write of the rows a steady beat writes: one
// UPDATE ... FROM unnest(...) RETURNING of the viewer's balance row for today (and, with two rows,
// of its open session too, in the same statement), by primary key, with nothing read first.
// Self-contained SQL on the service's own rows, never the service's statement builders: it is a
// yardstick for them. PostgreSQL CPU per beat of the service over this is what an engine could
// still save on the database.
import pg from 'pg';
import type { Metrics } from './metrics.ts';

export type FloorRows = 1 | 2;

/**
 * Rows a steady beat writes: round 2's engine writes two (its session and its day's balance).
 * When the engine writes one, this becomes 1; --floor-rows overrides it for one run.
 */
export const FLOOR_ROWS_DEFAULT: FloorRows = 2;

// $1 balance ids, $2 seconds credited, $3 the beats' instants (one per beat); $4 session ids
const ONE_ROW = `update viewing_time_balances b set used_seconds = b.used_seconds + u.credit, updated_at = u.at
  from unnest($1::uuid[], $2::int[], $3::timestamptz[]) as u(id, credit, at)
  where b.id = u.id
  returning b.id, b.used_seconds`;

const TWO_ROWS = `with s as (
    update viewing_sessions v set last_heartbeat_at = u.at, total_seconds = v.total_seconds + u.credit
      from unnest($4::uuid[], $2::int[], $3::timestamptz[]) as u(id, credit, at)
     where v.id = u.id
    returning v.id)
  update viewing_time_balances b set used_seconds = b.used_seconds + u.credit, updated_at = u.at
    from unnest($1::uuid[], $2::int[], $3::timestamptz[]) as u(id, credit, at)
   where b.id = u.id
  returning b.id, b.used_seconds, (select count(*) from s)::int as sessions`;

// the rows the service's run left: each viewer's balance for today and its open session
const ROWS = `select b.id as balance, s.id as session
  from unnest($1::uuid[]) with ordinality as p(id, n)
  left join viewing_time_balances b on b.profile_id = p.id and b.day_start <= now() and b.day_end > now()
  left join viewing_sessions s on s.profile_id = p.id and s.ended_at is null
  order by p.n`;

export interface FloorStatement {
  name: string;
  text: string;
  values: unknown[];
}

/** The statement for these rows (sorted by balance id: concurrent statements lock in one order). */
export function floorStatement(rows: FloorRows, targets: { balance: string; session: string }[], creditSeconds: number, at: Date): FloorStatement {
  const t = [...targets].sort((a, b) => (a.balance < b.balance ? -1 : a.balance > b.balance ? 1 : 0));
  const values: unknown[] = [t.map((x) => x.balance), t.map(() => creditSeconds), t.map(() => at)];
  if (rows === 2) values.push(t.map((x) => x.session));
  return rows === 1 ? { name: 'floor_one_row', text: ONE_ROW, values } : { name: 'floor_two_rows', text: TWO_ROWS, values };
}

export interface Floor {
  rows: FloorRows;
  /** Viewers with the rows the floor writes (all of them, after a healthy service run). */
  viewers: number;
  send(viewers: number[], metrics: Metrics): Promise<void>;
  close(): Promise<void>;
}

/** Reads the seeded viewers' rows and opens one connection per lane. */
export async function openFloor(o: { databaseUrl: string; profileIds: string[]; rows: FloorRows; lanes: number; creditSeconds: number; log: (m: string) => void }): Promise<Floor> {
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: o.lanes });
  try {
    const found = (await pool.query<{ balance: string | null; session: string | null }>(ROWS, [o.profileIds])).rows;
    const targets = found.filter((r) => r.balance && (o.rows === 1 || r.session)) as { balance: string; session: string }[];
    o.log(`floor: ${targets.length} of ${o.profileIds.length} viewers have today's balance row${o.rows === 2 ? ' and an open session' : ''}; ` +
      `${o.rows} row${o.rows === 2 ? 's' : ''} per beat, ${o.lanes} connection${o.lanes === 1 ? '' : 's'}`);
    if (!targets.length) throw new Error('the floor found no rows to update: the service run left no balance rows for today (did it run, and did its beats succeed?)');
    return {
      rows: o.rows, viewers: targets.length,
      send: async (viewers, metrics) => {
        const res = await pool.query<{ sessions?: number }>(floorStatement(o.rows, viewers.map((i) => targets[i]), o.creditSeconds, new Date()));
        metrics.check('floor writes every row', res.rowCount === viewers.length && (o.rows === 1 || res.rows[0]?.sessions === viewers.length));
      },
      close: () => pool.end(),
    };
  } catch (e) {
    await pool.end();
    throw e;
  }
}
