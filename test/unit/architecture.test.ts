import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);

describe('where SQL lives', () => {
  it('SQL text only in repositories and src/db (services call repository functions)', () => {
    const sql = /[`'"]\s*(select\s|insert\s+into|update\s+\w+\s+set|delete\s+from|with\s+\w+\s+as)/i;
    const offenders = files(root)
      .filter((f) => !f.includes(`${path.sep}db${path.sep}`) && !f.includes(`${path.sep}ops${path.sep}`) && !f.endsWith('-repository.ts'))
      .filter((f) => sql.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });
});

describe('imports point one way', () => {
  it('domain never imports http, koa or piscina', () => {
    for (const f of files(path.join(root, 'domain'))) {
      for (const i of imports(f)) expect(`${path.relative(root, f)} -> ${i}`).not.toMatch(/-> (.*\/http\/|koa|@koa|piscina)/);
    }
  });

  it('workers know nothing of http or the ORM, and only workers/ imports piscina', () => {
    for (const f of files(path.join(root, 'workers'))) {
      for (const i of imports(f)) expect(`${path.relative(root, f)} -> ${i}`).not.toMatch(/-> (.*\/http\/|@mikro-orm|koa)/);
    }
    for (const f of files(root).filter((x) => !x.includes(`${path.sep}workers${path.sep}`))) {
      expect(imports(f)).not.toContain('piscina');
    }
  });
});
