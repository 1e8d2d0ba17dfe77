import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

export const EVENT_TYPES = ['time_request', 'grant', 'settings_changed', 'session_superseded', 'limit_reached', 'pause', 'break_started', 'limit_percent_used'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  household: string;
  profile: string | null;
  type: EventType;
  payload: Record<string, unknown>;
}

export interface EventRow {
  id: string; // bigint, as text
  household_id: string;
  profile_id: string | null;
  type: EventType;
  payload: Record<string, unknown>;
  created_at: Date;
}

const EMIT = 'select vt_emit(p_household => $1::uuid[], p_profile => $2::uuid[], p_type => $3::text[], p_payload => $4::jsonb[]) as last';

/** Writes events in the caller's transaction (call it last there: vt_emit's lock is held to the commit). */
export async function emit(em: EntityManager, events: NewEvent[]): Promise<void> {
  if (!events.length) return;
  await runNamed(em, 'vt_emit', EMIT, [events.map((e) => e.household), events.map((e) => e.profile), events.map((e) => e.type), events.map((e) => JSON.stringify(e.payload))]);
}

const AFTER = `select id::text, household_id, profile_id, type, payload, created_at from events where id > $1::bigint order by events.id limit $2`;

/** Every event after `cursor`, in id (= commit) order. */
export function after(em: EntityManager, cursor: string, limit: number): Promise<EventRow[]> {
  return runNamed<EventRow>(em, 'events_after', AFTER, [cursor, limit]);
}

const REPLAY = `select id::text, household_id, profile_id, type, payload, created_at from events
  where household_id = $1 and id > $2::bigint and ($3::uuid is null or profile_id = $3) order by events.id limit $4`;

/** A household's (or one profile's) events after `lastId`, for a stream that reconnects. */
export function replay(em: EntityManager, household: string, lastId: string, profile: string | null, limit: number): Promise<EventRow[]> {
  return runNamed<EventRow>(em, 'events_replay', REPLAY, [household, lastId, profile, limit]);
}

/** Is `id` one of this household's events still kept (so a resume from it misses nothing)? */
export async function known(em: EntityManager, household: string, id: string): Promise<boolean> {
  return (await runNamed(em, 'events_known', 'select 1 from events where id = $1::bigint and household_id = $2', [id, household])).length > 0;
}

export async function lastId(em: EntityManager): Promise<string> {
  return (await runNamed<{ id: string }>(em, 'events_last', `select coalesce(max(id), 0)::text as id from events`, []))[0].id;
}

const OPEN = 'select vt_open_stream(p_household => $1, p_stream => $2, p_process => $3, p_limit => $4, p_fresh_seconds => $5) as id';

/** Claims one of the household's stream places, cluster-wide; false when none is left. */
export async function openStream(em: EntityManager, s: { household: string; stream: string; process: string; limit: number; freshSeconds: number }): Promise<boolean> {
  const [row] = await runNamed<{ id: string | null }>(em, 'vt_open_stream', OPEN, [s.household, s.stream, s.process, s.limit, s.freshSeconds]);
  return row.id !== null;
}

export async function closeStreams(em: EntityManager, ids: string[]): Promise<void> {
  if (ids.length) await runNamed(em, 'event_streams_close', 'delete from event_streams where id = any($1::uuid[])', [ids]);
}
