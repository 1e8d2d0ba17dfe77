import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One row per live service process: its metrics, republished every second. Cluster-wide figures
 * are merged from these rows, so they hold under our own cluster, PM2 or several machines alike.
 */
export const MetricsSnapshot = defineEntity({
  name: 'MetricsSnapshot',
  tableName: 'metrics_snapshots',
  properties: {
    processKey: p.string().length(100).primary(),
    host: p.string().length(255),
    pid: p.integer(),
    serviceStartedAt: p.datetime(),
    updatedAt: p.datetime().index(),
    snapshot: p.json<Record<string, unknown>>(),
  },
});
export type IMetricsSnapshot = InferEntity<typeof MetricsSnapshot>;
