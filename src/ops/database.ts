import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { claimDataDir } from './instance.ts';

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL with its data under DATA_DIR, which
 * this process claims first (`owner`: what vtime.pid tells a second start, e.g. the URL served).
 * Throws AlreadyRunning while another live process has it.
 */
export async function resolveDatabase(config: Config, log: (m: string) => void, owner: string): Promise<Database> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: false, stop: async () => {} };
  const claim = claimDataDir(config.DATA_DIR, owner);
  try {
    const db = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, database: 'vtime', persistent: true, log });
    return { url: db.url, embedded: true, stop: async () => { await db.stop(); claim.release(); } };
  } catch (e) {
    claim.release();
    throw e;
  }
}
