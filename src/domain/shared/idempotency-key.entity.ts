import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * An Idempotency-Key seen on a POST (SPEC §4), in the scope of the caller, the method and the path.
 * status and body are the first request's answer; null while that request still runs. Kept 24 h.
 */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  indexes: [{ name: 'idempotency_keys_created_idx', properties: ['createdAt'] }],
  properties: {
    scope: p.string().length(400).primary(),
    key: p.string().length(255).primary(),
    bodyHash: p.string().length(64),
    createdAt: p.datetime(),
    status: p.integer().nullable(),
    body: p.json<unknown>().nullable(),
    answeredAt: p.datetime().nullable(),
  },
});

export type IIdempotencyKey = InferEntity<typeof IdempotencyKey>;
