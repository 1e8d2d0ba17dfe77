import { z } from 'zod';
import type { Route } from './route.ts';

type Json = Record<string, unknown>;

const jsonSchema = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
};

const errorSchema: Json = {
  type: 'object', required: ['detail', 'code'],
  properties: { detail: { type: 'string' }, code: { type: 'string' }, field: { type: 'string' } },
};

function parameters(r: Route): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
    if (!(schema instanceof z.ZodObject)) continue;
    for (const [name, prop] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      out.push({ name, in: where, required: where === 'path' || !prop.safeParse(undefined).success, schema: jsonSchema(prop, 'input') });
    }
  }
  if (r.idempotent) {
    out.push({
      name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
      description: 'Send a change again after a lost answer without making it twice: within 24 h a repeat with the same key and body gets the first answer (header Idempotency-Replayed: true) and changes nothing, without PIN proof checked again. 409 idempotency_in_progress (Retry-After: 1) while the first runs; 422 idempotency_key_reused with another body. 5xx, 401, 423 and 429 answers are not kept: the repeat runs again.',
    });
  }
  return out;
}

function operation(r: Route): Json {
  const ok = String(r.status ?? 200);
  const responses: Json = { [ok]: r.response ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } } : { description: 'OK' } };
  const errors = new Set([...(r.errors ?? []), ...(r.idempotent ? [409] : []), ...(r.body ? [400, 413, 422] : []), ...(r.access === 'public' ? [] : [401, 403]), 503]);
  for (const code of errors) responses[String(code)] = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    summary: r.summary, tags: [r.tag], parameters: parameters(r),
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
    ...(r.access === 'public' ? {} : { security: [{ bearer: [] }] }),
    responses,
  };
}

/** OpenAPI 3.1 generated from the same zod schemas that validate requests. */
export function buildOpenApi(groups: { prefix: string; routes: Route[] }[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const g of groups) {
    for (const r of g.routes.filter((x) => !x.hidden)) (paths[g.prefix + r.path] ??= {})[r.method] = operation(r);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'vtime — viewing-time service', version, description: 'Daily viewing allowances, heartbeats and parental controls. Errors are {"detail", "code"}; every response carries X-DB-Ops and Server-Timing.' },
    paths,
    components: { schemas: { Error: errorSchema }, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  };
}
