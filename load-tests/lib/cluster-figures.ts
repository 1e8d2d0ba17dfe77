// The service's own cluster-wide heartbeat figures, read where every process publishes them (the
// metrics_snapshots table behind /api/v1/admin/metrics): statements sent for heartbeats and how
// many beats each carried, so a run reports round trips per heartbeat as the service counts them.
import pg from 'pg';

/** breaks: breaks begun by heartbeats (family_rules.breaks_started; 0 from a service without family rules). */
export interface HeartbeatFigures { beats: number; statements: number; bySize: number[]; breaks: number }

const FRESH = `select snapshot->'heartbeat' as h, snapshot->'familyRules' as fr from metrics_snapshots where updated_at > now() - interval '10 seconds'`;

export async function heartbeatFigures(databaseUrl: string): Promise<HeartbeatFigures> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const out: HeartbeatFigures = { beats: 0, statements: 0, bySize: [], breaks: 0 };
    for (const { h, fr } of (await c.query(FRESH)).rows) {
      out.breaks += fr?.breaksStarted ?? 0;
      out.beats += h.count ?? 0;
      out.statements += h.statements ?? 0;
      (h.bySize ?? []).forEach((n: number, size: number) => { out.bySize[size] = (out.bySize[size] ?? 0) + (n ?? 0); });
    }
    return out;
  } finally {
    await c.end();
  }
}

/**
 * What happened between two readings: round trips per heartbeat and the heartbeats-per-statement
 * spread, in ranges for the eye and exactly (bySize[k]: statements that carried k beats) for the
 * floor, which sends statements of those sizes.
 */
export function between(a: HeartbeatFigures, b: HeartbeatFigures) {
  const beats = b.beats - a.beats;
  const statements = b.statements - a.statements;
  const bySize = b.bySize.map((n, size) => (n ?? 0) - (a.bySize[size] ?? 0));
  const ranges: Record<string, number> = {};
  bySize.forEach((n, size) => {
    if (n <= 0) return;
    const lo = 2 ** Math.floor(Math.log2(size));
    const key = lo === 1 ? '1' : `${lo}-${2 * lo - 1}`;
    ranges[key] = (ranges[key] ?? 0) + n;
  });
  return { beats, statements, breaks: b.breaks - a.breaks, roundTripsPerHeartbeat: beats ? statements / beats : 0, meanBatch: statements ? beats / statements : 0, statementsBySize: ranges, bySize };
}
