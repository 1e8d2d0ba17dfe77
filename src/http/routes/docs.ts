// GET /docs: Swagger UI over /api/v1/openapi.json, served from the swagger-ui-dist package (no
// CDN: it works offline). "Try it out" calls the service that served the page (same origin).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError } from '../../domain/shared/errors.ts';
import { route } from '../route.ts';

const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const cache = new Map<string, Buffer>();
const asset = (name: string) => cache.get(name) ?? cache.set(name, readFileSync(path.join(DIST, name))).get(name)!;

// validatorUrl: null, or Swagger UI would ask an outside validator for a badge
const page = () => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>vtime API reference</title>
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const init = (specUrl: string) => `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
  tryItOutEnabled: false, persistAuthorization: true, displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
});
`;

export function docsRoutes(specUrl: string) {
  return [
    route({
      method: 'get', path: '/docs', summary: 'Interactive API reference (Swagger UI, served offline)', tag: 'ops', access: 'public',
      handler: async ({ ctx }) => { ctx.type = 'text/html; charset=utf-8'; return page(); },
    }),
    route({
      method: 'get', path: '/docs/assets/init.js', summary: 'Swagger UI start-up', tag: 'ops', access: 'public', hidden: true,
      handler: async ({ ctx }) => { ctx.type = 'application/javascript; charset=utf-8'; return init(specUrl); },
    }),
    route({
      method: 'get', path: '/docs/assets/{name}', summary: 'Swagger UI files', tag: 'ops', access: 'public', hidden: true,
      handler: async ({ ctx }) => {
        const name = String(ctx.params.name);
        if (!Object.hasOwn(ASSETS, name)) throw new AppError('not_found', 'route_not_found', `no such file: /docs/assets/${name}`);
        ctx.type = ASSETS[name];
        ctx.set('Cache-Control', 'public, max-age=3600');
        return asset(name);
      },
    }),
  ];
}
