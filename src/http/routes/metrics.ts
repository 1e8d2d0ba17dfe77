import { z } from 'zod';
import type { ClusterMetrics } from '../../domain/metrics/cluster-metrics.ts';
import { route } from '../route.ts';

export function metricsRoutes(metrics: ClusterMetrics) {
  return [
    route({
      method: 'get', path: '/api/v1/admin/metrics', summary: 'Cluster-wide service metrics (admins only)', tag: 'admin', access: 'admin',
      response: z.object({ uptime_seconds: z.int(), processes_reporting: z.int() }).loose(),
      handler: () => metrics.admin(),
    }),
    route({
      method: 'get', path: '/metrics', summary: 'Prometheus text format, aggregated over every process', tag: 'ops', access: 'public',
      handler: async ({ ctx }) => {
        const { contentType, text } = await metrics.prometheus();
        ctx.type = contentType;
        return text;
      },
    }),
  ];
}
