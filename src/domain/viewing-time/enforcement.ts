// What the player is told (SPEC §3 "Enforcement status"): the old app's four values, the reason and
// when the answer next changes by itself. Pure functions of a day's figures; the figures
// themselves (credit, clamp, budget remaining) come from the heartbeat statement, the allowed
// intervals from the day's row.
import { whereIs, type Interval } from './allowed-hours.ts';

export const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked'] as const;
export type Enforcement = (typeof ENFORCEMENT)[number];

/** In order of precedence: the first that applies is the reason. */
export const REASONS = [
  'adult_profile', 'superseded', 'outside_allowed_hours', 'educational', 'unlimited_today', 'no_limit', 'daily_limit_reached', 'within_limit',
] as const;
export type Reason = (typeof REASONS)[number];


export interface DayFigures {
  kids: boolean;
  limitMinutes: number | null;
  unlimitedOverride: boolean;
  /** Budget left in seconds (vt_remaining); null when unlimited. */
  remainingSeconds: number | null;
  /** End of the viewing day (the next reset); null for adult profiles. */
  dayEnd: Date | null;
  /** The day's allowed intervals when they apply to this answer; null: any time. */
  allowed: Interval[] | null;
}

export interface Verdict {
  enforcement: Enforcement;
  reason: Reason;
  allowedNow: boolean;
  nextChangeAt: Date | null;
  /** Time left to watch now: the budget or the current window, whichever ends sooner; 0 outside the windows; null when neither applies. */
  timeLeftSeconds: number | null;
}

/** A day nobody has watched or been granted anything yet: its whole limit is left (as vt_remaining says). */
export const untouchedRemaining = (limitMinutes: number | null): number | null => (limitMinutes === null ? null : limitMinutes * 60);

function reasonOf(f: DayFigures, ctx: { superseded: boolean; exemptEducational: boolean; inside: boolean }): Reason {
  if (!f.kids) return 'adult_profile';
  if (ctx.superseded) return 'superseded';
  if (!ctx.inside) return 'outside_allowed_hours';
  if (ctx.exemptEducational) return 'educational';
  if (f.unlimitedOverride) return 'unlimited_today';
  if (f.limitMinutes === null) return 'no_limit';
  return (f.remainingSeconds ?? 0) <= 0 ? 'daily_limit_reached' : 'within_limit';
}

function enforcementOf(reason: Reason, timeLeft: number | null): Enforcement {
  if (reason === 'superseded' || reason === 'daily_limit_reached' || reason === 'outside_allowed_hours') return 'blocked';
  if (timeLeft === null) return 'allowed';
  if (timeLeft <= 300) return 'warning_5';
  if (timeLeft <= 900) return 'warning_15';
  return 'allowed';
}

const sooner = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * The answer at `now` after this heartbeat's credit (or for a balance read: no session). Warnings
 * count down to the nearer of the budget's end and the current window's end. The next window edge
 * or the next reset (which renews the budget) is when a kids profile's answer next changes without
 * more viewing; an adult's or a superseded session's never does.
 */
export function verdict(f: DayFigures, now: Date, ctx: { superseded?: boolean; exemptEducational?: boolean } = {}): Verdict {
  const where = whereIs(now, f.allowed);
  const exempt = ctx.exemptEducational ?? false;
  const reason = reasonOf(f, { superseded: ctx.superseded ?? false, exemptEducational: exempt, inside: where.inside });
  const windowLeft = where.windowEnd ? Math.floor((where.windowEnd.getTime() - now.getTime()) / 1000) : null;
  const timeLeft = !f.kids ? null : !where.inside ? 0 : sooner(f.remainingSeconds, windowLeft);
  // exempt educational viewing goes on past the budget: only the window's end warns it
  const enforcement = enforcementOf(reason, exempt ? windowLeft : timeLeft);
  const edge = where.nextEdge?.getTime() ?? null;
  const nextChange = reason === 'adult_profile' || reason === 'superseded' ? null : sooner(edge, f.dayEnd?.getTime() ?? null);
  return { enforcement, reason, allowedNow: enforcement !== 'blocked', nextChangeAt: nextChange === null ? null : new Date(nextChange), timeLeftSeconds: timeLeft };
}
