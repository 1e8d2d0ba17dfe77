// Week: today's remaining time and next change, the 7 viewing days as a chart with its data
// table (with the time bank and overtime when the child has them), totals, top titles, the week's
// requests and grants, and whether each child's top titles fit now; last week / this week.
import { api } from '../api.ts';
import { weekChart } from '../chart.ts';
import { h, uid } from '../dom.ts';
import { sentence } from '../errors.ts';
import { clock, day, duration, fitLine, longDay, monday, pausedUntil, plural, relative, today } from '../format.ts';
import { kidName, loadSettings, store, tzOf } from '../store.ts';
import type { LiveType } from '../live.ts';
import type { Balance, Fit, ProfileWeek, WeeklyReport } from '../types.ts';
import { drawing, type View } from './view.ts';

let shift = 0; // weeks back from this one
/** The latest refresh of each child's fit answers: an older one that answers late is dropped. */
const fitRuns = new Map<string, number>();
/** The live events that may change a child's week on screen and whether a title fits now. */
const EVENTS: LiveType[] = ['grant', 'settings_changed', 'time_request', 'pause', 'break_started', 'limit_reached'];

/** "bedtime in 40 min (21:00)": what changes next without more viewing. */
export function nextChange(b: Balance, tz?: string): string | null {
  if (!b.next_change_at) return null;
  const at = `${relative(b.next_change_at)} (${clock(b.next_change_at, tz)})`;
  if (!b.allowed_now) return `Viewing is allowed again ${at}.`;
  const dayEnds = b.next_reset_at && Date.parse(b.next_reset_at) === Date.parse(b.next_change_at);
  return dayEnds ? `A new viewing day starts ${at}.` : `Bedtime ${at}.`;
}

function headline(b: Balance, tz?: string): string {
  if (b.reason === 'paused_by_parent') return pausedUntil(b.paused_until, tz);
  if (b.reason === 'break_time' && b.break_until) return `On a break until ${clock(b.break_until, tz)}`;
  if (b.reason === 'finishing_title' && b.remaining_minutes !== null) return `Finishing a title: ${duration(b.remaining_minutes)} left`;
  if (b.reason === 'weekly_limit_reached') return "This week's time is used up";
  if (!b.allowed_now) return 'Not allowed to watch now';
  if (b.remaining_minutes === null) return 'No limit today';
  return `${duration(b.remaining_minutes)} left today`;
}

/** The week's rules today: the bank still available now, what the weekly limit leaves, overtime watched. */
function weekToday(b: Balance): HTMLElement[] {
  const s = store.settings.get(b.profile_id);
  const lines: HTMLElement[] = [];
  if (b.bank_minutes !== null && (s?.bank || b.bank_minutes > 0)) lines.push(h('p', { 'data-bank': b.bank_minutes }, `${duration(b.bank_minutes)} saved in the time bank.`));
  if (b.week_remaining_minutes !== null) {
    lines.push(h('p', { 'data-week-remaining': b.week_remaining_minutes },
      `${duration(b.week_remaining_minutes)} left this week` + (s?.weekly_limit_minutes ? ` of a ${duration(s.weekly_limit_minutes)} weekly limit` : '') + '.'));
  }
  if (b.overtime_minutes > 0) lines.push(h('p', { 'data-overtime': b.overtime_minutes }, `${duration(b.overtime_minutes)} of overtime to finish a title (it counts towards nothing).`));
  return lines;
}

export function todayCard(b: Balance, name: string, tz?: string): HTMLElement {
  // a day without a limit of its own may still have an allowance: what the weekly limit leaves
  const budget = b.budget_remaining_minutes === null ? 'No daily limit today' + (b.is_unlimited_override || b.unlimited_today ? ' (unlimited granted)' : '')
    : `Allowance left: ${duration(b.budget_remaining_minutes)}` + (b.limit_minutes === null ? ' (no daily limit today)' : ` of a ${duration(b.limit_minutes)} limit`)
      + (b.bonus_minutes ? `, with ${duration(b.bonus_minutes)} extra granted` : '');
  return h('section', { class: 'card today', 'aria-labelledby': 'today-title' },
    h('h3', { id: 'today-title' }, `${name} today`),
    h('p', { class: 'big', 'data-remaining': b.remaining_minutes ?? 'none', 'data-reason': b.reason }, headline(b, tz)),
    h('p', { 'data-budget': b.budget_remaining_minutes ?? 'none', 'data-limit': b.limit_minutes ?? 'none', 'data-bonus': b.bonus_minutes }, `${budget}.`),
    weekToday(b),
    h('p', {}, `Watched ${duration(b.used_minutes)}` + (b.educational_minutes ? ` plus ${duration(b.educational_minutes)} educational` : '') + '.'),
    nextChange(b, tz) ? h('p', { class: 'next' }, nextChange(b, tz)) : null);
}

const cell = (v: number | null, none = 'no limit') => h('td', { class: 'num' }, v === null ? none : String(v));

/** Which of the week's own columns the table needs: the bank's when it is on or held time that week, overtime likewise. */
function extraColumns(w: ProfileWeek): { bank: boolean; overtime: boolean } {
  const s = store.settings.get(w.profile_id);
  return {
    bank: !!s?.bank || w.bank_minutes > 0 || w.daily_totals.some((d) => d.banked_minutes > 0 || d.bank_spent_minutes > 0),
    overtime: (s?.finish_grace_minutes ?? 0) > 0 || w.daily_totals.some((d) => d.overtime_minutes > 0),
  };
}

function table(w: ProfileWeek, thisWeek: boolean): HTMLElement {
  const requestsOf = (date: string) => w.time_requests.filter((r) => r.date === date).map((r) => r.status);
  const more = extraColumns(w);
  const heads = ['Day', 'Counted', 'Educational', 'Limit', 'Refused', 'Extra time', ...(more.bank ? ['Banked', 'From the bank'] : []),
    ...(more.overtime ? ['Overtime'] : []), 'Paused', 'Breaks', 'Requests'];
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'week-table-caption' },
    h('table', { id: 'week-table' },
      h('caption', { id: 'week-table-caption' }, `${w.profile_name}'s viewing per day, in minutes`),
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, w.daily_totals.map((d) => h('tr', { 'data-date': d.date },
        h('th', { scope: 'row' }, day(d.date)), cell(d.counted_minutes), cell(d.educational_minutes), cell(d.limit_minutes), cell(d.refused_minutes),
        cell(d.bonus_minutes),
        more.bank ? [cell(d.banked_minutes), cell(d.bank_spent_minutes)] : null,
        more.overtime ? cell(d.overtime_minutes) : null,
        cell(d.paused_minutes), cell(d.break_minutes),
        h('td', {}, requestsOf(d.date).join(', ') || 'none')))),
      more.bank ? h('tfoot', {}, h('tr', { 'data-bank': w.bank_minutes },
        h('th', { scope: 'row' }, thisWeek ? 'Time bank so far' : "Time bank at the week's end"),
        h('td', { colspan: heads.length - 1 }, `${w.bank_minutes} (${duration(w.bank_minutes)})`))) : null));
}

/** "Paused 20 min and 10 min in breaks.": time the family rules held viewing, when there was some. */
function rules(w: ProfileWeek): HTMLElement | null {
  const paused = w.daily_totals.reduce((a, d) => a + d.paused_minutes, 0);
  const breaks = w.daily_totals.reduce((a, d) => a + d.break_minutes, 0);
  if (!paused && !breaks) return null;
  const parts = [paused ? `paused ${duration(paused)}` : null, breaks ? `${duration(breaks)} in breaks` : null].filter(Boolean).join(' and ');
  return h('li', {}, `${parts.charAt(0).toUpperCase()}${parts.slice(1)}.`);
}

const isMonday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() === 1;

/**
 * The bank, the weekly limit and overtime in a line each ("Time bank: 45 min"). `viewingDay`: today's
 * viewing day when this is the current week (null for another week): on a Monday with nothing
 * banked yet the bank is empty because the week just began, and it fills up from tonight.
 */
function weekRules(w: ProfileWeek, viewingDay: string | null): HTMLElement[] {
  const s = store.settings.get(w.profile_id);
  const lines: HTMLElement[] = [];
  if (extraColumns(w).bank) {
    lines.push(h('li', { class: 'bank-line', 'data-bank': w.bank_minutes }, viewingDay ? `Time bank: ${duration(w.bank_minutes)}` : `Time bank at the week's end: ${duration(w.bank_minutes)}`));
    const empty = w.bank_minutes === 0 && w.daily_totals.every((d) => d.banked_minutes === 0);
    if (s?.bank && viewingDay && empty) {
      // a bank turned on today starts with tomorrow's unused time, not tonight's
      if (s.bank.from_date > viewingDay) lines.push(h('li', { class: 'bank-fill' }, `The bank fills up from the end of ${longDay(s.bank.from_date)}.`));
      else if (isMonday(viewingDay)) lines.push(h('li', { class: 'bank-fill' }, 'The bank fills up from tonight.'));
    }
  }
  // the limit as it is now: only this week's
  if (viewingDay && w.weekly_limit_minutes !== null) {
    lines.push(h('li', { 'data-weekly-limit': w.weekly_limit_minutes }, `Weekly limit: ${duration(w.weekly_limit_minutes)} (${duration(w.counted_minutes)} counted so far).`));
  }
  const overtime = w.daily_totals.reduce((a, d) => a + d.overtime_minutes, 0);
  if (overtime > 0) lines.push(h('li', { 'data-overtime': overtime }, `Overtime to finish titles: ${duration(overtime)} (it counts towards nothing).`));
  return lines;
}

function summary(w: ProfileWeek, viewingDay: string | null): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': 'totals-title' },
    h('h3', { id: 'totals-title' }, 'The week in short'),
    h('ul', {},
      h('li', {}, `Total ${duration(w.total_minutes)} (${duration(w.counted_minutes)} counted, ${duration(w.educational_minutes)} educational).`),
      h('li', {}, `On average ${duration(w.average_daily_minutes)} a day over ${plural(w.days_elapsed, 'day')}.`),
      w.limit_usage_percent === null ? null : h('li', {}, `${w.limit_usage_percent}% of the limits used.`),
      h('li', {}, `${plural(w.grants.length, 'grant')} of extra time, ${plural(w.time_requests.length, 'request')}.`),
      rules(w),
      weekRules(w, viewingDay)),
    h('h3', {}, 'Top titles'),
    w.top_titles.length ? h('ol', { class: 'titles' }, w.top_titles.map((t) => h('li', {}, `${t.title_name}: ${duration(t.total_minutes)}`))) : h('p', {}, 'Nothing watched yet.'));
}

function navigation(w: WeeklyReport, rerender: () => void): HTMLElement {
  const go = (to: number) => () => { shift = to; rerender(); };
  return h('div', { class: 'week-nav', role: 'group', 'aria-label': 'Choose the week' },
    h('button', { type: 'button', class: 'secondary', onclick: go(shift - 1) }, '← Last week'),
    h('span', { class: 'range' }, `${longDay(w.week_start)} – ${longDay(w.week_end)}`),
    h('button', { type: 'button', class: 'secondary', onclick: go(0), disabled: shift === 0, 'aria-pressed': String(shift === 0) }, 'This week'));
}

/**
 * "Will it fit now?": each child's top titles of the week, from the start, against what is left
 * now (GET /viewing-time/fit). The answers are filled in after the page is drawn, and again on a
 * live event for that child.
 */
function fitCard(report: WeeklyReport, chosen: string): HTMLElement {
  const weeks = [...report.profiles].sort((a, b) => Number(b.profile_id === chosen) - Number(a.profile_id === chosen) || a.profile_name.localeCompare(b.profile_name));
  return h('section', { class: 'card fit-card', 'aria-labelledby': 'fit-title' },
    h('h3', { id: 'fit-title' }, 'Will it fit now?'),
    h('p', { class: 'hint' }, "The week's top titles from the start, against what is left now: the allowance, the week, the allowed hours, breaks and pauses."),
    h('div', { class: 'fit-kids' }, weeks.map((w) => {
      const title = uid('fit-kid');
      return h('section', { class: 'fit-kid', 'data-fit-profile': w.profile_id, 'aria-labelledby': title },
        h('h4', { id: title }, w.profile_name),
        w.top_titles.length ? h('ul', { class: 'fit-titles' }, w.top_titles.map((t) => h('li', { 'data-title': t.title_id },
          h('span', { class: 'fit-name' }, t.title_name), ': ',
          h('span', { class: 'fit' }, t.title_id ? 'checking…' : 'no longer in the catalogue'))))
          : h('p', {}, 'Nothing watched this week yet.'));
    })));
}

/** Asks again whether each of a child's listed titles fits now; an answer that a newer refresh overtook is dropped. */
async function refreshFits(id: string): Promise<void> {
  const section = document.querySelector<HTMLElement>(`.fit-kid[data-fit-profile="${id}"]`);
  if (!section) return;
  const run = (fitRuns.get(id) ?? 0) + 1;
  fitRuns.set(id, run);
  const items = [...section.querySelectorAll<HTMLElement>('li[data-title]')];
  if (!items.length) return;
  section.setAttribute('aria-busy', 'true');
  const answers = await Promise.all(items.map((li) => api<Fit>('GET', `/viewing-time/fit/${id}?${new URLSearchParams({ title_id: li.dataset.title!, position_seconds: '0' })}`)
    .catch((e: unknown) => ({ error: e }))));
  if (fitRuns.get(id) !== run) return;
  items.forEach((li, i) => {
    const a = answers[i];
    li.querySelector('.fit')?.replaceWith('error' in a
      ? h('span', { class: 'fit', 'data-fits': 'unknown' }, `Cannot say now: ${sentence(a.error)}`)
      : h('span', { class: 'fit', 'data-fits': a.fits, 'data-limited-by': a.limited_by ?? 'none', 'data-finish-grace': String(a.finish_grace) }, fitLine(a)));
  });
  section.removeAttribute('aria-busy');
}

export const weekView: View = {
  title: 'Week',
  async render(root) {
    const shows = drawing(root);
    const id = store.child;
    const tz = tzOf(id);
    const week = monday(today(tz), shift);
    // the settings too: whether the bank and finishing are on, and the weekly limit, may have changed on another screen
    const [report, balance] = await Promise.all([
      api<WeeklyReport>('GET', `/parental-controls/weekly-report?week_start=${week}`),
      shift === 0 ? api<Balance>('GET', `/viewing-time/balance/${id}`) : Promise.resolve(null),
      loadSettings(id),
    ]);
    const w = report.profiles.find((p) => p.profile_id === id);
    const viewingDay = balance ? balance.date : null;
    const canvas = h('canvas', { role: 'img', 'aria-label': `Bar chart of ${kidName(id)}'s viewing minutes per day; the table beside it has the same figures.` });
    if (!shows(
      h('h2', {}, `${kidName(id)}'s week`),
      navigation(report, () => void weekView.render(root)),
      balance ? todayCard(balance, kidName(id), tz) : null,
      // the bank's and overtime's columns make the table too wide to stand beside the chart: it goes below it
      w ? h('div', { class: `chart-and-table${Object.values(extraColumns(w)).some(Boolean) ? ' wide' : ''}` },
        h('figure', { class: 'card chart' }, h('div', { class: 'canvas-box' }, canvas), h('figcaption', {}, 'Minutes per day: bars for viewing and extra time, the dashed line for the limit.')),
        h('div', { class: 'card' }, table(w, shift === 0))) : h('p', {}, 'No report for this child.'),
      w ? summary(w, viewingDay) : null,
      // whether a title fits is a question about now: only this week's view asks it
      shift === 0 && report.profiles.length ? fitCard(report, id) : null)) return;
    if (w) weekChart(canvas, w);
    if (shift === 0) for (const p of report.profiles) void refreshFits(p.profile_id);
  },
  live(type, data) {
    const id = typeof data.profile_id === 'string' ? data.profile_id : null;
    if (!id || !EVENTS.includes(type)) return;
    // the week of the child on screen is drawn again (its fit answers with it); another child's answers alone
    if (id === store.child) void this.render(document.getElementById('main')!);
    else void refreshFits(id);
  },
};
