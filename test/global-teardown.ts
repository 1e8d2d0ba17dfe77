import { rmSync } from 'node:fs';
import { dropDatabase } from '../src/ops/embedded.ts';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __vtimeDb?: { stop(): Promise<void> } };
  await g.__vtimeDb?.stop();
  if (process.env.VTIME_TEST_DATA_DIR) rmSync(process.env.VTIME_TEST_DATA_DIR, { recursive: true, force: true });
  if (process.env.VTIME_TEST_DROP_DATABASE) await dropDatabase(process.env.VTIME_TEST_DROP_DATABASE);
}
