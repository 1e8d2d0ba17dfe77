// Every operation of the service's own OpenAPI document, driven with generated bad requests
// (fast-check, seeded per run; the seed is printed, FUZZ_SEED=<n> replays a run): NUL bytes, bad
// Content-Encodings, huge and deeply nested JSON, wrong types, out-of-range numbers, invalid
// dates and time zones, bad path and query values. Not one answer may be a 5xx or carry a stack.
import { gzipSync, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { client, newHousehold, startTestService, type TestService } from '../harness.ts';
import { createTitles, household } from './viewing-time.fixtures.ts';

type Json = Record<string, any>;
interface Operation { method: string; path: string; params: { name: string; in: string; schema: Json }[]; body?: Json; auth: boolean }
interface Sent { op: string; status: number; text: string; req: string }

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 800); // × BATCH requests
const BATCH = 8;

let svc: TestService;
let ops: Operation[] = [];
const ids: Record<string, string[]> = {};
let tokens: string[] = [];

beforeAll(async () => {
  console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
  svc = await startTestService({ WORKER_THREADS: '2' });
  const api = client(svc.url);
  const h = await household(api);
  await api('POST', '/api/v1/parental-controls/pin', { token: h.token, body: { new_pin: '4821' } });
  const { regular } = await createTitles();
  const beat = await api('POST', '/api/v1/viewing-time/heartbeat', { token: h.token, body: { profile_id: h.kidId, title_id: regular, device_id: 'tv' } });
  const device = await api('POST', `/api/v1/auth/profiles/${h.kidId}/select`, { token: h.token });
  Object.assign(ids, { profile_id: [h.kidId, h.adultId], title_id: [regular], session_id: [beat.body.session_id], name: ['init.js', 'swagger-ui.css'] });
  tokens = [h.token, device.body.access_token, (await newHousehold(api)).access];
  const doc = (await api('GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, Json>> };
  ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, o]) => ({
    method: method.toUpperCase(), path, params: o.parameters ?? [], auth: !!o.security,
    body: o.requestBody?.content?.['application/json']?.schema,
  })));
}, 60_000);
afterAll(() => svc?.close());

// ---- values

const nasty = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '%00', '\uFFFF', '\uD800', '🙂'.repeat(40), '', ' ', '../../etc/passwd', '<script>', "'; drop table users; --", '${jndi:x}'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 5 }).map((s) => `${s}\u0000${s}`),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const badNumber = fc.constantFrom(-1, 0, -0.5, 1.5, 1e308, -1e308, 2 ** 53, -(2 ** 31), 99999999, 1e-300, Number.MAX_SAFE_INTEGER);
const badDate = fc.constantFrom('2026-02-30', '2026-13-01', '9999-99-99', '0000-00-00', '2026-1-1', '20260101', 'yesterday', '2026-11-25T25:61:00Z', '1969-12-31', '+275760-09-13', '');
const badZone = fc.constantFrom('Mars/Olympus_Mons', 'Europe/Berlin\u0000', 'UTC+25', 'Etc/GMT+99', '../UTC', 'europe/berlin ', 'A'.repeat(300));
const badTime = fc.constantFrom('24:00', '25:00', '07:60', '7:00', '-01:00', '07:00:00', '', 'noon');
const nested = fc.integer({ min: 50, max: 3000 }).chain((depth) => fc.constantFrom('[', '{"a":').map((open) => ({ depth, open })));
const wrongType = fc.oneof(fc.constant(null), fc.boolean(), badNumber, nasty, fc.constant([]), fc.constant({}), fc.array(fc.integer(), { maxLength: 3 }), fc.constant({ $gt: '' }));
const badValue = fc.oneof({ weight: 3, arbitrary: wrongType }, badDate, badZone, badTime, fc.jsonValue({ maxDepth: 3 }));

/** A value that fits the JSON schema (roughly): the background in which one field goes bad. */
function plausible(s: Json | undefined, depth = 0): unknown {
  if (!s || depth > 4) return 'x';
  if (s.anyOf) return plausible(s.anyOf.find((x: Json) => x.type !== 'null') ?? s.anyOf[0], depth + 1);
  if (s.enum) return s.enum[0];
  if (s.const !== undefined) return s.const;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'object': return Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, Json>).map(([k, v]) => [k, plausible(v, depth + 1)]));
    case 'array': return [plausible(s.items, depth + 1)];
    case 'integer': case 'number': return s.minimum ?? 15;
    case 'boolean': return true;
    default:
      if (s.format === 'uuid') return ids.profile_id[0];
      if (s.format === 'email') return 'fuzz@example.com';
      if (s.format === 'date') return '2026-11-25';
      if (/^\^\(\?:\[01\]/.test(s.pattern ?? '') || /HH:MM/.test(s.description ?? '')) return '07:00';
      return s.minLength ? 'y'.repeat(s.minLength) : 'fuzz';
  }
}

/** Every property path of a body (a.b[0].c), so a mutation can reach nested fields. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (v && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return [at];
}
function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (!at.length) return value;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  copy[at[0]] = setAt(copy[at[0]], at.slice(1), value);
  return copy;
}

// ---- requests

const BOMB = gzipSync(`{"a":"${'a'.repeat(5_000_000)}"}`); // 5 MB inflated from a few KiB

type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; headers: Record<string, string> } | { kind: 'bytes'; bytes: Buffer; headers: Record<string, string> };

const bodyFor = (op: Operation): fc.Arbitrary<Body | undefined> => {
  const base = plausible(op.body);
  const mutated = fc.tuple(fc.nat(), badValue).map(([i, v]) => { const p = paths(base); return { kind: 'json' as const, value: setAt(base, p[i % p.length], v) }; });
  const extraKey = fc.tuple(nasty, wrongType).map(([k, v]) => ({ kind: 'json' as const, value: { ...(base as object), [k]: v } }));
  const deep = nested.map(({ depth, open }) => ({ kind: 'raw' as const, text: open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth), headers: {} }));
  const huge = fc.integer({ min: 17_000, max: 200_000 }).map((n) => ({ kind: 'raw' as const, text: JSON.stringify({ ...(base as object), pad: 'p'.repeat(n) }), headers: {} }));
  const text = JSON.stringify(base ?? {});
  const encoding = fc.constantFrom<Body>(
    { kind: 'bytes', bytes: Buffer.from(text), headers: { 'content-encoding': 'gzip' } },
    { kind: 'bytes', bytes: Buffer.from(text), headers: { 'content-encoding': 'deflate' } },
    { kind: 'bytes', bytes: Buffer.from(text), headers: { 'content-encoding': 'br' } },
    { kind: 'bytes', bytes: Buffer.from(text), headers: { 'content-encoding': 'x-made-up' } },
    { kind: 'bytes', bytes: gzipSync(text).subarray(0, 12), headers: { 'content-encoding': 'gzip' } },
    { kind: 'bytes', bytes: deflateSync(text).subarray(0, 5), headers: { 'content-encoding': 'deflate' } },
    { kind: 'bytes', bytes: BOMB, headers: { 'content-encoding': 'gzip' } },
    { kind: 'bytes', bytes: gzipSync(gzipSync(text)), headers: { 'content-encoding': 'gzip, gzip' } },
  );
  const garbage = fc.oneof(
    fc.string({ maxLength: 200 }).map((t) => ({ kind: 'raw' as const, text: t, headers: {} })),
    fc.constantFrom('{', '{"a":}', 'null', '[]', '"str"', '1e999', '{"a":1,"a":2}', '{"__proto__":{"is_admin":true}}', '\u0000').map((t) => ({ kind: 'raw' as const, text: t, headers: {} })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })),
    fc.constant({ kind: 'raw' as const, text: text, headers: { 'content-type': 'text/plain' } }),
    fc.constant({ kind: 'raw' as const, text: text, headers: { 'content-type': 'application/json; charset=latin-1' } }),
  );
  const kinds = fc.oneof({ weight: 5, arbitrary: mutated }, extraKey, deep, huge, encoding, garbage);
  return op.body ? kinds : fc.option(kinds, { freq: 3 }).map((b) => b ?? undefined);
};

const paramValue = (name: string, schema: Json) => fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...(ids[name] ?? [String(plausible(schema))])) },
  nasty, badNumber.map(String), badDate, badZone, fc.uuid(),
);

/** Percent-encoding; a lone surrogate (which encodeURIComponent refuses) becomes bytes that are not UTF-8. */
const enc = (v: string) => { try { return encodeURIComponent(v); } catch { return '%ED%A0%80%FF'; } };

interface Req { op: Operation; path: string; query: string; token: string | null; body?: Body; headers: Record<string, string> }

const arbitraries = new Map<Operation, fc.Arbitrary<Req>>();
const requestFor = (op: Operation): fc.Arbitrary<Req> => {
  if (!arbitraries.has(op)) arbitraries.set(op, buildRequest(op));
  return arbitraries.get(op)!;
};

const buildRequest = (op: Operation): fc.Arbitrary<Req> => {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  return fc.record({
    path: fc.tuple(...pathParams.map((p) => paramValue(p.name, p.schema))).map((vals) =>
      pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, enc(String(vals[i]))), op.path)),
    query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...queryParams.map((p) => p.name), 'from_date', 'to_date', 'limit'), nasty), fc.oneof(badDate, badNumber.map(String), nasty, badZone)), { maxLength: 3 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '')),
    token: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...tokens) }, fc.constant(null), nasty.map((t) => t.replace(/[\r\n]/g, ''))),
    body: bodyFor(op),
    headers: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, fc.constantFrom<Record<string, string>>(
      { 'x-forwarded-for': '1.2.3.4, \u0001' }, { 'if-match': '"\u00ff"' }, { 'x-request-id': '../../x' }, { authorization: 'bearer' }, { 'accept-encoding': 'x' })),
  }).map((r) => ({ op, ...r }));
};

async function send(r: Req): Promise<Sent> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.token !== null) headers.authorization = `Bearer ${r.token}`;
  let body: string | Buffer | undefined;
  if (r.body?.kind === 'json') { body = JSON.stringify(r.body.value); headers['content-type'] = 'application/json'; }
  if (r.body?.kind === 'raw' || r.body?.kind === 'bytes') {
    body = r.body.kind === 'raw' ? r.body.text : r.body.bytes;
    Object.assign(headers, { 'content-type': 'application/json', ...r.body.headers });
  }
  const method = r.op.method === 'GET' && body !== undefined ? 'POST' : r.op.method; // fetch sends no GET body: a wrong method, then
  const desc = `${method} ${r.path}${r.query} body=${body === undefined ? '-' : String(body).slice(0, 120)} headers=${JSON.stringify(headers).slice(0, 200)}`;
  try {
    const res = await fetch(svc.url + r.path + r.query, { method, headers, body, redirect: 'manual' });
    if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body?.cancel(); // a live-events stream that opened: it never ends by itself
      return { op: `${r.op.method} ${r.op.path}`, status: res.status, text: '', req: desc };
    }
    return { op: `${r.op.method} ${r.op.path}`, status: res.status, text: await res.text(), req: desc };
  } catch (e) {
    // fetch itself refused what it was asked to send (a header it will not write): not an answer
    return { op: `${r.op.method} ${r.op.path}`, status: -1, text: String(e), req: desc };
  }
}

const STACK = /\n\s+at .+:\d+:\d+|"stack"|node_modules\/|\/src\//;

describe('fuzzing every operation of the OpenAPI document', () => {
  it(`answers ${RUNS * BATCH} generated bad requests (at least 5,000 of them sent) without one 5xx or stack trace`, async () => {
    expect(ops.length).toBeGreaterThan(25);
    const perOp = new Map<string, number>();
    const statuses = new Map<number, number>();
    let sent = 0;
    const batch = fc.array(fc.constantFrom(...ops).chain(requestFor), { minLength: BATCH, maxLength: BATCH });
    const result = await fc.check(fc.asyncProperty(batch, async (reqs) => {
      const answers = await Promise.all(reqs.map(send));
      for (const a of answers) {
        if (a.status === -1) continue;
        sent++;
        perOp.set(a.op, (perOp.get(a.op) ?? 0) + 1);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status >= 500 || STACK.test(a.text)) throw new Error(`${a.status} for ${a.req}\n→ ${a.text.slice(0, 300)}`);
      }
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    // the failing request alone (fast-check's own report would print the whole batch, megabytes of it)
    if (result.failed) throw new Error(`fuzz seed ${SEED}: ${(result.errorInstance as Error | undefined)?.message ?? 'failed'}`);
    console.log(`fuzz seed ${SEED}: ${sent} requests, ${perOp.size} operations; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
    expect(sent).toBeGreaterThanOrEqual(5000);
    expect([...perOp.keys()].sort()).toEqual(ops.map((o) => `${o.method} ${o.path}`).sort()); // every operation was driven
    expect(svc.logLines.filter((l) => (l.level as number) >= 50)).toEqual([]); // nothing logged as failed
  }, 120_000);
});
