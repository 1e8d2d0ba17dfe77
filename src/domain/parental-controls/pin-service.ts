import type { EntityManager } from '@mikro-orm/core';
import type { LoginSessions } from '../accounts/login-sessions.ts';
import type { Devices } from '../accounts/devices.ts';
import { invalidPinToken, PIN_TOKEN_STALE, PIN_TOKEN_TTL_SECONDS, type Principal, type TokenService } from '../accounts/tokens.ts';
import type { Clock } from '../shared/clock.ts';
import type { CpuSlot, CpuWork } from '../shared/cpu-work.ts';
import { AppError, conflict, forbidden } from '../shared/errors.ts';
import * as repo from './pin-repository.ts';

export const PIN_COST = 12;
const VERIFY_FLOOR_MS = 200;

const locked = (until: Date, what = 'PIN checks') =>
  new AppError('locked', 'pin_locked', `${what} are locked after too many wrong attempts, until ${until.toISOString()}`, { locked_until: until.toISOString() });
// the old parent page looks for "no pin" in this message to offer the PIN set-up
const noPin = () => new AppError('bad_request', 'pin_not_set', 'No PIN set: create one first (POST /parental-controls/pin)');
const PROOF_NEEDED = 'this change needs PIN proof: the PIN (pin), a PIN token (pin_token), or a PIN verified on this login in the last 5 minutes';

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
  readonly #passwordCost: number;
  readonly #devices: Devices;
  /** bcrypt checks actually run, wrong ones, and lockouts armed (for metrics and tests). */
  readonly stats: PinStats = { verifications: 0, failures: 0, lockouts: 0 };

  constructor(d: { em: EntityManager; cpu: CpuWork; tokens: TokenService; sessions: LoginSessions; clock: Clock; passwordCost: number; devices: Devices }) {
    this.#em = d.em;
    this.#cpu = d.cpu;
    this.#tokens = d.tokens;
    this.#sessions = d.sessions;
    this.#clock = d.clock;
    this.#passwordCost = d.passwordCost;
    this.#devices = d.devices;
  }

  async status(userId: string): Promise<PinStatus> {
    const row = await repo.state(this.#em, userId);
    const until = row?.pin_lockout_until && new Date(row.pin_lockout_until) > this.#clock.now() ? new Date(row.pin_lockout_until).toISOString() : null;
    return { has_pin: row?.has_pin ?? false, locked_until: until, failed_attempts: row?.pin_failed_attempts ?? 0 };
  }

  /**
   * Throws 400 (no PIN), 423 (locked), 429 (as many checks under way as attempts left) or 403
   * (wrong PIN); every PIN-checking path goes through here. A correct PIN answers the PIN epoch.
   */
  async check(userId: string, pin: string): Promise<number> {
    const cpu = await this.#admitted(userId);
    let ok: boolean;
    const now = this.#clock.now();
    let slot: Awaited<ReturnType<typeof repo.reserveAttempt>>;
    try {
      slot = await repo.reserveAttempt(this.#em, userId, now);
      if (!slot) throw await this.#refusal(userId, now);
      this.stats.verifications++;
      try {
        ok = await cpu.verify(pin, slot.pin_hash);
      } catch (e) {
        await repo.abandoned(this.#em, userId);
        throw e;
      }
    } finally {
      cpu.release();
    }
    if (ok) {
      await repo.succeeded(this.#em, userId);
      return slot.pin_epoch;
    }
    this.stats.failures++;
    const after = await repo.failed(this.#em, userId, now);
    if (after.now_locked) {
      this.stats.lockouts++;
      throw locked(new Date(after.pin_lockout_until!));
    }
    throw forbidden('Incorrect PIN', 'pin_incorrect');
  }

  /** Why a check could not be counted: no PIN, a lockout, or every attempt left already under way. */
  async #refusal(userId: string, now: Date): Promise<AppError> {
    const s = await this.status(userId);
    if (!s.has_pin) return noPin();
    if (s.locked_until) return locked(new Date(s.locked_until));
    return new AppError('too_many', 'pin_checks_busy', 'other PIN checks of this account are under way; retry in a second', { retry_after: 1 });
  }

  /**
   * The worker pool's place for the check, taken before the attempt is counted: an attempt the pool
   * refuses (429 busy) is never counted. Refused, a PIN that is locked or not set still says so.
   */
  async #admitted(userId: string): Promise<CpuSlot> {
    try {
      return this.#cpu.verifySlot(PIN_COST);
    } catch (busy) {
      const s = await this.status(userId);
      if (!s.has_pin) throw noPin();
      if (s.locked_until) throw locked(new Date(s.locked_until));
      throw busy;
    }
  }

  /**
   * PIN proof for a protected change: the PIN, a PIN token from a recent verify (of the current PIN
   * epoch: a PIN change, reset or lock ends every token), or (with neither) a household login whose
   * session verified the PIN in the last 5 minutes. Kids devices never.
   */
  async authorize(principal: Principal, proof: { pin?: string | null; pin_token?: string | null }): Promise<void> {
    if (proof.pin_token) {
      const epoch = await this.#tokens.pinTokenEpoch(proof.pin_token, principal.userId);
      if ((await repo.state(this.#em, principal.userId))?.pin_epoch !== epoch) throw invalidPinToken(PIN_TOKEN_STALE);
      return;
    }
    if (proof.pin) {
      await this.check(principal.userId, proof.pin);
      return;
    }
    const family = principal.scope === 'household' ? principal.familyId : undefined;
    if (family && await this.#sessions.isPinVerified(principal.userId, family, this.#clock.now())) return;
    throw invalidPinToken(PROOF_NEEDED);
  }

  /**
   * A correct PIN returns a PIN token and opens this login session's PIN-verified window. Right or
   * wrong, the answer takes at least 200 ms, so timing tells a guesser nothing.
   */
  async verify(principal: Principal, pin: string): Promise<{ verified: true; pin_token: string; expires_in: number }> {
    const until = performance.now() + VERIFY_FLOOR_MS;
    try {
      const epoch = await this.check(principal.userId, pin);
      await this.#openWindow(principal);
      return { verified: true, pin_token: await this.#tokens.pinToken(principal.userId, epoch), expires_in: PIN_TOKEN_TTL_SECONDS };
    } finally {
      // timers may fire up to a millisecond early (libuv's loop time is cached): round the rest up
      const left = until - performance.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(left) + 1));
    }
  }

  /** Locks the PIN again: every login's verified window and every PIN token end. */
  async lock(principal: Principal): Promise<{ detail: string }> {
    await repo.endPinTokens(this.#em, principal.userId);
    await this.#sessions.closeAllPinWindows(principal.userId);
    return { detail: 'PIN locked again: PIN proof is needed for the next change' };
  }

  /**
   * Sets the first PIN (whoever sets it is the parent: the window opens; of two racing set-ups the
   * second gets 409), or changes it given the current one (which obeys the lockout; every login's
   * window and every PIN token end).
   */
  async set(principal: Principal, pin: string, currentPin?: string | null): Promise<{ detail: string }> {
    const userId = principal.userId;
    const s = await this.status(userId);
    if (!s.has_pin) {
      if (!(await repo.storeFirst(this.#em, userId, await this.#cpu.hash(pin, PIN_COST)))) {
        throw conflict('pin_already_set', 'a PIN was set meanwhile: change it with current_pin');
      }
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

  /**
   * Forgotten PIN: the account password proves the parent; it has its own attempt limit. Every
   * login's window, every PIN token and every kids device end with the old PIN.
   */
  async reset(principal: Principal, password: string, newPin: string): Promise<{ detail: string }> {
    const userId = principal.userId;
    const now = this.#clock.now();
    const cpu = this.#cpu.verifySlot(this.#passwordCost); // refused when busy, before the attempt is counted
    try {
      const slot = await repo.reserveResetAttempt(this.#em, userId, now);
      if (!slot) throw locked(new Date((await repo.resetLockedUntil(this.#em, userId))!), 'PIN resets');
      if (!(await cpu.verify(password, slot.password_hash))) throw forbidden('the account password is not correct', 'password_incorrect');
    } finally {
      cpu.release();
    }
    await this.#store(userId, newPin);
    await this.#sessions.closeAllPinWindows(userId);
    await this.#devices.revoke(userId, null);
    return { detail: 'PIN reset' };
  }

  async #store(userId: string, pin: string): Promise<void> {
    await repo.store(this.#em, userId, await this.#cpu.hash(pin, PIN_COST));
  }
}
