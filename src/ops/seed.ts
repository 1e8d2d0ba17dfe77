import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/core';
import { Profile, type IProfile } from '../domain/accounts/profile.entity.ts';
import { User } from '../domain/accounts/user.entity.ts';
import { Title } from '../domain/catalog/title.entity.ts';
import { TimeGrant } from '../domain/parental-controls/time-grant.entity.ts';
import { TimeRequest } from '../domain/parental-controls/time-request.entity.ts';
import type { CpuWork } from '../domain/shared/cpu-work.ts';
import { ViewingTimeBalance } from '../domain/viewing-time/balance.entity.ts';
import { NO_HOURS, type AllowedHours } from '../domain/viewing-time/allowed-hours.ts';
import { CONFIG_DEFAULTS, ViewingTimeConfig } from '../domain/viewing-time/config.entity.ts';
import { dayAt, settingsFrom, type Day, type Settings } from '../domain/viewing-time/model.ts';
import { runNamed } from '../db/statement.ts';
import { allowedLiteral } from '../domain/viewing-time/viewing-time-repository.ts';
import { ViewingSession } from '../domain/viewing-time/session.entity.ts';

export interface DemoLogins {
  parent: { email: string; password: string; pin: string };
  admin: { email: string; password: string };
}

const PARENT_EMAIL = 'parent@demo.vtime.example';
const ADMIN_EMAIL = 'admin@demo.vtime.example';
const TIMEZONE = 'Europe/Berlin';
// Leo's bedtime: weekdays 07:00-21:00, weekends 08:00-21:30
const LEO_HOURS: AllowedHours = { weekdays: [{ from: '07:00', to: '21:00' }], weekends: [{ from: '08:00', to: '21:30' }] };
// Mia: a shorter Wednesday (swimming), a longer Friday, a 10-minute break after 45 minutes, and 14 hours a week
const MIA_RULES = { wednesdayLimitMinutes: 90, fridayLimitMinutes: 150, breakAfterMinutes: 45, breakMinutes: 10, weeklyLimitMinutes: 840 };
// Leo: a time bank of up to an hour (banking since two weeks ago), and 10 minutes to finish an episode
const leoRules = (now: Date) => ({ bankCapMinutes: 60, bankFrom: new Date(now.getTime() - 14 * 86_400_000).toISOString().slice(0, 10), finishGraceMinutes: 10 });
const WORDS = ['Ocean', 'Space', 'Dino', 'Robot', 'Castle', 'Forest', 'Pirate', 'Galaxy', 'Jungle', 'Dragon', 'Number', 'Science'];
const KINDS = ['Adventures', 'Quest', 'Friends', 'Academy', 'Explorers', 'Club', 'Lab', 'Stories', 'Mysteries', 'Heroes'];

/** Demo logins are random per installation and kept beside the data, so every start can print them. */
function demoLogins(dataDir: string): DemoLogins {
  const file = path.join(dataDir, 'demo-logins.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoLogins;
  const logins: DemoLogins = {
    parent: { email: PARENT_EMAIL, password: `demo-${randomBytes(6).toString('base64url')}`, pin: String(randomInt(0, 10_000)).padStart(4, '0') },
    admin: { email: ADMIN_EMAIL, password: `admin-${randomBytes(6).toString('base64url')}` },
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(logins, null, 2), { mode: 0o600 });
  return logins;
}

function catalogue(): { title: string; isEducational: boolean; durationMinutes: number; ageRating: string }[] {
  const rows = [];
  for (let i = 0; i < 220; i++) {
    const name = `${WORDS[i % WORDS.length]} ${KINDS[Math.floor(i / WORDS.length) % KINDS.length]}${i >= 120 ? ` ${Math.floor(i / 120) + 1}` : ''}`;
    rows.push({ title: name, isEducational: i % 5 === 0, durationMinutes: 11 + (i % 7) * 7, ageRating: ['G', 'PG', 'PG-13'][i % 3] });
  }
  return rows;
}

type Session = { startedAt: Date; seconds: number };

/** Viewing days to seed, oldest first: the last 7 days and every day of the current week so far (today included). */
function seededDays(now: Date, settings: Settings) {
  const today = dayAt(settings, now);
  const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())); // the weekly report's week: Monday to Sunday
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const back = Math.max(7, Math.round((today.start.getTime() - monday.getTime()) / 86_400_000) + 1);
  const past = new Map<string, Day>();
  for (let d = back; d >= 1; d--) {
    const day = dayAt(settings, new Date(now.getTime() - d * 86_400_000));
    if (day.date < today.date) past.set(day.date, day); // one per date, whatever DST does to 24-hour steps
  }
  return { past: [...past.values()], today };
}

/** Three sessions on a past day; today, up to two short ones that ended before now. */
function sessionsOf(day: { start: Date }, d: number, now: Date, isToday: boolean): Session[] {
  if (!isToday) {
    return [0, 1, 2].map((s) => ({ startedAt: new Date(day.start.getTime() + (8 + s * 3) * 3_600_000), seconds: (15 + ((d * 11 + s * 17) % 40)) * 60 }));
  }
  const out: Session[] = [];
  for (let s = 0; s < 2; s++) {
    const seconds = (10 + s * 8) * 60;
    const startedAt = new Date(now.getTime() - (30 * 60 + s * 2 * 3_600_000) - seconds * 1000);
    if (startedAt >= day.start) out.push({ startedAt, seconds });
  }
  return out;
}

/** Ended sessions and their balances for one kids profile over the seeded days. */
/** `k`: which child (0, 1, …) picks the titles, so the same clock always seeds the same week (the console's screenshots stay put). */
function history(profileId: string, k: number, titles: { id: string; isEducational: boolean }[], settings: Settings, now: Date) {
  const sessions = [];
  const balances = [];
  const { past, today } = seededDays(now, settings);
  for (const [d, day] of [...past, today].entries()) {
    let used = 0;
    let educational = 0;
    for (const [s, { startedAt, seconds }] of sessionsOf(day, d, now, day === today).entries()) {
      const title = titles[(d * 7 + s * 13 + k * 5) % titles.length];
      const endedAt = new Date(startedAt.getTime() + seconds * 1000);
      if (title.isEducational) educational += seconds; else used += seconds;
      sessions.push({ profile: profileId, title: title.id, deviceId: 'demo-tablet', deviceType: 'tablet', isEducational: title.isEducational,
        startedAt, lastHeartbeatAt: endedAt, endedAt, endReason: 'ended', totalSeconds: seconds, lastSeq: seconds / 30 });
    }
    if (!used && !educational) continue;
    // the day row's facts are the Day the engine would create it from (model.ts dayAt)
    balances.push({ profile: profileId, resetDate: day.date, usedSeconds: used, educationalSeconds: educational, bonusSeconds: 0,
      isUnlimitedOverride: false, dayStart: day.start, dayEnd: day.end, limitMinutes: day.limitMinutes, educationalExempt: day.educationalExempt,
      allowed: allowedLiteral(day.allowed), educationalIgnoresHours: day.educationalIgnoresHours, breakAfterMinutes: day.breakRule?.afterMinutes ?? null,
      breakMinutes: day.breakRule?.breakMinutes ?? null, weeklyLimitMinutes: day.weeklyLimitMinutes, weekEnd: day.weekEnd,
      bankCapMinutes: day.bankCapMinutes, finishGraceMinutes: day.finishGraceMinutes, updatedAt: day === today ? now : day.end });
  }
  return { sessions, balances };
}

/**
 * Demo data: a household (one parent login, two kids, one adult), an admin, 220 titles (one in
 * five educational) and viewing for the last 7 days and the current week so far, today included
 * (a fresh weekly report is not empty); yesterday's answered time request and today's pending one.
 * Leo's time bank holds what the earlier days of this week left unused (none on a Monday: it
 * fills up from tonight). Idempotent: does nothing when the parent exists.
 */
export async function seedDemo(em: EntityManager, cpu: Pick<CpuWork, 'hash'>, opts: { dataDir: string; bcryptCost: number; now?: Date }): Promise<{ created: boolean; logins: DemoLogins }> {
  const logins = demoLogins(opts.dataDir);
  if (await em.count(User, { email: PARENT_EMAIL })) return { created: false, logins };
  // one after another: the pool refuses work that would wait behind more than its wait budget, and
  // three cost-12 hashes queued at once on one thread are more than that
  const parentHash = await cpu.hash(logins.parent.password, opts.bcryptCost);
  const adminHash = await cpu.hash(logins.admin.password, opts.bcryptCost);
  const pinHash = await cpu.hash(logins.parent.pin, 12);
  await em.transactional(async (tx) => {
    const parent = tx.create(User, { email: PARENT_EMAIL, passwordHash: parentHash, timezone: TIMEZONE, pinHash });
    tx.create(User, { email: ADMIN_EMAIL, passwordHash: adminHash, isAdmin: true });
    const titles = catalogue().map((t) => tx.create(Title, t));
    const kids = ['Mia', 'Leo'].map((name) => tx.create(Profile, { user: parent, name, isKids: true, parentalRating: 'PG' }));
    tx.create(Profile, { user: parent, name: 'Parent', isKids: false, parentalRating: 'R' });
    // Leo has a bedtime (allowed hours); Mia may watch any time within her allowance, with breaks
    const now = opts.now ?? new Date();
    const fields = (kid: IProfile) => ({
      timezone: TIMEZONE, ...CONFIG_DEFAULTS, ...(kid.name === 'Mia' ? MIA_RULES : leoRules(now)), allowedHours: kid.name === 'Leo' ? LEO_HOURS : NO_HOURS,
    });
    for (const kid of kids) tx.create(ViewingTimeConfig, { profile: kid, ...fields(kid) });
    await tx.flush();
    const settingsOf = (kid: IProfile): Settings => settingsFrom(kid.id, { ...fields(kid), version: 1, updatedAt: now }, {});
    const [mia, leo] = kids;
    const yesterdayDate = seededDays(now, settingsOf(mia)).past.at(-1)?.date;
    for (const [k, kid] of kids.entries()) {
      const { sessions, balances } = history(kid.id, k, titles, settingsOf(kid), now);
      sessions.forEach((s) => tx.create(ViewingSession, s));
      // yesterday Leo asked for 15 more minutes and got them: the request, its grant, the day's bonus
      const yesterday = kid === leo ? balances.find((b) => b.resetDate === yesterdayDate) : undefined;
      if (yesterday) {
        const asked = new Date(yesterday.dayStart.getTime() + 19 * 3_600_000);
        const answered = new Date(asked.getTime() + 3 * 60_000);
        const request = tx.create(TimeRequest, { profile: kid, minutes: 15, message: 'Can I finish this episode?', status: 'approved', answeredBy: parent,
          answeredAt: answered, minutesGranted: 15, resetDate: yesterday.resetDate, expiresAt: yesterday.dayEnd, createdAt: asked });
        tx.create(TimeGrant, { profile: kid, grantedBy: parent, minutes: 15, resetDate: yesterday.resetDate, grantedAt: answered, request });
        yesterday.bonusSeconds = 15 * 60;
      }
      balances.forEach((b) => tx.create(ViewingTimeBalance, b));
    }
    await tx.flush();
    // each day row's week and bank at its start, as the engine computes them when it creates a row (vt_week: from the earlier rows)
    await runNamed(tx, 'seed_week', `update viewing_time_balances b set (bank_seconds, week_used_seconds, week_bonus_seconds) =
        (select w.bank_seconds, w.week_used_seconds, w.week_bonus_seconds from vt_week(b.profile_id, b.reset_date, b.bank_cap_minutes) w)
      where b.profile_id = any($1::uuid[])`, [[mia.id, leo.id]]);
    // and today Mia is waiting for an answer: the pending request the console shows
    const today = dayAt(settingsOf(mia), now);
    tx.create(TimeRequest, { profile: mia, minutes: 30, message: 'Please, 30 more minutes for the dinosaur film!', resetDate: today.date,
      expiresAt: today.end, createdAt: new Date(now.getTime() - 5 * 60_000) });
  });
  return { created: true, logins };
}
