// GET /: a short page for whoever opens the service's URL in a browser.
import { route } from '../route.ts';

const LINKS: [string, string, string][] = [
  ['/console/', 'Parent console', 'sign in as a parent: the week, requests for more time, limits'],
  ['/docs', 'API reference', 'every endpoint, with "Try it out" against this service'],
  ['/api/v1/openapi.json', 'OpenAPI 3.1 description', 'the same, as JSON for code generators'],
  ['/health/ready', 'Readiness', '200 when this process and its database can serve'],
];

const page = (version: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>vtime</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}li{margin:.4rem 0}small{color:#666}</style>
</head>
<body>
  <h1>vtime <small>${version}</small></h1>
  <p>Viewing-time service: daily allowances, heartbeats and parental controls.</p>
  <ul>
${LINKS.map(([href, name, what]) => `    <li><a href="${href}">${name}</a> — ${what}</li>`).join('\n')}
  </ul>
</body>
</html>
`;

export function landingRoutes(version: string) {
  return [
    route({
      method: 'get', path: '/', summary: 'Landing page with links to the parent console, the docs and health', tag: 'ops', access: 'public',
      handler: async ({ ctx }) => { ctx.type = 'text/html; charset=utf-8'; return page(version); },
    }),
  ];
}
