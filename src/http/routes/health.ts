import { z } from 'zod';
import { AppError } from '../../domain/shared/errors.ts';
import { route } from '../route.ts';

/** readiness: 'ready', 'draining' (stopping: send traffic elsewhere) or 'database_unavailable'. */
export function healthRoutes(readiness: () => Promise<'ready' | 'draining' | 'database_unavailable'>) {
  return [
    route({
      method: 'get', path: '/health/live', summary: 'The process is up', tag: 'ops', access: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: async () => ({ status: 'ok' as const }),
    }),
    route({
      method: 'get', path: '/health/ready', summary: 'Ready for traffic: 503 while the database is unreachable or the process is draining', tag: 'ops', access: 'public',
      response: z.object({ status: z.literal('ready') }), errors: [503],
      handler: async () => {
        const state = await readiness();
        if (state === 'ready') return { status: 'ready' as const };
        if (state === 'draining') throw new AppError('unavailable', 'draining', 'this process is shutting down; other processes take the traffic', { retry_after: 1 });
        throw new AppError('unavailable', 'database_unavailable', 'the database is unreachable', { retry_after: 5 });
      },
    }),
  ];
}
