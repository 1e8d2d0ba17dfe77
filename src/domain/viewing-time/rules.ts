// The numbers the viewing-time rules share, written once. SQL takes the ones it applies under
// the row locks from vt_rule() (src/db/sql/vt_rule.sql), which a test checks against these.
// Pure: the worker threads import it too.

/** A beat credits the time since the last one, but at most this much (a gap counts once, a beat's worth). */
export const CREDIT_CAP_SECONDS = 60;
/** While the player is paused, time still counts until the pause has lasted this long. */
export const PAUSE_GRACE_SECONDS = 300;
/** A session with no beat for this long is stale: it ended at its last beat. */
export const STALE_AFTER_SECONDS = 300;
/** A finishing grace ends this long after the title's rest would have (SPEC §3a: + 60 s). */
export const GRACE_SLACK_SECONDS = 60;

/** Minutes before the end at which the player warns (the old app's balance field), largest first. */
export const WARNING_THRESHOLD_MINUTES = [15, 5] as const;

/** Minutes for display: two decimals, as the old service's round(x, 2), so a few seconds show (0.05 = 3 s). */
export const minutes = (seconds: number): number => Math.round((seconds * 5) / 3) / 100;
