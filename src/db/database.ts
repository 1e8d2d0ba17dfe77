import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL when given; otherwise an embedded PostgreSQL with its data under DATA_DIR. */
export async function resolveDatabase(config: Config, log: (m: string) => void): Promise<Database> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: false, stop: async () => {} };
  const db = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, database: 'vtime', persistent: true, log });
  return { url: db.url, embedded: true, stop: db.stop };
}
