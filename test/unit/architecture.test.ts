// The architecture the repository's map (docs/architecture.md) describes: each rule's owner
// exists, imports point one way, no import cycle, SQL only where it belongs, and the day-row
// protocol has one owner.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const root = path.join(repo, 'src');
const MAP = readFileSync(path.join(repo, 'docs/architecture.md'), 'utf8');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const rel = (f: string) => path.relative(root, f);
const source = new Map(files(root).map((f) => [f, readFileSync(f, 'utf8')]));
/** Every import of a file: [specifier, type-only]. */
const importsOf = (f: string) => [...source.get(f)!.matchAll(/^import\s+(type\s+)?[^'"]*['"]([^'"]+)['"]/gm)].map((m) => ({ spec: m[2], typeOnly: Boolean(m[1]) }));
const resolved = (f: string, spec: string) => (spec.startsWith('.') ? path.resolve(path.dirname(f), spec) : null);
/** The layer or feature folder of a file: http, db, ops, workers, domain/<feature>, or the file itself at the top. */
const unit = (f: string) => {
  const parts = rel(f).split(path.sep);
  return parts[0] === 'domain' ? `domain/${parts[1]}` : parts.length > 1 ? parts[0] : parts[0];
};
const layer = (f: string) => rel(f).split(path.sep)[0];

/** Strongly connected components with more than one member (Tarjan): the import cycles. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  let i = 0;
  const visit = (n: string) => {
    index.set(n, i); low.set(n, i); i++; stack.push(n); on.add(n);
    for (const w of graph.get(n) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) { visit(w); low.set(n, Math.min(low.get(n)!, low.get(w)!)); } else if (on.has(w)) low.set(n, Math.min(low.get(n)!, index.get(w)!));
    }
    if (low.get(n) === index.get(n)) {
      const c: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); c.push(w); } while (w !== n);
      if (c.length > 1) found.push(c.sort());
    }
  };
  for (const n of graph.keys()) if (!index.has(n)) visit(n);
  return found;
}

const fileGraph = new Map([...source.keys()].map((f) => [f, new Set(importsOf(f).map((i) => resolved(f, i.spec)).filter((x): x is string => x !== null && source.has(x)))]));

describe('the rule map (docs/architecture.md)', () => {
  const rows = [...MAP.matchAll(/^\| ([^|]+) \| `([^`]+)`(?: `([^`]+)`(?:, `([^`]+)`)?)? \|$/gm)];

  it('names an owner for every rule, and each owner exists', () => {
    expect(rows.length).toBeGreaterThan(30);
    const missing = rows.flatMap(([, rule, file, ...symbols]) => {
      const full = path.join(repo, file);
      if (!existsSync(full)) return [`${rule}: ${file} does not exist`];
      const text = readFileSync(full, 'utf8');
      return symbols.filter(Boolean).filter((s) => !new RegExp(`\\b${s}\\b`).test(text)).map((s) => `${rule}: ${file} has no ${s}`);
    });
    expect(missing).toEqual([]);
  });

  it('every SQL function file is named in the map', () => {
    const named = new Set(rows.map((r) => r[2]));
    const sql = readdirSync(path.join(root, 'db/sql')).map((f) => `src/db/sql/${f}`);
    const unnamed = sql.filter((f) => !named.has(f) && !MAP.includes(path.basename(f, '.sql')));
    expect(unnamed).toEqual([]);
  });
});

describe('imports point one way', () => {
  it('no import cycle between files', () => {
    expect(cycles(fileGraph).map((c) => c.map(rel))).toEqual([]);
  });

  it('no import cycle between layers or feature folders', () => {
    const units = new Map<string, Set<string>>();
    for (const [f, deps] of fileGraph) for (const d of deps) if (unit(f) !== unit(d)) units.set(unit(f), (units.get(unit(f)) ?? new Set()).add(unit(d)));
    for (const f of fileGraph.keys()) if (!units.has(unit(f))) units.set(unit(f), new Set());
    expect(cycles(units)).toEqual([]);
  });

  it('http → domain → db: the domain never imports http, ops, workers, koa or piscina; db imports nothing of ours above it', () => {
    const wrong: string[] = [];
    for (const [f] of source) {
      for (const { spec } of importsOf(f)) {
        const target = resolved(f, spec);
        const to = target ? layer(target) : spec;
        if (layer(f) === 'domain' && (['http', 'ops', 'workers', 'main.ts', 'cluster.ts'].includes(to) || /^(koa|@koa|piscina)/.test(spec))) wrong.push(`${rel(f)} -> ${spec}`);
        if (layer(f) === 'db' && target && !['db', 'config.ts', 'logger.ts'].includes(to)) wrong.push(`${rel(f)} -> ${spec}`);
        if (layer(f) === 'http' && target && ['ops', 'workers', 'main.ts'].includes(to)) wrong.push(`${rel(f)} -> ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  // the pure modules the worker threads may run: time rules and the model, and the error hierarchy
  const PURE = ['domain/viewing-time/model.ts', 'domain/viewing-time/rules.ts', 'domain/viewing-time/viewing-day.ts', 'domain/viewing-time/allowed-hours.ts', 'domain/shared/errors.ts'];

  it('workers take from the domain only types and the pure modules, and know nothing of http or the ORM; only workers/ imports piscina', () => {
    const wrong: string[] = [];
    for (const [f] of source) {
      for (const { spec, typeOnly } of importsOf(f)) {
        const target = resolved(f, spec);
        if (layer(f) === 'workers') {
          if (/^(@mikro-orm|koa|@koa)/.test(spec) || (target && ['http', 'ops', 'db'].includes(layer(target)))) wrong.push(`${rel(f)} -> ${spec}`);
          if (target && layer(target) === 'domain' && !typeOnly && !PURE.includes(rel(target))) wrong.push(`${rel(f)} -> ${spec} (not a pure module)`);
        } else if (spec === 'piscina') wrong.push(`${rel(f)} -> piscina`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the pure modules import only each other (and luxon)', () => {
    const wrong = PURE.flatMap((p) => importsOf(path.join(root, p)).filter(({ spec, typeOnly }) => {
      const target = resolved(path.join(root, p), spec);
      return target ? !typeOnly && !PURE.includes(rel(target)) : spec !== 'luxon';
    }).map(({ spec }) => `${p} -> ${spec}`));
    expect(wrong).toEqual([]);
  });
});

describe('where SQL lives', () => {
  it('SQL text only in repositories, src/db and src/ops (services call repository functions)', () => {
    const sql = /[`'"]\s*(select\s|insert\s+into|update\s+\w+\s+set|delete\s+from|with\s+\w+\s+as)/i;
    const offenders = [...source].filter(([f]) => !['db', 'ops'].includes(layer(f)) && !f.endsWith('-repository.ts')).filter(([, text]) => sql.test(text));
    expect(offenders.map(([f]) => rel(f))).toEqual([]);
  });

  it('one owner of the day-row protocol: only today.ts handles need_day and builds the day a statement carries; no service retries a heartbeat or a grant', () => {
    const needDay = [...source].filter(([f, text]) => /need_day/.test(text) && !f.endsWith('-repository.ts') && !f.endsWith('today.ts')).map(([f]) => rel(f));
    expect(needDay).toEqual([]);
    const builds = [...source].filter(([f, text]) => /\bday:\s*dayAt\(/.test(text) && !f.endsWith('today.ts')).map(([f]) => rel(f));
    expect(builds).toEqual([]);
    const runs = [...source].filter(([, text]) => /today\.run\(|#today\.run\(/.test(text)).map(([f]) => rel(f)).sort();
    expect(runs).toEqual(['domain/parental-controls/grants-service.ts', 'domain/viewing-time/viewing-time-service.ts']);
  });

  it('the credit cap, the pause grace and the stale limit are written once in TypeScript (rules.ts)', () => {
    const names = ['CREDIT_CAP_SECONDS', 'PAUSE_GRACE_SECONDS', 'STALE_AFTER_SECONDS'];
    const defined = [...source].flatMap(([f, text]) => names.filter((n) => new RegExp(`(const|let|var)\\s+${n}\\b`).test(text)).map((n) => `${rel(f)}: ${n}`));
    expect(defined).toEqual(names.map((n) => `domain/viewing-time/rules.ts: ${n}`));
  });
});
