import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The relay's place in the events table: the last event it turned into delivery jobs (one row). */
export const AlertRelay = defineEntity({
  name: 'AlertRelay',
  tableName: 'alert_relay',
  properties: {
    id: p.smallint().primary().autoincrement(false),
    lastEventId: p.bigint('number'),
    updatedAt: p.datetime(),
  },
});
export type IAlertRelay = InferEntity<typeof AlertRelay>;
