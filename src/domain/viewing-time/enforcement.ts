// What the player is told: the old app's four values, the reason and
// when the answer next changes by itself. A pure function of a day's balance (null: an adult
// profile) after the statement's credit; the credit and its clamps happen in SQL, under the row lock.
import { whereIs } from './allowed-hours.ts';
import { breakLeft, budgetLeft, inBreak, weekLeft, type Balance } from './model.ts';
import { WARNING_THRESHOLD_MINUTES } from './rules.ts';

export const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked'] as const;
export type Enforcement = (typeof ENFORCEMENT)[number];

/** In order of precedence: the first that applies is the reason. */
export const REASONS = [
  'adult_profile', 'superseded', 'paused_by_parent', 'finishing_title', 'outside_allowed_hours', 'break_time', 'educational', 'unlimited_today',
  'weekly_limit_reached', 'no_limit', 'daily_limit_reached', 'within_limit',
] as const;
export type Reason = (typeof REASONS)[number];

/** The reasons that block playback (every other one allows it, with a warning when little is left). */
const BLOCKING: ReadonlySet<Reason> = new Set(['superseded', 'paused_by_parent', 'outside_allowed_hours', 'break_time', 'weekly_limit_reached', 'daily_limit_reached']);
/** The reasons under which an unlimited-today grant does not help (the old balance then says is_unlimited_override false). */
const RULES_OVER_GRANTS: ReadonlySet<Reason> = new Set(['paused_by_parent', 'outside_allowed_hours', 'break_time']);

export interface Verdict {
  enforcement: Enforcement;
  reason: Reason;
  allowedNow: boolean;
  nextChangeAt: Date | null;
  /** Time left to watch now: the nearest of budget end, window end and break start; during a grace, to its end; 0 while blocked; null when none applies. */
  timeLeftSeconds: number | null;
  /** The budget alone (limit + bonus − used), without windows or breaks; null when unlimited. */
  budgetSeconds: number | null;
  /** An unlimited-today grant that lets the child watch now (false while a pause, a break or the hours block). */
  unlimitedNow: boolean;
}

/** A parent's pause in force: until `until` (null: until lifted). */
export interface Pause { until: Date | null }

export interface VerdictContext {
  /** Another device took this session over. */
  superseded?: boolean;
  /** The session's title is educational and the day exempts it. */
  exemptEducational?: boolean;
  /** The day's allowed hours apply to this answer (not to an educational title when they are ignored for it). */
  hoursApply?: boolean;
  /** A parent's pause in force. */
  pause?: Pause | null;
  /** The end of a finishing grace running on this session (SPEC §3a). */
  graceUntil?: Date | null;
}

const [WARN_EARLY, WARN_LATE] = WARNING_THRESHOLD_MINUTES.map((m) => m * 60);

/** What a verdict reads of a day's balance. */
export type Figures = Pick<Balance, 'end' | 'allowed' | 'unlimited' | 'limitMinutes' | 'usedSeconds' | 'bonusSeconds' | 'breakRule' | 'continuousSeconds' | 'countedAt' | 'breakUntil'
  | 'weeklyLimitMinutes' | 'weekEnd' | 'bankCapMinutes' | 'bankSeconds' | 'weekUsedSeconds' | 'weekBonusSeconds'>;

/** A finishing grace running at `now`. */
const inGrace = (ctx: VerdictContext, now: Date) => ctx.graceUntil != null && ctx.graceUntil.getTime() > now.getTime();

function reasonOf(b: Figures | null, budget: number | null, ctx: VerdictContext, inside: boolean, now: Date): Reason {
  if (!b) return 'adult_profile';
  if (ctx.superseded) return 'superseded';
  if (ctx.pause) return 'paused_by_parent';
  if (inGrace(ctx, now)) return 'finishing_title';
  if (!inside) return 'outside_allowed_hours';
  // a break and the budget never stop exempt educational viewing
  if (!ctx.exemptEducational && inBreak(b, now)) return 'break_time';
  if (ctx.exemptEducational) return 'educational';
  if (b.unlimited) return 'unlimited_today';
  if (weekLeft(b) === 0) return 'weekly_limit_reached';
  if (b.limitMinutes === null) return 'no_limit';
  return (budget ?? 0) <= 0 ? 'daily_limit_reached' : 'within_limit';
}

function warningOf(timeLeft: number | null): Enforcement {
  if (timeLeft === null) return 'allowed';
  if (timeLeft <= WARN_LATE) return 'warning_5';
  if (timeLeft <= WARN_EARLY) return 'warning_15';
  return 'allowed';
}

const sooner = (...values: (number | null)[]): number | null =>
  values.reduce<number | null>((a, b) => (a === null ? b : b === null ? a : Math.min(a, b)), null);

/**
 * The answer at `now` for a day's balance (or an adult's null). Warnings count down to the nearest
 * of the budget's end, the current window's end and the next break's start (exempt educational
 * viewing: the window's end only). A blocked answer leaves 0 to watch. The answer next changes by
 * itself at a pause's or break's end, else at the next window edge or the next reset (which renews
 * the budget); an adult's, a superseded session's or a pause until lifted never does.
 */
export function verdict(b: Figures | null, now: Date, ctx: VerdictContext = {}): Verdict {
  const where = whereIs(now, b && (ctx.hoursApply ?? true) ? b.allowed : null);
  const exempt = ctx.exemptEducational ?? false;
  const budget = b ? budgetLeft(b) : null;
  const reason = reasonOf(b, budget, ctx, where.inside, now);
  const blocked = BLOCKING.has(reason);
  const grace = reason === 'finishing_title' ? Math.max(0, Math.floor((ctx.graceUntil!.getTime() - now.getTime()) / 1000)) : null;
  const windowLeft = where.windowEnd ? Math.floor((where.windowEnd.getTime() - now.getTime()) / 1000) : null;
  const timeLeft = !b ? null : blocked ? 0 : grace !== null ? grace : exempt ? sooner(budget, windowLeft) : sooner(budget, windowLeft, breakLeft(b, now));
  // exempt educational viewing goes on past the budget and through breaks: only the window's end warns it; a grace is its last 5 minutes
  const enforcement = blocked ? 'blocked' : grace !== null ? 'warning_5' : warningOf(exempt ? windowLeft : timeLeft);
  let next: number | null;
  if (reason === 'adult_profile' || reason === 'superseded') next = null;
  else if (reason === 'paused_by_parent') next = ctx.pause!.until?.getTime() ?? null;
  else if (reason === 'finishing_title') next = ctx.graceUntil!.getTime();
  else if (reason === 'break_time') next = b!.breakUntil!.getTime();
  else if (reason === 'weekly_limit_reached') next = b!.weekEnd.getTime();
  else next = sooner(where.nextEdge?.getTime() ?? null, b?.end.getTime() ?? null);
  return {
    enforcement, reason, allowedNow: !blocked, nextChangeAt: next === null ? null : new Date(next), timeLeftSeconds: timeLeft, budgetSeconds: budget,
    unlimitedNow: Boolean(b?.unlimited) && !RULES_OVER_GRANTS.has(reason),
  };
}
