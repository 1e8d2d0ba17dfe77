import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';

const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'vtime-config-'));

describe('configuration', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({ DATA_DIR: dataDir() });
    expect(c.PORT).toBe(8000);
    expect(c.CONFIG_CACHE_TTL_SECONDS).toBe(60);
    expect(c.CONFIG_CACHE_MAX_ENTRIES).toBe(10000);
    expect([c.METRICS_HOST, c.METRICS_PORT]).toEqual(['127.0.0.1', 9464]);
    expect(c.TRUST_PROXY).toEqual([]);
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.1, haproxy' })).toThrow(/TRUST_PROXY/);
  });

  it('reads TRUST_PROXY as a list of addresses and ranges', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).TRUST_PROXY).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
  });

  it('production needs a secret; the value the repository once held is refused everywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    const vapid = { VAPID_PUBLIC_KEY: 'BPub', VAPID_PRIVATE_KEY: 'priv', VAPID_SUBJECT: 'mailto:sre@example.com' };
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40), ...vapid }).NODE_ENV).toBe('production');
    // and Web Push's key pair and contact: each named when missing
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(40) })).toThrow(/VAPID_PUBLIC_KEY[\s\S]*VAPID_PRIVATE_KEY[\s\S]*VAPID_SUBJECT/);
    for (const NODE_ENV of ['production', 'development', 'test']) {
      expect(() => loadConfig({ NODE_ENV, JWT_SECRET: 'vtime-development-secret-change-me-0123456789' })).toThrow(/published in the repository/);
    }
  });

  it('outside production, makes a random secret once per installation and keeps it under DATA_DIR', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const again = loadConfig({ DATA_DIR: dir });
    expect(first.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(again.JWT_SECRET).toBe(first.JWT_SECRET);
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first.JWT_SECRET);
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o077).toBe(0); // the owner's only
    expect(loadConfig({ DATA_DIR: dataDir() }).JWT_SECRET).not.toBe(first.JWT_SECRET); // another installation
  });
});
