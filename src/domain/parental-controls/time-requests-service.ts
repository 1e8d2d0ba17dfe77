// "Ask for more time": a child asks from a kids device, a parent answers
// with PIN proof; each change is a live event written in the change's own transaction.
import { LockMode, UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/core';
import type { IdentityService } from '../accounts/identity.ts';
import { User } from '../accounts/user.entity.ts';
import type { Principal } from '../accounts/tokens.ts';
import * as events from '../live-events/events-repository.ts';
import type { GrantsService } from './grants-service.ts';
import type { PinService } from './pin-service.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError, conflict, notFound } from '../shared/errors.ts';
import type { ConfigService } from '../viewing-time/config-service.ts';
import type { Today } from '../viewing-time/today.ts';
import { TimeRequest, type ITimeRequest, type REQUEST_STATUSES } from './time-request.entity.ts';
import * as repo from './time-requests-repository.ts';

/** After a denial the child waits this long before asking again. */
export const DENIAL_COOLDOWN_SECONDS = 600;
/** Requests a profile may make in one viewing day. */
export const MAX_REQUESTS_PER_DAY = 10;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];
type Proof = { pin?: string | null; pin_token?: string | null };

export interface RequestView {
  id: string;
  profile_id: string;
  minutes: number;
  message: string | null;
  status: RequestStatus;
  date: string;
  created_at: string;
  expires_at: string;
  answered_at: string | null;
  minutes_granted: number | null;
  unlimited: boolean;
}

const iso = (d: Date | string) => new Date(d).toISOString();

type RequestFields = Pick<ITimeRequest, 'id' | 'minutes' | 'message' | 'status' | 'resetDate' | 'createdAt' | 'expiresAt' | 'answeredAt' | 'minutesGranted' | 'unlimited'>;

export function requestView(r: RequestFields, profileId: string): RequestView {
  return {
    id: r.id, profile_id: profileId, minutes: r.minutes, message: r.message ?? null, status: r.status as RequestStatus,
    date: String(r.resetDate), created_at: iso(r.createdAt), expires_at: iso(r.expiresAt),
    answered_at: r.answeredAt ? iso(r.answeredAt) : null, minutes_granted: r.minutesGranted ?? null, unlimited: r.unlimited,
  };
}

const requestEvent = (household: string, view: RequestView, action: 'created' | 'approved' | 'denied' | 'expired', extra: Record<string, unknown> = {}): events.NewEvent =>
  ({ household, profile: view.profile_id, type: 'time_request', payload: { action, request: view, ...extra } });

export class TimeRequestsService {
  readonly #em: EntityManager;
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #pins: PinService;
  readonly #grants: GrantsService;
  readonly #clock: Clock;
  readonly #today: Today;
  /** Answers given by this process (the metrics sum every process's). */
  readonly stats = { approved: 0, denied: 0 };

  constructor(d: { em: EntityManager; identity: IdentityService; configs: ConfigService; pins: PinService; grants: GrantsService; clock: Clock; today: Today }) {
    this.#em = d.em;
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#pins = d.pins;
    this.#grants = d.grants;
    this.#clock = d.clock;
    this.#today = d.today;
  }

  /**
   * A child asks for more time today. One pending request per profile (the database's unique
   * index decides a race); 10 minutes after a denial and after 10 requests in a day: 429.
   */
  async ask(principal: Principal, input: { profile_id: string; minutes: number; message?: string | null }): Promise<RequestView> {
    const profileId = input.profile_id;
    const owner = await this.#identity.ownedProfile(principal, profileId);
    const now = this.#clock.now();
    const day = await this.#today.day(profileId, now); // an adult profile has no limits to ask about: 404
    await this.expireDue({ profile: profileId });
    return this.#em.transactional(async (em) => {
      const recent = await em.find(TimeRequest, {
        profile: profileId,
        $or: [{ resetDate: day.date }, { status: 'pending' }, { status: 'denied', answeredAt: { $gt: new Date(now.getTime() - DENIAL_COOLDOWN_SECONDS * 1000) } }],
      }, { orderBy: { createdAt: 'desc' } });
      const pending = recent.find((r) => r.status === 'pending');
      if (pending) throw conflict('request_pending', 'a request is already waiting for a parent’s answer', { request: requestView(pending, profileId) });
      const denied = recent.find((r) => r.status === 'denied' && r.answeredAt && now.getTime() - r.answeredAt.getTime() < DENIAL_COOLDOWN_SECONDS * 1000);
      if (denied) {
        const wait = Math.ceil((denied.answeredAt!.getTime() + DENIAL_COOLDOWN_SECONDS * 1000 - now.getTime()) / 1000);
        throw new AppError('too_many', 'request_cooldown', `the last request was denied; ask again in ${Math.ceil(wait / 60)} minutes`, { retry_after: wait });
      }
      if (recent.filter((r) => String(r.resetDate) === day.date).length >= MAX_REQUESTS_PER_DAY) {
        const wait = Math.max(1, Math.ceil((day.end.getTime() - now.getTime()) / 1000));
        throw new AppError('too_many', 'requests_per_day', `at most ${MAX_REQUESTS_PER_DAY} requests per day; ask again tomorrow`, { retry_after: wait });
      }
      const request = em.create(TimeRequest, {
        profile: profileId, minutes: input.minutes, message: input.message ?? null, status: 'pending', resetDate: day.date, expiresAt: day.end, createdAt: now, unlimited: false,
      });
      try {
        await em.flush();
      } catch (e) {
        if (e instanceof UniqueConstraintViolationException) throw conflict('request_pending', 'a request is already waiting for a parent’s answer');
        throw e;
      }
      const view = requestView(request, profileId);
      await events.emit(em, [requestEvent(owner.userId, view, 'created')]);
      return view;
    });
  }

  /** The child's requests of its current viewing day, newest first. */
  async own(principal: Principal, profileId: string) {
    await this.#identity.ownedProfile(principal, profileId);
    await this.#configs.get(profileId);
    await this.expireDue({ profile: profileId });
    return { profile_id: profileId, items: await this.#find({ profile: profileId, expiresAt: { $gt: this.#clock.now() } }) };
  }

  /**
   * The household's requests: by default those of each profile's current viewing day (its
   * requests expire when it ends); `date` picks a past day, `status` filters.
   */
  async household(principal: Principal, q: { status?: RequestStatus; date?: string; profile_id?: string }) {
    if (q.profile_id) await this.#identity.ownedProfile(principal, q.profile_id);
    await this.expireDue({ household: principal.userId });
    const where: FilterQuery<ITimeRequest> = { profile: q.profile_id ? q.profile_id : { user: principal.userId } };
    if (q.date) where.resetDate = q.date;
    else if (q.status !== 'pending') where.expiresAt = { $gt: this.#clock.now() };
    if (q.status) where.status = q.status;
    return { items: await this.#find(where) };
  }

  /** Approves with the minutes asked, other minutes (15..120) or null (unlimited today); the grant is linked to the request. */
  async approve(principal: Principal, requestId: string, input: Proof & { minutes?: number | null }) {
    return this.#answer(principal, requestId, input, async (em, request, profileId) => {
      const minutes = input.minutes === undefined ? request.minutes : input.minutes;
      request.status = 'approved';
      request.minutesGranted = minutes;
      request.unlimited = minutes === null;
      await em.flush();
      const grant = await this.#grants.grantIn(em, principal, profileId, { minutes, deviceId: null, requestId });
      this.stats.approved++;
      return { grant };
    });
  }

  async deny(principal: Principal, requestId: string, input: Proof) {
    return this.#answer(principal, requestId, input, async (em, request) => {
      request.status = 'denied';
      await em.flush();
      this.stats.denied++;
      return {};
    });
  }

  /** Pending requests whose viewing day ended become expired, each with its live event. */
  async expireDue(scope: { profile?: string; household?: string } = {}): Promise<number> {
    return this.#em.transactional(async (em) => {
      const rows = await repo.expireDue(em, this.#clock.now(), scope);
      await events.emit(em, rows.map((r) => requestEvent(r.household_id, requestView({
        id: r.id, minutes: r.minutes, message: r.message, status: 'expired', resetDate: r.reset_date, createdAt: r.created_at, expiresAt: r.expires_at,
        answeredAt: r.expires_at, minutesGranted: null, unlimited: false,
      }, r.profile_id), 'expired')));
      return rows.length;
    });
  }

  pendingCount(): Promise<number> {
    return repo.pendingCount(this.#em);
  }

  /**
   * An answer: the household's own request, PIN proof, then under the request's row lock: still
   * pending and its day not over, else 409. The change and its event commit together.
   */
  async #answer(principal: Principal, requestId: string, proof: Proof,
    apply: (em: EntityManager, r: ITimeRequest, profileId: string) => Promise<Record<string, unknown>>) {
    const found = await this.#em.findOne(TimeRequest, { id: requestId }, { fields: ['profile'] });
    if (!found) throw notFound('time request');
    const profileId = found.profile.id;
    const owner = await this.#identity.ownedProfile(principal, profileId).catch(() => { throw notFound('time request'); });
    await this.#pins.authorize(principal, proof);
    const now = this.#clock.now();
    const answered = await this.#em.transactional(async (em) => {
      const request = await em.findOneOrFail(TimeRequest, { id: requestId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (request.status !== 'pending') {
        throw conflict('request_answered', `this request is already ${request.status}`, { request: requestView(request, profileId) });
      }
      if (request.expiresAt.getTime() <= now.getTime()) return null;
      request.answeredBy = em.getReference(User, principal.userId);
      request.answeredAt = now;
      const extra = await apply(em, request, profileId);
      const view = requestView(request, profileId);
      await events.emit(em, [requestEvent(owner.userId, view, request.status as 'approved' | 'denied', extra)]);
      return { request: view, ...extra };
    });
    if (!answered) {
      await this.expireDue({ profile: profileId });
      throw conflict('request_expired', 'this request expired at the end of its viewing day');
    }
    return answered;
  }

  async #find(where: FilterQuery<ITimeRequest>): Promise<RequestView[]> {
    const rows = await this.#em.find(TimeRequest, where, { orderBy: { createdAt: 'desc' }, limit: 200 });
    return rows.map((r) => requestView(r, r.profile.id));
  }
}
