// The numbers the viewing-time rules share, written once. Pure: the worker threads import it too.

/** Minutes for display: two decimals, as the old service's round(x, 2), so a few seconds show (0.05 = 3 s). */
export const minutes = (seconds: number): number => Math.round((seconds * 5) / 3) / 100;

/** Minutes before the end at which the player warns (the old app's balance field). */
export const WARNING_THRESHOLD_MINUTES = [15, 5] as const;
