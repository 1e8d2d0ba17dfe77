import { createHash, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { SignJWT, jwtVerify } from 'jose';
import { AppError, unauthorized } from '../shared/errors.ts';

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  /** Lifetime of a kids device's profile-scoped token (it has no refresh token). */
  deviceTtlSeconds: number;
}

const PIN_AUDIENCE = ':pin';
export const PIN_TOKEN_STALE = 'the PIN token is invalid or expired; verify the PIN again';
export const PIN_TOKEN_TTL_SECONDS = 300;
const TICKET_AUDIENCE = ':ticket';
export const TICKET_TTL_SECONDS = 60;

/**
 * household: the parent's login, with its login session (the refresh-token family, `fam`) when the
 * token came from one; profile: a kids device limited to one profile, naming its device row (`dev`),
 * which a parent can sign out.
 */
export type Principal =
  | { userId: string; scope: 'household'; familyId?: string }
  | { userId: string; scope: 'profile'; profileId: string; deviceId?: string };

/** A missing or bad PIN proof: a 403, never a 401, which the old app answers with a token refresh. */
export const invalidPinToken = (detail = 'a valid PIN token (pin_token) is required') => new AppError('forbidden', 'invalid_pin_token', detail);

const ALGORITHMS = ['HS256'];

/** Signs and checks JWTs: HS256 only, exp/iss/aud required; each token kind has its own audience. */
export class TokenService {
  readonly #key: KeyObject;
  readonly #s: TokenSettings;
  // verified access tokens until they expire: players send the same token every 30 s, and HMAC
  // verification through WebCrypto was ~15 % of a heartbeat's CPU
  readonly #verified = new LRUCache<string, Principal>({ max: 10_000 });

  constructor(s: TokenSettings) {
    this.#key = createSecretKey(Buffer.from(s.secret, 'utf8')); // imported once, not on every verify
    this.#s = s;
  }

  async sign(subject: string, audienceSuffix: string, ttlSeconds: number, claims: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(this.#s.issuer)
      .setAudience(this.#s.audience + audienceSuffix)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.#key);
  }

  async verify(token: string, audienceSuffix: string): Promise<Record<string, unknown> & { sub: string }> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ALGORITHMS, issuer: this.#s.issuer, audience: this.#s.audience + audienceSuffix,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      return payload as Record<string, unknown> & { sub: string };
    } catch {
      throw unauthorized('invalid or expired token', 'invalid_token');
    }
  }

  /**
   * The refresh token that replaces `token` when it rotates: derived from it with the signing key,
   * so a rotation repeated after a lost answer hands out the same successor, though only hashes
   * are stored, and nobody without the key can work it out.
   */
  successorOf(token: string): string {
    return createHmac('sha256', this.#key).update(`refresh:${token}`).digest('base64url');
  }

  accessToken(p: Principal): Promise<string> {
    if (p.scope === 'profile') return this.sign(p.userId, '', this.#s.deviceTtlSeconds, { scope: 'profile', profile_id: p.profileId, ...(p.deviceId ? { dev: p.deviceId } : {}) });
    return this.sign(p.userId, '', this.#s.accessTtlSeconds, { scope: 'household', ...(p.familyId ? { fam: p.familyId } : {}) });
  }

  get deviceTtlSeconds(): number {
    return this.#s.deviceTtlSeconds;
  }

  /**
   * Proof of a recent correct PIN: its own audience, so it is never an access token nor the reverse.
   * It carries the account's PIN epoch, which a PIN change, reset or lock moves on.
   */
  pinToken(userId: string, epoch: number): Promise<string> {
    return this.sign(userId, PIN_AUDIENCE, PIN_TOKEN_TTL_SECONDS, { scope: 'pin', pe: epoch });
  }

  /** The PIN epoch a valid PIN token of this user carries (403 invalid_pin_token otherwise). */
  async pinTokenEpoch(token: string, userId: string): Promise<number> {
    const claims = await this.verify(token, PIN_AUDIENCE).catch(() => null);
    if (!claims || claims.sub !== userId || claims.scope !== 'pin' || typeof claims.pe !== 'number') throw invalidPinToken(PIN_TOKEN_STALE);
    return claims.pe;
  }

  /**
   * A live-stream ticket for browsers' EventSource, which cannot send headers: bound to
   * the caller and to one stream path, for one minute. Its own audience: never an access token.
   * It carries no login session, so it is never PIN proof.
   */
  ticket(p: Principal, path: string): Promise<string> {
    const who = p.scope === 'profile' ? { profile_id: p.profileId, ...(p.deviceId ? { dev: p.deviceId } : {}) } : (p.familyId ? { fam: p.familyId } : {});
    return this.sign(p.userId, TICKET_AUDIENCE, TICKET_TTL_SECONDS, { scope: 'ticket', as: p.scope, path, ...who });
  }

  /** The caller a ticket stands for: 401 when it is invalid or expired, 403 on another path. */
  async ticketPrincipal(ticket: string, path: string): Promise<Principal> {
    const claims = await this.verify(ticket, TICKET_AUDIENCE);
    if (claims.scope !== 'ticket') throw unauthorized('invalid or expired ticket', 'invalid_ticket');
    if (claims.path !== path) throw new AppError('forbidden', 'ticket_path', 'this ticket is for another stream; ask for one for this path');
    if (claims.as === 'profile' && typeof claims.profile_id === 'string') return profilePrincipal(claims.sub, claims.profile_id, claims.dev);
    if (claims.as === 'household') return { userId: claims.sub, scope: 'household', ...(typeof claims.fam === 'string' ? { familyId: claims.fam } : {}) };
    throw unauthorized('invalid or expired ticket', 'invalid_ticket');
  }

  async principal(token: string): Promise<Principal> {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    const principal = await this.#principalOf(token);
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).exp as number;
    this.#verified.set(token, principal, { ttl: Math.max(1, exp * 1000 - Date.now()) });
    return principal;
  }

  async #principalOf(token: string): Promise<Principal> {
    const claims = await this.verify(token, '');
    if (claims.scope === 'profile' && typeof claims.profile_id === 'string') return profilePrincipal(claims.sub, claims.profile_id, claims.dev);
    if (claims.scope === 'household') return { userId: claims.sub, scope: 'household', ...(typeof claims.fam === 'string' ? { familyId: claims.fam } : {}) };
    throw unauthorized('invalid or expired token', 'invalid_token');
  }
}

const profilePrincipal = (userId: string, profileId: string, dev: unknown): Principal =>
  ({ userId, scope: 'profile', profileId, ...(typeof dev === 'string' ? { deviceId: dev } : {}) });

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
