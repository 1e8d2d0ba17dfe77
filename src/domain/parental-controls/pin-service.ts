import type { EntityManager } from '@mikro-orm/core';
import type { LoginSessions } from '../accounts/login-sessions.ts';
import { invalidPinToken, PIN_TOKEN_TTL_SECONDS, type Principal, type TokenService } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import type { CpuWork } from '../shared/cpu-work.ts';
import { AppError, forbidden } from '../shared/errors.ts';
import { runNamed } from '../../db/statement.ts';

export const PIN_COST = 12;
const MAX_FAILURES = 5;
const BASE_LOCKOUT_MINUTES = 30;
const VERIFY_FLOOR_MS = 200;

const locked = (until: Date, what = 'PIN checks') =>
  new AppError('locked', 'pin_locked', `${what} are locked after too many wrong attempts, until ${until.toISOString()}`, { locked_until: until.toISOString() });
// the old parent page looks for "no pin" in this message to offer the PIN set-up
const noPin = () => new AppError('bad_request', 'pin_not_set', 'No PIN set: create one first (POST /parental-controls/pin)');
const PROOF_NEEDED = 'this change needs PIN proof: the PIN (pin), a PIN token (pin_token), or a PIN verified on this login in the last 5 minutes';

// Reserve an attempt BEFORE bcrypt runs: the counter goes up atomically under the row lock, so
// parallel guesses cannot exceed the limit; the attempt that reaches it arms the lockout (30 min,
// doubling with each further lockout) and a correct PIN disarms it again.
const RESERVE = `update users set
    pin_failed_attempts = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_failed_attempts + 1 end,
    pin_lockout_until = case when pin_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES} * (2 ^ least(pin_lockout_count, 16))::int) else pin_lockout_until end,
    pin_lockout_count = case when pin_failed_attempts + 1 >= ${MAX_FAILURES} then pin_lockout_count + 1 else pin_lockout_count end
  where id = $1 and pin_hash is not null and (pin_lockout_until is null or pin_lockout_until <= $2)
  returning pin_hash, pin_failed_attempts, pin_lockout_until > $2 as now_locked`;

const STATE = 'select pin_hash is not null as has_pin, pin_lockout_until, pin_failed_attempts from users where id = $1';
const CLEAR = 'update users set pin_failed_attempts = 0, pin_lockout_count = 0, pin_lockout_until = null where id = $1';

// the reset path has its own counter and lockout, keyed on the account password
const RESERVE_RESET = `update users set
    pin_reset_failed_attempts = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES} then 0 else pin_reset_failed_attempts + 1 end,
    pin_reset_lockout_until = case when pin_reset_failed_attempts + 1 >= ${MAX_FAILURES}
      then $2::timestamptz + make_interval(mins => ${BASE_LOCKOUT_MINUTES}) else pin_reset_lockout_until end
  where id = $1 and (pin_reset_lockout_until is null or pin_reset_lockout_until <= $2)
  returning password_hash`;

export interface PinStatus {
  has_pin: boolean;
  locked_until: string | null;
  failed_attempts: number;
}

export interface PinStats {
  verifications: number;
  failures: number;
  lockouts: number;
}

/** The household PIN: 4 digits, bcrypt cost 12 in the worker pool, attempt limits before bcrypt. */
export class PinService {
  readonly #em: EntityManager;
  readonly #cpu: CpuWork;
  readonly #tokens: TokenService;
  readonly #sessions: LoginSessions;
  readonly #clock: Clock;
  /** bcrypt checks actually run, wrong ones, and lockouts armed (for metrics and tests). */
  readonly stats: PinStats = { verifications: 0, failures: 0, lockouts: 0 };

  constructor(d: { em: EntityManager; cpu: CpuWork; tokens: TokenService; sessions: LoginSessions; clock: Clock }) {
    this.#em = d.em;
    this.#cpu = d.cpu;
    this.#tokens = d.tokens;
    this.#sessions = d.sessions;
    this.#clock = d.clock;
  }

  async status(userId: string): Promise<PinStatus> {
    const [row] = await runNamed<{ has_pin: boolean; pin_lockout_until: Date | null; pin_failed_attempts: number }>(this.#em, 'pin_state', STATE, [userId]);
    const until = row?.pin_lockout_until && new Date(row.pin_lockout_until) > this.#clock.now() ? new Date(row.pin_lockout_until).toISOString() : null;
    return { has_pin: row?.has_pin ?? false, locked_until: until, failed_attempts: row?.pin_failed_attempts ?? 0 };
  }

  /** Throws 400 (no PIN), 423 (locked) or 403 (wrong PIN); every PIN-checking path goes through here. */
  async check(userId: string, pin: string): Promise<void> {
    const now = this.#clock.now();
    const [slot] = await runNamed<{ pin_hash: string; now_locked: boolean }>(this.#em, 'pin_reserve', RESERVE, [userId, now]);
    if (!slot) {
      const s = await this.status(userId);
      if (!s.has_pin) throw noPin();
      throw locked(new Date(s.locked_until ?? now));
    }
    this.stats.verifications++;
    const ok = await this.#cpu.verify(pin, slot.pin_hash);
    if (ok) {
      await runNamed(this.#em, 'pin_clear', CLEAR, [userId]);
      return;
    }
    this.stats.failures++;
    if (slot.now_locked) this.stats.lockouts++;
    if (slot.now_locked) throw locked(new Date((await this.status(userId)).locked_until ?? now));
    throw forbidden('Incorrect PIN', 'pin_incorrect');
  }

  /**
   * PIN proof for a protected change: the PIN, a PIN token from a recent verify, or (with neither)
   * a household login whose session verified the PIN in the last 5 minutes. Kids devices never.
   */
  async authorize(principal: Principal, proof: { pin?: string | null; pin_token?: string | null }): Promise<void> {
    if (proof.pin_token) return this.#tokens.checkPinToken(proof.pin_token, principal.userId);
    if (proof.pin) return this.check(principal.userId, proof.pin);
    const family = principal.scope === 'household' ? principal.familyId : undefined;
    if (family && await this.#sessions.isPinVerified(principal.userId, family, this.#clock.now())) return;
    throw invalidPinToken(PROOF_NEEDED);
  }

  /**
   * A correct PIN returns a PIN token and opens this login session's PIN-verified window. Right or
   * wrong, the answer takes at least 200 ms, so timing tells a guesser nothing.
   */
  async verify(principal: Principal, pin: string): Promise<{ verified: true; pin_token: string; expires_in: number }> {
    const floor = new Promise((resolve) => setTimeout(resolve, VERIFY_FLOOR_MS));
    try {
      await this.check(principal.userId, pin);
      await this.#openWindow(principal);
      return { verified: true, pin_token: await this.#tokens.pinToken(principal.userId), expires_in: PIN_TOKEN_TTL_SECONDS };
    } finally {
      await floor;
    }
  }

  /** Ends this login session's PIN-verified window early. */
  async lock(principal: Principal): Promise<{ detail: string }> {
    if (principal.scope === 'household' && principal.familyId) await this.#sessions.closePinWindow(principal.userId, principal.familyId);
    return { detail: 'PIN locked again on this login' };
  }

  /**
   * Sets the first PIN (whoever sets it is the parent: the window opens), or changes it given the
   * current one (which obeys the lockout; every login's window closes).
   */
  async set(principal: Principal, pin: string, currentPin?: string | null): Promise<{ detail: string }> {
    const userId = principal.userId;
    const s = await this.status(userId);
    if (!s.has_pin) {
      await this.#store(userId, pin);
      await this.#openWindow(principal);
      return { detail: 'PIN set' };
    }
    if (!currentPin) throw new AppError('bad_request', 'current_pin_required', 'Current PIN required to change the PIN (current_pin)');
    try {
      await this.check(userId, currentPin);
    } catch (e) {
      if (e instanceof AppError && e.code === 'pin_incorrect') throw new AppError('bad_request', 'current_pin_incorrect', 'Current PIN is incorrect');
      throw e;
    }
    await this.#store(userId, pin);
    await this.#sessions.closeAllPinWindows(userId);
    return { detail: 'PIN changed' };
  }

  async #openWindow(principal: Principal): Promise<void> {
    if (principal.scope !== 'household' || !principal.familyId) return; // kids devices are never verified
    await this.#sessions.openPinWindow(principal.userId, principal.familyId, new Date(this.#clock.now().getTime() + PIN_TOKEN_TTL_SECONDS * 1000));
  }

  /** Forgotten PIN: the account password proves the parent; it has its own attempt limit. */
  async reset(principal: Principal, password: string, newPin: string): Promise<{ detail: string }> {
    const userId = principal.userId;
    const now = this.#clock.now();
    const [slot] = await runNamed<{ password_hash: string }>(this.#em, 'pin_reset_reserve', RESERVE_RESET, [userId, now]);
    if (!slot) {
      const [row] = await runNamed<{ until: Date }>(this.#em, 'pin_reset_state', 'select pin_reset_lockout_until as until from users where id = $1', [userId]);
      throw locked(new Date(row.until), 'PIN resets');
    }
    if (!(await this.#cpu.verify(password, slot.password_hash))) throw forbidden('the account password is not correct', 'password_incorrect');
    await this.#store(userId, newPin);
    await this.#sessions.closeAllPinWindows(userId);
    return { detail: 'PIN reset' };
  }

  async #store(userId: string, pin: string): Promise<void> {
    const hash = await this.#cpu.hash(pin, PIN_COST);
    await runNamed(this.#em, 'pin_store', `update users set pin_hash = $2, pin_failed_attempts = 0, pin_lockout_count = 0,
      pin_lockout_until = null, pin_reset_failed_attempts = 0, pin_reset_lockout_until = null where id = $1`, [userId, hash]);
  }
}
