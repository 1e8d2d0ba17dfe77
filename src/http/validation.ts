import { z } from 'zod';
import { AppError } from '../domain/shared/errors.ts';

/** Turns the first zod issue into a 422 that names the field (unknown keys included). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // a path as a parent reads it: allowed_hours.weekdays[1].to
  const path = issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');
  const field = issue.code === 'unrecognized_keys' ? [path, issue.keys[0]].filter(Boolean).join('.') : path || where;
  const detail = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new AppError('validation', issue.code === 'unrecognized_keys' ? 'unknown_field' : 'validation_error', `${field}: ${detail}`, { field, location: where });
}

