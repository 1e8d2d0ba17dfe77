import { z } from 'zod';
import type { ClusterMetrics } from '../../domain/metrics/cluster-metrics.ts';
import { route } from '../route.ts';

// Prometheus text is not served here: it has a listener of its own (metrics-server.ts, METRICS_PORT)
export function metricsRoutes(metrics: ClusterMetrics) {
  return [
    route({
      method: 'get', path: '/api/v1/admin/metrics', summary: 'Cluster-wide service metrics (admins only)', tag: 'admin', access: 'admin',
      response: z.object({ uptime_seconds: z.int(), processes_reporting: z.int() }).loose(),
      handler: () => metrics.admin(),
    }),
  ];
}
