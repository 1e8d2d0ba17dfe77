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
