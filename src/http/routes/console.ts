// GET /console/: the parent console, a page over the public API alone. Its TypeScript (console/)
// is bundled by esbuild in memory on the first request of each process, so `npm start` serves
// what the sources say and there is no build step to forget; nothing comes from a CDN. Its service
// worker (console/sw.js, plain JavaScript served as it is) has the default scope: /console/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { AppError } from '../../domain/shared/errors.ts';
import { route } from '../route.ts';

const DIR = path.resolve(import.meta.dirname, '../../../console');
// the page needs nothing but this origin: scripts, styles and API calls (the live stream included)
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const FILES: Record<string, [string, string]> = {
  'app.css': ['console.css', 'text/css; charset=utf-8'],
  'favicon.svg': ['favicon.svg', 'image/svg+xml'],
  'sw.js': ['sw.js', 'application/javascript; charset=utf-8'],
};
// the service worker loads nothing and fetches nothing: its own policy says so
const WORKER_CSP = "default-src 'none'";

let bundle: Promise<Uint8Array> | null = null;

/** The console's script, bundled once per process; a failed build is retried by the next request. */
export function consoleBundle(): Promise<Uint8Array> {
  bundle ??= build({
    entryPoints: [path.join(DIR, 'main.ts')], bundle: true, write: false, minify: true, format: 'esm', target: 'es2022',
    platform: 'browser', logLevel: 'silent', legalComments: 'eof',
  }).then((r) => r.outputFiles[0].contents, (err: unknown) => { bundle = null; throw err; });
  return bundle;
}

const send = (ctx: { type: string; set(k: string, v: string): void }, type: string) => {
  ctx.type = type;
  ctx.set('Cache-Control', 'no-cache');
};

export function consoleRoutes() {
  const page = () => readFileSync(path.join(DIR, 'index.html'));
  return [
    route({
      method: 'get', path: '/console/', summary: 'The parent console (a web page over this API)', tag: 'ops', access: 'public', unitOfWork: false,
      handler: async ({ ctx }) => { send(ctx, 'text/html; charset=utf-8'); ctx.set('Content-Security-Policy', CSP); return page(); },
    }),
    route({
      method: 'get', path: '/console/app.js', summary: 'The parent console script', tag: 'ops', access: 'public', unitOfWork: false, hidden: true,
      handler: async ({ ctx }) => { const js = Buffer.from(await consoleBundle()); send(ctx, 'application/javascript; charset=utf-8'); return js; },
    }),
    route({
      method: 'get', path: '/console/{name}', summary: 'The parent console files', tag: 'ops', access: 'public', unitOfWork: false, hidden: true,
      handler: async ({ ctx }) => {
        const name = String(ctx.params.name);
        if (!Object.hasOwn(FILES, name)) throw new AppError('not_found', 'route_not_found', `no such file: /console/${name}`);
        send(ctx, FILES[name][1]);
        if (name === 'sw.js') ctx.set('Content-Security-Policy', WORKER_CSP);
        return readFileSync(path.join(DIR, FILES[name][0]));
      },
    }),
  ];
}
