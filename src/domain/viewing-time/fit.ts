// "Will it fit?" (SPEC §3a, fit's table): whether a title, from a position, can be watched to its
// end before anything stops it, from today's balance read at `now`. Pure.
import { whereIs } from './allowed-hours.ts';
import { breakLeft, budgetLeft, inBreak, weekLeft, type Balance } from './model.ts';

export type Limit = 'pause' | 'window' | 'break' | 'week' | 'budget';
/** The order in which limits are named: what blocks first, and which wins a tie. */
const ORDER: readonly Limit[] = ['pause', 'window', 'break', 'week', 'budget'];

export interface Fit {
  fits: 'yes' | 'partly' | 'no';
  /** Seconds available before the first limit stops it (null: none applies). */
  availableSeconds: number | null;
  /** Seconds of the title left from the position (null: its length is unknown). */
  neededSeconds: number | null;
  limitedBy: Limit | null;
  finishGrace: boolean;
}

export interface FitInput {
  /** Today's balance; null for an adult profile. */
  day: Balance | null;
  /** A parent's pause in force. */
  paused: boolean;
  /** The graces the day has used: the budget's, and the window ends whose grace ran. */
  graceBudgetUsed: boolean;
  graceWindowEnds: Date[];
  title: { durationMinutes: number | null; educational: boolean };
  positionSeconds: number;
}

/** What is left of a title at a position (a position past the end counts as the end): the same rule as SQL's vt_rest. */
export const restOf = (durationMinutes: number | null, position: number): number | null =>
  (durationMinutes === null ? null : durationMinutes * 60 - Math.min(position, durationMinutes * 60));

export function fit(f: FitInput, now: Date): Fit {
  const needed = restOf(f.title.durationMinutes, f.positionSeconds);
  const b = f.day;
  if (!b) return { fits: 'yes', availableSeconds: null, neededSeconds: needed, limitedBy: null, finishGrace: false };
  // exempt educational titles ignore the budget, the week and breaks; windows apply unless they are ignored for it
  const exempt = f.title.educational && b.educationalExempt;
  const where = whereIs(now, exempt && b.educationalIgnoresHours ? null : b.allowed);
  const day = exempt || b.unlimited ? null : budgetLeft({ ...b, weeklyLimitMinutes: null });
  const week = exempt || b.unlimited ? null : weekLeft(b);
  const blocked: Record<Limit, boolean> = {
    pause: f.paused, window: !where.inside, break: !exempt && inBreak(b, now), week: week === 0, budget: day === 0,
  };
  const blocking = ORDER.find((l) => blocked[l]);
  if (blocking) return { fits: 'no', availableSeconds: 0, neededSeconds: needed, limitedBy: blocking, finishGrace: false };
  const left: Record<Limit, number | null> = {
    pause: null, window: where.windowEnd ? Math.floor((where.windowEnd.getTime() - now.getTime()) / 1000) : null,
    break: exempt ? null : breakLeft(b, now), week, budget: day,
  };
  const known = ORDER.filter((l) => left[l] !== null);
  if (known.length === 0) return { fits: 'yes', availableSeconds: null, neededSeconds: needed, limitedBy: null, finishGrace: false };
  const available = Math.min(...known.map((l) => left[l]!));
  if (needed !== null && available >= needed) return { fits: 'yes', availableSeconds: available, neededSeconds: needed, limitedBy: null, finishGrace: false };
  const limit = known.find((l) => left[l] === available)!;
  const graceUnused = limit === 'window' ? !f.graceWindowEnds.some((e) => e.getTime() === where.windowEnd!.getTime()) : !f.graceBudgetUsed;
  if (needed !== null && ['budget', 'week', 'window'].includes(limit) && needed - available <= b.finishGraceMinutes * 60 && graceUnused) {
    return { fits: 'yes', availableSeconds: available, neededSeconds: needed, limitedBy: limit, finishGrace: true };
  }
  return { fits: 'partly', availableSeconds: available, neededSeconds: needed, limitedBy: limit, finishGrace: false };
}
