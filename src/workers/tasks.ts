// Pure functions run inside Piscina worker threads: plain data in, plain data out.
import { threadId } from 'node:worker_threads';
import bcrypt from 'bcrypt';

export async function hashSecret(input: { secret: string; cost: number }): Promise<string> {
  return bcrypt.hash(input.secret, input.cost);
}

export async function verifySecret(input: { secret: string; hash: string }): Promise<boolean> {
  return bcrypt.compare(input.secret, input.hash);
}

/** Lets tests prove the work ran off the main thread. */
export function whereAmI(): { threadId: number } {
  return { threadId };
}

export { buildWeeklyReport } from './weekly-report.ts';
