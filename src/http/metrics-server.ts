import http from 'node:http';
import type { Logger } from 'pino';
import type { ClusterMetrics } from '../domain/metrics/cluster-metrics.ts';

const json = (res: http.ServerResponse, status: number, body: object) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * Prometheus's own listener (METRICS_PORT, loopback by default): GET /metrics and nothing else,
 * kept off the public port. A scrape reads memory only (ClusterMetrics.prometheus).
 */
export function createMetricsServer(metrics: ClusterMetrics, log: Logger): http.Server {
  return http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      json(res, 404, { detail: 'this port serves GET /metrics only', code: 'route_not_found' });
      return;
    }
    metrics.prometheus().then(({ contentType, text }) => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(text);
    }, (err: unknown) => {
      log.error({ err }, 'metrics scrape failed');
      json(res, 500, { detail: 'internal server error', code: 'internal_error' });
    });
  });
}
