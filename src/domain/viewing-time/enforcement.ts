// What the player is told (SPEC §3 "Enforcement status"): the old app's four values, the reason and
// when the answer next changes by itself. Pure functions of a day's figures; the figures
// themselves (credit, clamp, remaining) come from the heartbeat statement.

export const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked'] as const;
export type Enforcement = (typeof ENFORCEMENT)[number];

/** In order of precedence: the first that applies is the reason. */
export const REASONS = [
  'adult_profile', 'superseded', 'outside_allowed_hours', 'educational', 'unlimited_today', 'no_limit', 'daily_limit_reached', 'within_limit',
] as const;
export type Reason = (typeof REASONS)[number];

/** Minutes before the end at which the player warns (the old app's balance field). */
export const WARNING_THRESHOLD_MINUTES = [15, 5] as const;

export interface DayFigures {
  kids: boolean;
  limitMinutes: number | null;
  unlimitedOverride: boolean;
  /** Budget left in seconds (vt_remaining); null when unlimited. */
  remainingSeconds: number | null;
  /** End of the viewing day (the next reset); null for adult profiles. */
  dayEnd: Date | null;
}

export interface Verdict {
  enforcement: Enforcement;
  reason: Reason;
  allowedNow: boolean;
  nextChangeAt: Date | null;
}

/** A day nobody has watched or been granted anything yet: its whole limit is left (as vt_remaining says). */
export const untouchedRemaining = (limitMinutes: number | null): number | null => (limitMinutes === null ? null : limitMinutes * 60);

function reasonOf(f: DayFigures, ctx: { superseded: boolean; exemptEducational: boolean }): Reason {
  if (!f.kids) return 'adult_profile';
  if (ctx.superseded) return 'superseded';
  if (ctx.exemptEducational) return 'educational';
  if (f.unlimitedOverride) return 'unlimited_today';
  if (f.limitMinutes === null) return 'no_limit';
  return (f.remainingSeconds ?? 0) <= 0 ? 'daily_limit_reached' : 'within_limit';
}

function enforcementOf(reason: Reason, remainingSeconds: number | null): Enforcement {
  if (reason === 'superseded' || reason === 'daily_limit_reached' || reason === 'outside_allowed_hours') return 'blocked';
  if (reason !== 'within_limit' || remainingSeconds === null) return 'allowed';
  if (remainingSeconds <= 300) return 'warning_5';
  if (remainingSeconds <= 900) return 'warning_15';
  return 'allowed';
}

/**
 * The answer after this heartbeat's credit (or for a balance read: no session). The next reset
 * renews the budget, so it is when a kids profile's answer next changes without more viewing;
 * an adult's or a superseded session's never does.
 */
export function verdict(f: DayFigures, ctx: { superseded?: boolean; exemptEducational?: boolean } = {}): Verdict {
  const reason = reasonOf(f, { superseded: ctx.superseded ?? false, exemptEducational: ctx.exemptEducational ?? false });
  const enforcement = enforcementOf(reason, f.remainingSeconds);
  const nextChangeAt = reason === 'adult_profile' || reason === 'superseded' ? null : f.dayEnd;
  return { enforcement, reason, allowedNow: enforcement !== 'blocked', nextChangeAt };
}

/** Minutes for display, one decimal. */
export const minutes = (seconds: number): number => Math.round(seconds / 6) / 10;
