import { z } from 'zod';
import { AppError } from '../../domain/shared/errors.ts';
import { route } from '../route.ts';

export function healthRoutes(dbReady: () => Promise<boolean>) {
  return [
    route({
      method: 'get', path: '/health/live', summary: 'The process is up', tag: 'ops', access: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: async () => ({ status: 'ok' as const }),
    }),
    route({
      method: 'get', path: '/health/ready', summary: 'The database answers (503 while it does not)', tag: 'ops', access: 'public',
      response: z.object({ status: z.literal('ready') }), errors: [503],
      handler: async () => {
        if (await dbReady()) return { status: 'ready' as const };
        throw new AppError('unavailable', 'database_unavailable', 'the database is unreachable', { retry_after: 5 });
      },
    }),
  ];
}
