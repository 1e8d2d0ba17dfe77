import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

export interface DeviceRow {
  id: string;
  profile_id: string;
  profile_name: string;
  created_at: Date;
  last_seen_at: Date | null;
  expires_at: Date;
}

export async function create(em: EntityManager, d: { id: string; userId: string; profileId: string; now: Date; expiresAt: Date }): Promise<void> {
  await runNamed(em, 'device_create', `insert into kids_devices (id, user_id, profile_id, created_at, expires_at) values ($1, $2, $3, $4, $5)`,
    [d.id, d.userId, d.profileId, d.now, d.expiresAt]);
}

/** The household's devices still signed in (not revoked, not expired), newest first. */
export function list(em: EntityManager, userId: string, now: Date): Promise<DeviceRow[]> {
  return runNamed<DeviceRow>(em, 'device_list', `select d.id, d.profile_id, p.name as profile_name, d.created_at, d.last_seen_at, d.expires_at
    from kids_devices d join profiles p on p.id = d.profile_id
    where d.user_id = $1 and d.revoked_at is null and d.expires_at > $2 order by d.created_at desc, d.id`, [userId, now]);
}

/** Signs out one device (`id`) or every device of the household (null); the ids it signed out. */
export async function revoke(em: EntityManager, userId: string, id: string | null, now: Date): Promise<string[]> {
  const rows = await runNamed<{ id: string }>(em, 'device_revoke', `update kids_devices set revoked_at = $3
    where user_id = $1 and ($2::uuid is null or id = $2) and revoked_at is null and expires_at > $3 returning id`, [userId, id, now]);
  return rows.map((r) => r.id);
}

/** Devices signed out whose tokens have not expired yet: what every process refuses. */
export async function revokedUnexpired(em: EntityManager, now: Date): Promise<string[]> {
  return (await runNamed<{ id: string }>(em, 'device_revoked', 'select id from kids_devices where revoked_at is not null and expires_at > $1', [now])).map((r) => r.id);
}

/** When devices were last seen (kept in memory, written about once a minute in one statement). */
export async function touch(em: EntityManager, seen: [string, Date][]): Promise<void> {
  if (!seen.length) return;
  await runNamed(em, 'device_touch', `update kids_devices d set last_seen_at = greatest(d.last_seen_at, s.at)
    from unnest($1::uuid[], $2::timestamptz[]) as s(id, at) where d.id = s.id`, [seen.map((s) => s[0]), seen.map((s) => s[1])]);
}
