// The enforcement verdict (enforcement.ts) on balances built by hand: reason order, warnings,
// time left, next change. No database.
import { verdict, type Figures } from '../../src/domain/viewing-time/enforcement.ts';

const now = new Date('2026-11-25T10:00:00Z');
const end = new Date('2026-11-26T05:00:00Z');
const at = (iso: string) => new Date(iso);
const day = (o: Partial<Figures> = {}): Figures =>
  ({ end, allowed: null, unlimited: false, limitMinutes: 120, usedSeconds: 0, bonusSeconds: 0, breakRule: null, continuousSeconds: 0, countedAt: null, breakUntil: null,
    weeklyLimitMinutes: null, weekEnd: at('2026-11-30T05:00:00Z'), bankCapMinutes: null, bankSeconds: 0, weekUsedSeconds: 0, weekBonusSeconds: 0, ...o });
const MIN = 60_000;
const rule = { afterMinutes: 45, breakMinutes: 10 };

describe('the verdict', () => {
  it('an adult: allowed, no time left figure, nothing ever changes', () => {
    expect(verdict(null, now)).toEqual({ enforcement: 'allowed', reason: 'adult_profile', allowedNow: true, nextChangeAt: null, timeLeftSeconds: null, budgetSeconds: null, unlimitedNow: false });
  });

  it('within the limit: allowed until 15 minutes are left, then warning_15, warning_5 at 5, blocked at 0; the next change is the reset', () => {
    const left = (s: number) => verdict(day({ usedSeconds: 7200 - s }), now);
    expect(left(901)).toMatchObject({ enforcement: 'allowed', reason: 'within_limit', timeLeftSeconds: 901, nextChangeAt: end });
    expect(left(900).enforcement).toBe('warning_15');
    expect(left(301).enforcement).toBe('warning_15');
    expect(left(300).enforcement).toBe('warning_5');
    expect(left(0)).toMatchObject({ enforcement: 'blocked', reason: 'daily_limit_reached', allowedNow: false, timeLeftSeconds: 0 });
  });

  it('grants add to the limit; used above limit + bonus never shows below 0', () => {
    expect(verdict(day({ usedSeconds: 7200, bonusSeconds: 1800 }), now)).toMatchObject({ reason: 'within_limit', timeLeftSeconds: 1800, budgetSeconds: 1800 });
    expect(verdict(day({ limitMinutes: 15, usedSeconds: 1200 }), now)).toMatchObject({ reason: 'daily_limit_reached', timeLeftSeconds: 0, budgetSeconds: 0 });
  });

  it('no limit, and unlimited today: allowed with no time left figure; unlimited goes first', () => {
    expect(verdict(day({ limitMinutes: null }), now)).toMatchObject({ enforcement: 'allowed', reason: 'no_limit', timeLeftSeconds: null });
    expect(verdict(day({ unlimited: true, usedSeconds: 99_999 }), now)).toMatchObject({ enforcement: 'allowed', reason: 'unlimited_today', timeLeftSeconds: null });
  });

  it('a superseded session is blocked with nothing left, and never changes by itself, whatever the budget', () => {
    expect(verdict(day(), now, { superseded: true })).toMatchObject({ enforcement: 'blocked', reason: 'superseded', nextChangeAt: null, timeLeftSeconds: 0 });
  });

  it('a parent\'s pause blocks everything but an adult and a superseded session: budget, hours, educational, unlimited today', () => {
    const until = new Date(now.getTime() + 30 * MIN);
    const pause = { until };
    expect(verdict(day(), now, { pause })).toEqual({
      enforcement: 'blocked', reason: 'paused_by_parent', allowedNow: false, nextChangeAt: until, timeLeftSeconds: 0, budgetSeconds: 7200, unlimitedNow: false,
    });
    expect(verdict(day({ unlimited: true }), now, { pause })).toMatchObject({ reason: 'paused_by_parent', unlimitedNow: false });
    expect(verdict(day({ allowed: [] }), now, { pause, exemptEducational: true })).toMatchObject({ reason: 'paused_by_parent' });
    expect(verdict(day(), now, { pause, superseded: true }).reason).toBe('superseded');
    expect(verdict(null, now, { pause }).reason).toBe('adult_profile');
    // until lifted: no known change
    expect(verdict(day(), now, { pause: { until: null } })).toMatchObject({ reason: 'paused_by_parent', nextChangeAt: null });
  });

  it('a break blocks until its end, after the hours and before the budget reasons; exempt educational viewing goes on', () => {
    const breakUntil = new Date(now.getTime() + 7 * MIN);
    const inBreak = day({ breakRule: rule, breakUntil, countedAt: breakUntil, unlimited: true });
    expect(verdict(inBreak, now)).toMatchObject({ enforcement: 'blocked', reason: 'break_time', nextChangeAt: breakUntil, timeLeftSeconds: 0, unlimitedNow: false });
    expect(verdict({ ...inBreak, allowed: [] }, now).reason).toBe('outside_allowed_hours');
    expect(verdict({ ...inBreak, usedSeconds: 7200, unlimited: false }, now).reason).toBe('break_time');
    expect(verdict(inBreak, now, { exemptEducational: true })).toMatchObject({ enforcement: 'allowed', reason: 'educational' });
    // over: allowed again, and the count starts from 0
    expect(verdict(inBreak, new Date(breakUntil.getTime() + 1000))).toMatchObject({ enforcement: 'allowed', reason: 'unlimited_today', timeLeftSeconds: 45 * 60, unlimitedNow: true });
  });

  it('warnings count down to the next break when it comes before the budget and the window', () => {
    const watching = (continuous: number) => verdict(day({ breakRule: rule, continuousSeconds: continuous, countedAt: now }), now);
    expect(watching(45 * 60 - 901)).toMatchObject({ enforcement: 'allowed', timeLeftSeconds: 901 });
    expect(watching(45 * 60 - 900)).toMatchObject({ enforcement: 'warning_15', reason: 'within_limit' });
    expect(watching(45 * 60 - 300)).toMatchObject({ enforcement: 'warning_5', timeLeftSeconds: 300 });
    // the budget nearer: it counts
    expect(verdict(day({ breakRule: rule, continuousSeconds: 60, countedAt: now, usedSeconds: 7200 - 200 }), now).timeLeftSeconds).toBe(200);
    // nothing counted for break_minutes: the count is back to 0
    const idle = day({ breakRule: rule, continuousSeconds: 44 * 60, countedAt: new Date(now.getTime() - 10 * MIN) });
    expect(verdict(idle, now).timeLeftSeconds).toBe(45 * 60);
    expect(verdict({ ...idle, countedAt: new Date(now.getTime() - 10 * MIN + 1000) }, now).timeLeftSeconds).toBe(60);
    // exempt educational viewing is not counted towards a break, nor warned by it
    expect(verdict(day({ breakRule: rule, continuousSeconds: 45 * 60 - 60, countedAt: now, limitMinutes: null }), now, { exemptEducational: true }))
      .toMatchObject({ enforcement: 'allowed', reason: 'educational' });
  });

  it('exempt educational viewing stays allowed past the budget; only a window end warns it', () => {
    expect(verdict(day({ usedSeconds: 7200 }), now, { exemptEducational: true })).toMatchObject({ enforcement: 'allowed', reason: 'educational' });
    const window = [{ start: at('2026-11-25T09:00:00Z'), end: at('2026-11-25T10:04:00Z') }];
    expect(verdict(day({ usedSeconds: 7200, allowed: window }), now, { exemptEducational: true })).toMatchObject({ enforcement: 'warning_5', reason: 'educational' });
  });

  it('allowed hours: outside a window blocked (before the budget, before educational); inside, the nearer end warns; next change is the next edge', () => {
    const windows = [{ start: at('2026-11-25T07:00:00Z'), end: at('2026-11-25T10:10:00Z') }, { start: at('2026-11-25T15:00:00Z'), end: at('2026-11-25T18:00:00Z') }];
    expect(verdict(day({ allowed: windows }), now)).toMatchObject({ enforcement: 'warning_15', reason: 'within_limit', timeLeftSeconds: 600, nextChangeAt: at('2026-11-25T10:10:00Z') });
    const later = at('2026-11-25T12:00:00Z');
    expect(verdict(day({ allowed: windows }), later)).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', timeLeftSeconds: 0, nextChangeAt: at('2026-11-25T15:00:00Z') });
    expect(verdict(day({ allowed: windows }), later, { exemptEducational: true })).toMatchObject({ reason: 'outside_allowed_hours' });
    // the hours do not apply to this answer (educational_ignores_hours): the budget decides
    expect(verdict(day({ allowed: windows }), later, { exemptEducational: true, hoursApply: false })).toMatchObject({ enforcement: 'allowed', reason: 'educational' });
    expect(verdict(day({ allowed: [] }), now)).toMatchObject({ enforcement: 'blocked', reason: 'outside_allowed_hours', nextChangeAt: end });
  });
});
