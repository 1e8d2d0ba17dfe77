import { z } from 'zod';
import { AppError } from '../domain/shared/errors.ts';

type Where = 'body' | 'query' | 'path';

// a path as a parent reads it: allowed_hours.weekdays[1].to
const fieldPath = (path: PropertyKey[]) => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');

/**
 * The first string (value or key) holding a NUL byte, as a field path: PostgreSQL cannot store
 * byte 0 in text, so no string of any schema may carry one. Null when there is none.
 */
function nulAt(value: unknown, path: PropertyKey[] = [], depth = 0): PropertyKey[] | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulAt(value[i], [...path, i], depth + 1);
      if (at) return at;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0')) return [...path, k];
    const at = nulAt(v, [...path, k], depth + 1);
    if (at) return at;
  }
  return null;
}

/** Turns the first zod issue into a 422 that names the field (unknown keys included); NUL bytes first, for every schema. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.infer<S> {
  const nul = nulAt(value);
  if (nul) {
    const field = (fieldPath(nul) || where).replace(/\0/g, '\\u0000');
    throw new AppError('validation', 'validation_error', `${field}: must not contain a NUL byte (\\u0000)`, { field, location: where });
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = fieldPath(issue.path);
  const field = issue.code === 'unrecognized_keys' ? [path, issue.keys[0]].filter(Boolean).join('.') : path || where;
  const detail = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new AppError('validation', issue.code === 'unrecognized_keys' ? 'unknown_field' : 'validation_error', `${field}: ${detail}`, { field, location: where });
}
