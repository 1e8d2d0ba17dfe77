// Today's row of a profile: the one path every statement that needs it takes (heartbeat, grant,
// balance, requests). The row is created by the first statement of the viewing day that needs it,
// from the day the time rules compute (model.ts dayAt) — SQL never computes days. So a statement
// carries today's day unless this process knows the row exists (it saw the row's end), and when
// the database answers need_day (no row, and no day sent, or the settings changed since) it hands
// back the settings: the day is computed from them and the statement runs once more. That keeps a
// heartbeat at one round trip, and at most one more per profile and viewing day.
import { LRUCache } from 'lru-cache';
import { AppError } from '../shared/errors.ts';
import type { ConfigService } from './config-service.ts';
import { dayAt, untouched, type Balance, type Day, type WeekFigures } from './model.ts';
import { balanceOf, breakCountOf, type BalanceRow, type DayParam } from './viewing-time-repository.ts';

/** What a statement that needs today's row answers. */
export interface NeedsToday {
  outcome: string;
  /** The settings (vt_config_json), when the outcome is need_day. */
  config?: Record<string, unknown> | null;
  /** The end of the row the statement used: before it, that row exists. */
  day_end?: Date | null;
}

// how often a statement runs again while the settings keep changing under it
const TRIES = 3;

const changing = () => new AppError('unavailable', 'settings_changing', 'the settings are changing; retry shortly', { retry_after: 1 });

export class Today {
  readonly #configs: ConfigService;
  // end of the last row a statement used, per profile: until then that row exists
  readonly #ends: LRUCache<string, number>;

  constructor(configs: ConfigService, maxProfiles: number) {
    this.#configs = configs;
    this.#ends = new LRUCache({ max: maxProfiles });
  }

  /**
   * Sends `input` with today's day (null while today's row is known to exist) through `send`, and
   * again per need_day. `send` is the statement itself (a bound function on the heartbeat's path,
   * so the path passes no file twice: docs/architecture.md).
   */
  async run<I extends { day: DayParam | null }, R extends NeedsToday>(profileId: string, now: Date, input: Omit<I, 'day'>, send: (input: I) => Promise<R>): Promise<R> {
    let day = this.#guess(profileId, now);
    for (let tries = 1; ; tries++) {
      const r = await send({ ...input, day } as I);
      if (r.outcome !== 'need_day') {
        if (r.day_end) this.#ends.set(profileId, new Date(r.day_end).getTime());
        return r;
      }
      if (tries >= TRIES) throw changing();
      const settings = this.#configs.learn(profileId, r.config!);
      day = { day: dayAt(settings, now), version: settings.version };
    }
  }

  /** The day containing `now`, from the settings (read at most once per cache TTL): for what needs its facts, not its row. */
  async day(profileId: string, now: Date): Promise<Day> {
    return dayAt(await this.#configs.get(profileId), now);
  }

  /** What a balance read guesses today is, from any cached settings, so that it brings the week's figures for it along. */
  weekGuess(profileId: string, now: Date): { date: string; bankCapMinutes: number | null } | null {
    const settings = this.#configs.peekAny(profileId);
    if (!settings) return null;
    const day = dayAt(settings, now);
    return { date: day.date, bankCapMinutes: day.bankCapMinutes };
  }

  /**
   * A balance read's day: today's row, or (nothing watched or granted yet) the day computed from the
   * settings the read handed back, with the break count an earlier row carries over and the week's
   * figures (vt_week: from the read when it guessed the day right, else from `week`, one more round trip).
   */
  async balance(profileId: string, row: BalanceRow, now: Date, guess: { date: string; bankCapMinutes: number | null } | null,
    week: (date: string, bankCapMinutes: number | null) => Promise<WeekFigures>): Promise<Balance> {
    if (row.reset_date !== null && new Date(row.day_end!).getTime() > now.getTime()) return balanceOf(row);
    const day = dayAt(this.#configs.learn(profileId, row.config!), now);
    const figures = guess && row.week_date === day.date && guess.date === day.date && guess.bankCapMinutes === day.bankCapMinutes
      ? { bankSeconds: row.week_bank_seconds ?? 0, weekUsedSeconds: row.week_week_used_seconds ?? 0, weekBonusSeconds: row.week_week_bonus_seconds ?? 0 }
      : await week(day.date, day.bankCapMinutes);
    return untouched(day, row.reset_date === null ? undefined : breakCountOf(row), figures);
  }

  /** The day to send along: none while the last row seen is still running, else from any cached settings (version-checked in SQL). */
  #guess(profileId: string, now: Date): DayParam | null {
    if ((this.#ends.get(profileId) ?? 0) > now.getTime()) return null;
    const settings = this.#configs.peekAny(profileId);
    return settings ? { day: dayAt(settings, now), version: settings.version } : null;
  }
}
