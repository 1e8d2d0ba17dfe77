// What the player is told: the old app's four values, the reason and
// when the answer next changes by itself. A pure function of a day's balance (null: an adult
// profile) after the statement's credit; the credit and its clamp happen in SQL, under the row lock.
import { whereIs } from './allowed-hours.ts';
import { budgetLeft, type Balance } from './model.ts';
import { WARNING_THRESHOLD_MINUTES } from './rules.ts';

export const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked'] as const;
export type Enforcement = (typeof ENFORCEMENT)[number];

/** In order of precedence: the first that applies is the reason. */
export const REASONS = [
  'adult_profile', 'superseded', 'outside_allowed_hours', 'educational', 'unlimited_today', 'no_limit', 'daily_limit_reached', 'within_limit',
] as const;
export type Reason = (typeof REASONS)[number];

export interface Verdict {
  enforcement: Enforcement;
  reason: Reason;
  allowedNow: boolean;
  nextChangeAt: Date | null;
  /** Time left to watch now: the budget or the current window, whichever ends sooner; 0 outside the windows; null when neither applies. */
  timeLeftSeconds: number | null;
  /** The budget alone (limit + bonus − used), without windows; null when unlimited. */
  budgetSeconds: number | null;
}

export interface VerdictContext {
  /** Another device took this session over. */
  superseded?: boolean;
  /** The session's title is educational and the day exempts it. */
  exemptEducational?: boolean;
  /** The day's allowed hours apply to this answer (not to an educational title when they are ignored for it). */
  hoursApply?: boolean;
}

const [WARN_EARLY, WARN_LATE] = WARNING_THRESHOLD_MINUTES.map((m) => m * 60);

/** What a verdict reads of a day's balance. */
type Figures = Pick<Balance, 'end' | 'allowed' | 'unlimited' | 'limitMinutes' | 'usedSeconds' | 'bonusSeconds'>;

function reasonOf(b: Figures | null, budget: number | null, ctx: VerdictContext, inside: boolean): Reason {
  if (!b) return 'adult_profile';
  if (ctx.superseded) return 'superseded';
  if (!inside) return 'outside_allowed_hours';
  if (ctx.exemptEducational) return 'educational';
  if (b.unlimited) return 'unlimited_today';
  if (b.limitMinutes === null) return 'no_limit';
  return (budget ?? 0) <= 0 ? 'daily_limit_reached' : 'within_limit';
}

function enforcementOf(reason: Reason, timeLeft: number | null): Enforcement {
  if (reason === 'superseded' || reason === 'daily_limit_reached' || reason === 'outside_allowed_hours') return 'blocked';
  if (timeLeft === null) return 'allowed';
  if (timeLeft <= WARN_LATE) return 'warning_5';
  if (timeLeft <= WARN_EARLY) return 'warning_15';
  return 'allowed';
}

const sooner = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * The answer at `now` for a day's balance (or an adult's null). Warnings count down to the nearer
 * of the budget's end and the current window's end. The next window edge or the next reset (which
 * renews the budget) is when a kids profile's answer next changes without more viewing; an adult's
 * or a superseded session's never does.
 */
export function verdict(b: Figures | null, now: Date, ctx: VerdictContext = {}): Verdict {
  const where = whereIs(now, b && (ctx.hoursApply ?? true) ? b.allowed : null);
  const exempt = ctx.exemptEducational ?? false;
  const budget = b ? budgetLeft(b) : null;
  const reason = reasonOf(b, budget, ctx, where.inside);
  const windowLeft = where.windowEnd ? Math.floor((where.windowEnd.getTime() - now.getTime()) / 1000) : null;
  const timeLeft = !b ? null : !where.inside ? 0 : sooner(budget, windowLeft);
  // exempt educational viewing goes on past the budget: only the window's end warns it
  const enforcement = enforcementOf(reason, exempt ? windowLeft : timeLeft);
  const edge = where.nextEdge?.getTime() ?? null;
  const nextChange = reason === 'adult_profile' || reason === 'superseded' ? null : sooner(edge, b?.end.getTime() ?? null);
  return {
    enforcement, reason, allowedNow: enforcement !== 'blocked', nextChangeAt: nextChange === null ? null : new Date(nextChange), timeLeftSeconds: timeLeft, budgetSeconds: budget,
  };
}
