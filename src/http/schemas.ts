import { z } from 'zod';
import { isValidTimeZone } from '../domain/viewing-time/viewing-day.ts';

/** Shared request/response pieces; resource schemas live beside their routes. */
export const email = z.email({ message: 'must be a valid email address' }).max(254);
export const password = z.string().min(8, 'must be at least 8 characters')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 72, 'must be at most 72 bytes (bcrypt ignores the rest)');
export const timezone = z.string().max(64).refine(isValidTimeZone, 'must be an IANA time zone name such as Europe/Berlin (Area/Location, or UTC)');
/** A calendar date PostgreSQL can store and the time rules can place (years 1900..9999). */
export const date = z.iso.date({ message: 'must be a date (YYYY-MM-DD)' })
  .refine((d) => d >= '1900-01-01' && d <= '9999-12-31', 'must be a date between 1900-01-01 and 9999-12-31');
export const uuid = z.uuid({ message: 'must be a UUID' });
export const pin = z.string().regex(/^\d{4}$/, 'must be exactly 4 digits');
/** PIN proof: either, or neither when this login verified the PIN in the last 5 minutes; null = absent. Always in the body, never the query. */
export const proof = { pin: pin.nullish(), pin_token: z.string().min(1).max(2048).nullish() };

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
