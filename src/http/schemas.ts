import { z } from 'zod';
import { isValidTimeZone } from '../domain/viewing-time/viewing-day.ts';

/** Shared request/response pieces; resource schemas live beside their routes. */
export const email = z.email({ message: 'must be a valid email address' }).max(254);
export const password = z.string().min(8, 'must be at least 8 characters')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 72, 'must be at most 72 bytes (bcrypt ignores the rest)');
export const timezone = z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone name such as Europe/Berlin');
export const uuid = z.uuid({ message: 'must be a UUID' });

export const tokenPair = z.object({ access_token: z.string(), refresh_token: z.string(), token_type: z.literal('bearer') });
export const profileOut = z.object({
  id: z.uuid(), name: z.string(), avatar_url: z.string().nullable(), parental_rating: z.string().nullable(), is_kids: z.boolean(), created_at: z.iso.datetime(),
});
/** A detail sentence for answers that carry nothing else (the old apps read none of it). */
export const detailOut = z.object({ detail: z.string() });
export const titleOut = z.object({
  id: z.uuid(), title: z.string(), is_educational: z.boolean(), duration_minutes: z.int(), age_rating: z.string(),
});
export const ageRating = z.enum(['G', 'PG', 'PG-13', 'R', 'NC-17']);
