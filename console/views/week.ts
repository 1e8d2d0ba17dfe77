// Week: today's remaining time and next change, the 7 viewing days as a chart with its data
// table, totals, top titles, and the week's requests and grants; last week / this week.
import { api } from '../api.ts';
import { weekChart } from '../chart.ts';
import { h, show } from '../dom.ts';
import { clock, day, duration, longDay, monday, pausedUntil, plural, relative, today } from '../format.ts';
import { kidName, store, tzOf } from '../store.ts';
import type { Balance, ProfileWeek, WeeklyReport } from '../types.ts';
import type { View } from './view.ts';

let shift = 0; // weeks back from this one

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
  if (!b.allowed_now) return 'Not allowed to watch now';
  if (b.remaining_minutes === null) return 'No limit today';
  return `${duration(b.remaining_minutes)} left today`;
}

export function todayCard(b: Balance, name: string, tz?: string): HTMLElement {
  const budget = b.budget_remaining_minutes === null ? 'No daily limit today' + (b.is_unlimited_override ? ' (unlimited granted)' : '')
    : `Allowance left: ${duration(b.budget_remaining_minutes)} of a ${duration(b.limit_minutes ?? 0)} limit` + (b.bonus_minutes ? `, with ${duration(b.bonus_minutes)} extra granted` : '');
  return h('section', { class: 'card today', 'aria-labelledby': 'today-title' },
    h('h3', { id: 'today-title' }, `${name} today`),
    h('p', { class: 'big', 'data-remaining': b.remaining_minutes ?? 'none', 'data-reason': b.reason }, headline(b, tz)),
    h('p', { 'data-budget': b.budget_remaining_minutes ?? 'none', 'data-limit': b.limit_minutes ?? 'none', 'data-bonus': b.bonus_minutes }, `${budget}.`),
    h('p', {}, `Watched ${duration(b.used_minutes)}` + (b.educational_minutes ? ` plus ${duration(b.educational_minutes)} educational` : '') + '.'),
    nextChange(b, tz) ? h('p', { class: 'next' }, nextChange(b, tz)) : null);
}

const cell = (v: number | null, none = 'no limit') => h('td', { class: 'num' }, v === null ? none : String(v));

function table(w: ProfileWeek): HTMLElement {
  const requestsOf = (date: string) => w.time_requests.filter((r) => r.date === date).map((r) => r.status);
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'week-table-caption' },
    h('table', { id: 'week-table' },
      h('caption', { id: 'week-table-caption' }, `${w.profile_name}'s viewing per day, in minutes`),
      h('thead', {}, h('tr', {}, ['Day', 'Counted', 'Educational', 'Limit', 'Refused', 'Extra time', 'Paused', 'Breaks', 'Requests'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, w.daily_totals.map((d) => h('tr', { 'data-date': d.date },
        h('th', { scope: 'row' }, day(d.date)), cell(d.counted_minutes), cell(d.educational_minutes), cell(d.limit_minutes), cell(d.refused_minutes),
        cell(d.bonus_minutes), cell(d.paused_minutes), cell(d.break_minutes),
        h('td', {}, requestsOf(d.date).join(', ') || 'none'))))));
}

/** "Paused 20 min and 10 min in breaks.": time the family rules held viewing, when there was some. */
function rules(w: ProfileWeek): HTMLElement | null {
  const paused = w.daily_totals.reduce((a, d) => a + d.paused_minutes, 0);
  const breaks = w.daily_totals.reduce((a, d) => a + d.break_minutes, 0);
  if (!paused && !breaks) return null;
  const parts = [paused ? `paused ${duration(paused)}` : null, breaks ? `${duration(breaks)} in breaks` : null].filter(Boolean).join(' and ');
  return h('li', {}, `${parts.charAt(0).toUpperCase()}${parts.slice(1)}.`);
}

function summary(w: ProfileWeek): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': 'totals-title' },
    h('h3', { id: 'totals-title' }, 'The week in short'),
    h('ul', {},
      h('li', {}, `Total ${duration(w.total_minutes)} (${duration(w.counted_minutes)} counted, ${duration(w.educational_minutes)} educational).`),
      h('li', {}, `On average ${duration(w.average_daily_minutes)} a day over ${plural(w.days_elapsed, 'day')}.`),
      w.limit_usage_percent === null ? null : h('li', {}, `${w.limit_usage_percent}% of the limits used.`),
      h('li', {}, `${plural(w.grants.length, 'grant')} of extra time, ${plural(w.time_requests.length, 'request')}.`),
      rules(w)),
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

export const weekView: View = {
  title: 'Week',
  async render(root) {
    const id = store.child;
    const tz = tzOf(id);
    const week = monday(today(tz), shift);
    const [report, balance] = await Promise.all([
      api<WeeklyReport>('GET', `/parental-controls/weekly-report?week_start=${week}`),
      shift === 0 ? api<Balance>('GET', `/viewing-time/balance/${id}`) : Promise.resolve(null),
    ]);
    const w = report.profiles.find((p) => p.profile_id === id);
    const canvas = h('canvas', { role: 'img', 'aria-label': `Bar chart of ${kidName(id)}'s viewing minutes per day; the table beside it has the same figures.` });
    show(root,
      h('h2', {}, `${kidName(id)}'s week`),
      navigation(report, () => void weekView.render(root)),
      balance ? todayCard(balance, kidName(id), tz) : null,
      w ? h('div', { class: 'chart-and-table' },
        h('figure', { class: 'card chart' }, h('div', { class: 'canvas-box' }, canvas), h('figcaption', {}, 'Minutes per day: bars for viewing and extra time, the dashed line for the limit.')),
        h('div', { class: 'card' }, table(w))) : h('p', {}, 'No report for this child.'),
      w ? summary(w) : null);
    if (w) weekChart(canvas, w);
  },
  live(type, data) {
    const mine = ['grant', 'settings_changed', 'time_request', 'pause', 'break_started'].includes(type);
    if (mine && data.profile_id === store.child) void this.render(document.getElementById('main')!);
  },
};
