// The yardsticks' pure parts: the batch sizes the floor and the batched baseline send (as the
// service's run recorded them), and the floor's statement.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { batchPlan, meanSize } from '../../load-tests/lib/batches.ts';
import { FLOOR_ROWS_DEFAULT, floorStatement } from '../../load-tests/lib/floor.ts';

const root = path.resolve(import.meta.dirname, '../..');
const read = (f: string) => readFileSync(f, 'utf8');

describe('batch sizes as the service recorded them', () => {
  it('sends every recorded statement size once per cycle, in a fixed shuffled order', () => {
    const bySize = [0, 5, 0, 3, 0, 0, 0, 0, 2]; // 5 lone beats, 3 statements of 3, 2 of 8
    const p = batchPlan(bySize, 2);
    expect([...p.sizes].sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 1, 3, 3, 3, 8, 8]);
    expect(meanSize(p)).toBeCloseTo(30 / 10);
    expect(batchPlan(bySize, 2).sizes).toEqual(p.sizes); // same seed, same order: runs compare
    expect(p.lanes).toBe(2);
  });

  it('refuses a run that recorded no statement', () => {
    expect(() => batchPlan([], 2)).toThrow(/no heartbeat statements/);
  });
});

describe('the floor', () => {
  const targets = [{ balance: 'b2', session: 's2' }, { balance: 'b1', session: 's1' }];
  const at = new Date('2026-12-06T12:00:00Z');

  it('writes two rows per beat by default (round 2 writes the session and the day balance)', () => {
    expect(FLOOR_ROWS_DEFAULT).toBe(2);
  });

  it('one row: a single UPDATE ... FROM unnest(...) RETURNING of the balances, by primary key, sorted', () => {
    const s = floorStatement(1, targets, 3, at);
    expect(s.text).toMatch(/^update viewing_time_balances b set .* from unnest\(\$1::uuid\[\], \$2::int\[\], \$3::timestamptz\[\]\) .* returning/s);
    expect(s.text).not.toMatch(/viewing_sessions/);
    expect(s.values).toEqual([['b1', 'b2'], [3, 3], [at, at]]);
  });

  it('two rows: the sessions too, in the same statement, in the same order', () => {
    const s = floorStatement(2, targets, 3, at);
    expect(s.text).toMatch(/with s as \(\s*update viewing_sessions/);
    expect(s.values).toEqual([['b1', 'b2'], [3, 3], [at, at], ['s1', 's2']]);
  });

  it('is self-contained: the floor and the batch driver import nothing of the service', () => {
    for (const f of ['floor.ts', 'batches.ts']) expect([f, read(path.join(root, 'load-tests/lib', f)).match(/from '[^']*\/src\/[^']*'/g) ?? []]).toEqual([f, []]);
  });
});
