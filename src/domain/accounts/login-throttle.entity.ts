import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * Password attempts of one account (`account:<email>`, whether it exists or not) or one client
 * address (`address:<ip>`) in the current window, and its lockout. In PostgreSQL, so the limit holds
 * across every process and host.
 */
export const LoginThrottle = defineEntity({
  name: 'LoginThrottle',
  tableName: 'login_throttles',
  properties: {
    key: p.string().length(300).primary(),
    failures: p.integer().default(0),
    windowStartedAt: p.datetime(),
    lockouts: p.integer().default(0),
    lockedUntil: p.datetime().nullable(),
    updatedAt: p.datetime().index(),
  },
});
export type ILoginThrottle = InferEntity<typeof LoginThrottle>;
