// The settings cache's loader (cached-loader.ts): TTL on an injected clock, LRU bound, honest hit
// counts, and a load that raced an invalidation never stored.
import { CachedLoader } from '../../src/domain/shared/cached-loader.ts';

function loader(max = 3, ttlMs = 60_000) {
  let now = 1_000_000;
  const cache = new CachedLoader<string, { v: string }>({ max, ttlMs, now: () => now });
  const loads: string[] = [];
  const load = async (k: string) => { loads.push(k); return { v: `${k}@${now}` }; };
  return { cache, loads, load, advance: (ms: number) => { now += ms; } };
}

describe('CachedLoader', () => {
  it('loads once per TTL; a hit is counted only when the value came from the cache', async () => {
    const { cache, loads, load, advance } = loader();
    expect(await cache.get('a', load)).toEqual({ v: 'a@1000000' });
    expect(await cache.get('a', load)).toEqual({ v: 'a@1000000' });
    advance(59_999);
    await cache.get('a', load);
    expect(loads).toEqual(['a']);
    advance(2);
    expect(await cache.get('a', load)).toEqual({ v: 'a@1060001' });
    expect(loads).toEqual(['a', 'a']);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, size: 1 });
  });

  it('holds at most max entries, dropping the least recently used', async () => {
    const { cache, loads, load } = loader(2);
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('a', load);
    await cache.get('c', load); // b goes
    await cache.get('a', load);
    await cache.get('b', load);
    expect(loads).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.stats().size).toBe(2);
  });

  it('a null load is not stored; invalidate drops one entry, clear all', async () => {
    const { cache, loads } = loader();
    const none = async (k: string) => { loads.push(k); return null; };
    expect(await cache.get('x', none)).toBeNull();
    expect(await cache.get('x', none)).toBeNull();
    expect(loads).toEqual(['x', 'x']);
    const load = async (k: string) => ({ v: k });
    await cache.get('a', load);
    await cache.get('b', load);
    cache.invalidate('a');
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toEqual({ v: 'b' });
    cache.clear();
    expect(cache.stats()).toMatchObject({ size: 0, invalidations: 2 });
  });

  it('a load that raced an invalidation is answered but not kept (it may hold the old value)', async () => {
    const { cache } = loader();
    let release!: () => void;
    const slow = (k: string) => new Promise<{ v: string }>((resolve) => { release = () => resolve({ v: `old ${k}` }); });
    const pending = cache.get('a', slow);
    cache.invalidate('a'); // the change committed while the load was on its way
    release();
    expect(await pending).toEqual({ v: 'old a' });
    expect(cache.peek('a')).toBeUndefined();
    const epoch = cache.epoch();
    cache.invalidate('b');
    cache.fill(epoch, 'a', { v: 'late' }); // a fill with an epoch from before an invalidation is refused too
    expect(cache.peek('a')).toBeUndefined();
  });

  it('peekAllowStale hands back an entry past its TTL, marked stale and not a hit', async () => {
    const { cache, load, advance } = loader();
    await cache.get('a', load);
    advance(61_000);
    const hits = cache.stats().hits;
    expect(cache.peekAllowStale('a')).toEqual({ value: { v: 'a@1000000' }, fresh: false });
    expect(cache.stats().hits).toBe(hits);
  });
});
