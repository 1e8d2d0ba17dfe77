import { z } from 'zod';
import { AppError } from '../domain/shared/errors.ts';

type Where = 'body' | 'query' | 'path';

// a path as a parent reads it: allowed_hours.weekdays[1].to
const fieldPath = (path: PropertyKey[]) => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('');

/**
 * What PostgreSQL refuses in any text: byte 0, and a lone UTF-16 surrogate ("\ud800", which JSON
 * allows but UTF-8 cannot encode). Null when the string is fine.
 */
function textProblem(s: string): string | null {
  if (s.includes('\0')) return 'must not contain a NUL byte (\\u0000)';
  if (!s.isWellFormed()) return 'must be well-formed Unicode (a lone surrogate such as \\ud800 cannot be stored)';
  return null;
}

/** The first string (value or key) PostgreSQL would refuse, as a field path and the reason; null when there is none. */
function badTextAt(value: unknown, path: PropertyKey[] = [], depth = 0): { path: PropertyKey[]; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : null;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = badTextAt(value[i], [...path, i], depth + 1);
      if (at) return at;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const problem = textProblem(k);
    if (problem) return { path: [...path, k], problem };
    const at = badTextAt(v, [...path, k], depth + 1);
    if (at) return at;
  }
  return null;
}

/** Turns the first zod issue into a 422 that names the field (unknown keys included); text PostgreSQL refuses first, for every schema. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.infer<S> {
  const bad = badTextAt(value);
  if (bad) {
    const field = JSON.stringify(fieldPath(bad.path) || where).slice(1, -1); // a NUL or a lone surrogate in a key shows escaped
    throw new AppError('validation', 'validation_error', `${field}: ${bad.problem}`, { field, location: where });
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = fieldPath(issue.path);
  const field = issue.code === 'unrecognized_keys' ? [path, issue.keys[0]].filter(Boolean).join('.') : path || where;
  const detail = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new AppError('validation', issue.code === 'unrecognized_keys' ? 'unknown_field' : 'validation_error', `${field}: ${detail}`, { field, location: where });
}
