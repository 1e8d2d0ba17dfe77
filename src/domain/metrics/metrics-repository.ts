import type { EntityManager } from '@mikro-orm/core';
import { runNamed } from '../../db/statement.ts';

// Every process's metrics snapshot, one row each, merged by whichever process answers.
const PUBLISH = `insert into metrics_snapshots (process_key, host, pid, service_started_at, updated_at, snapshot)
  values ($1, $2, $3, $4, now(), $5)
  on conflict (process_key) do update set updated_at = now(), snapshot = excluded.snapshot, service_started_at = excluded.service_started_at`;
// publish this process's row and read the other fresh rows in one round trip (the select sees the
// statement's snapshot, so this process's own row is left out and taken from memory instead)
const EXCHANGE = `with published as (${PUBLISH} returning process_key)
  select process_key, service_started_at, snapshot from metrics_snapshots
  where updated_at > now() - make_interval(secs => $6) and process_key <> $1`;

export interface SnapshotRow<S> { process_key: string; service_started_at: Date; snapshot: S }

export async function publish(em: EntityManager, s: { processKey: string; host: string; pid: number; serviceStartedAt: Date; snapshot: string }): Promise<void> {
  await runNamed(em, 'metrics_publish', PUBLISH, [s.processKey, s.host, s.pid, s.serviceStartedAt, s.snapshot]);
}

export async function withdraw(em: EntityManager, processKey: string): Promise<void> {
  await runNamed(em, 'metrics_withdraw', 'delete from metrics_snapshots where process_key = $1', [processKey]);
}

/** Publishes this process's snapshot and returns the other processes' fresh ones. */
export function exchange<S>(em: EntityManager, s: { processKey: string; host: string; pid: number; serviceStartedAt: Date; snapshot: string }, freshSeconds: number): Promise<SnapshotRow<S>[]> {
  return runNamed<SnapshotRow<S>>(em, 'metrics_exchange', EXCHANGE, [s.processKey, s.host, s.pid, s.serviceStartedAt, s.snapshot, freshSeconds]);
}
