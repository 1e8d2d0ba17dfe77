export const ENFORCEMENT = ['allowed', 'warning_15', 'warning_5', 'blocked', 'session_ended'] as const;
export type Enforcement = (typeof ENFORCEMENT)[number];

export interface BalanceFigures {
  limitMinutes: number | null;
  usedSeconds: number;
  educationalSeconds: number;
  bonusSeconds: number;
  unlimitedOverride: boolean;
}

/** limit + bonus − used in seconds, never below 0; null when unlimited (no limit, or unlimited today). */
export function remainingSeconds(b: BalanceFigures): number | null {
  if (b.limitMinutes === null || b.unlimitedOverride) return null;
  return Math.max(0, b.limitMinutes * 60 + b.bonusSeconds - b.usedSeconds);
}

/** The player's instruction after this heartbeat's credit; exempt educational titles stay allowed. */
export function enforcementFor(remaining: number | null, exemptEducational: boolean): Enforcement {
  if (remaining === null || exemptEducational) return 'allowed';
  if (remaining <= 0) return 'blocked';
  if (remaining <= 300) return 'warning_5';
  if (remaining <= 900) return 'warning_15';
  return 'allowed';
}

/** Minutes for display, one decimal. */
export const minutes = (seconds: number): number => Math.round(seconds / 6) / 10;
