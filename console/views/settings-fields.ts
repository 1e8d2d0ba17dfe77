// The settings form's editors: a limit for each day of the week, the break rule, the weekly limit,
// the time bank and finishing the title, the timezone and allowed-hours windows. Times are selects
// on the API's 15-minute grid showing "21:30", as the rest of the console does (an
// <input type=time> would follow the browser's locale: "09:30 PM").
import { h, uid } from '../dom.ts';
import { duration, longDay, QUARTER_HOURS } from '../format.ts';
import { WEEKDAYS, type Bank, type BreakRule, type DailyLimits, type Window } from '../types.ts';

const MAX_WINDOWS = 3;
const DAY_NAMES: Record<string, string> = {
  monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday',
};
const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

export interface Editor<T> { el: HTMLElement; value(): T }

/** A time of day on the 15-minute grid; a value off the grid (set elsewhere) stays listed, an empty one asks for a choice. */
function timeSelect(id: string, value: string): HTMLSelectElement {
  const times = !value || QUARTER_HOURS.includes(value) ? QUARTER_HOURS : [...QUARTER_HOURS, value].sort();
  return h('select', { id, required: true, class: 'time' },
    value ? null : h('option', { value: '', selected: true }, '--:--'),
    times.map((t) => h('option', { value: t, selected: t === value }, t)));
}

/** Up to three from–to rows of local times; `empty` says what no row means, shown only then. */
export function windowsEditor(legend: string, windows: Window[], hint: string, empty: string, changed: () => void): Editor<Window[]> {
  const rows = h('div', { class: 'windows' });
  const none = h('p', { class: 'hint empty' }, empty);
  const add = h('button', { type: 'button', class: 'secondary small' }, 'Add a time window');
  const sync = () => {
    add.hidden = rows.childElementCount >= MAX_WINDOWS;
    none.hidden = rows.childElementCount > 0;
  };
  const row = (w: Window = { from: '', to: '' }) => {
    const from = timeSelect(uid('from'), w.from);
    const to = timeSelect(uid('to'), w.to);
    const remove = h('button', { type: 'button', class: 'secondary small', onclick: () => { r.remove(); sync(); changed(); } }, 'Remove');
    const name = () => remove.setAttribute('aria-label', `Remove the window ${from.value || '--:--'}–${to.value || '--:--'}`);
    const r = h('div', { class: 'window' }, h('label', { for: from.id }, 'From'), from, h('label', { for: to.id }, 'to'), to, remove);
    r.addEventListener('change', name);
    name();
    rows.append(r);
    sync();
  };
  add.addEventListener('click', () => { row(); changed(); });
  windows.forEach((w) => row(w));
  sync();
  const el = h('fieldset', {}, h('legend', {}, legend), h('p', { class: 'hint' }, hint), none, rows, add);
  return { el, value: () => [...rows.querySelectorAll('.window')].map((r) => { const [f, t] = r.querySelectorAll('select'); return { from: f.value, to: t.value }; }) };
}

/** Seven limits in minutes, Monday first; empty = no limit that day. */
export function dailyLimitsEditor(limits: DailyLimits): Editor<DailyLimits> {
  const inputs = WEEKDAYS.map((d) => h('input', {
    id: `limit-${d}`, name: d, type: 'number', min: 15, max: 480, step: 15, value: limits[d] ?? '', inputmode: 'numeric', 'aria-describedby': 'limits-hint',
  }));
  const el = h('fieldset', { class: 'limits' },
    h('legend', {}, 'Daily limit in minutes'),
    h('p', { class: 'hint', id: 'limits-hint' }, 'A multiple of 15, up to 480 (8 h); empty for no limit that day.'),
    h('div', { class: 'days' }, WEEKDAYS.map((d, i) => h('div', { class: 'field' }, h('label', { for: inputs[i].id }, DAY_NAMES[d]), inputs[i]))));
  const limitOf = (v: string) => (v.trim() === '' ? null : Number(v));
  return { el, value: () => Object.fromEntries(WEEKDAYS.map((d, i) => [d, limitOf(inputs[i].value)])) as DailyLimits };
}

/** The days whose limit differs: a PUT names only those (and never the old weekday/weekend fields). */
export const changedDays = (was: DailyLimits, now: DailyLimits): Partial<DailyLimits> =>
  Object.fromEntries(WEEKDAYS.filter((d) => was[d] !== now[d]).map((d) => [d, now[d]]));

/** A break of some minutes after some minutes of viewing, or "No breaks" (null). */
export function breakRuleEditor(rule: BreakRule | null): Editor<BreakRule | null> {
  const after = h('select', { id: 'break-after', 'aria-describedby': 'break-hint' },
    h('option', { value: '', selected: rule === null }, 'No breaks'),
    range(15, 180, 15).map((m) => h('option', { value: m, selected: rule?.after_minutes === m }, `${duration(m)} of viewing`)));
  const length = h('select', { id: 'break-length' },
    range(5, 60, 5).map((m) => h('option', { value: m, selected: (rule?.break_minutes ?? 10) === m }, duration(m))));
  const sync = () => { length.disabled = after.value === ''; };
  after.addEventListener('change', sync);
  sync();
  const el = h('fieldset', { class: 'breaks' },
    h('legend', {}, 'Breaks'),
    h('p', { class: 'hint', id: 'break-hint' }, 'After this much viewing without a rest, viewing stops for the break on every device. A rest as long as the break starts the count again.'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: after.id }, 'Break after'), after),
      h('div', { class: 'field' }, h('label', { for: length.id }, 'Break length'), length)));
  return { el, value: () => (after.value === '' ? null : { after_minutes: Number(after.value), break_minutes: Number(length.value) }) };
}

/** The week's rules as the settings PUT takes them. */
export interface WeekRules { weekly_limit_minutes: number | null; bank: { cap_minutes: number } | null; finish_grace_minutes: number }

/** A select of minutes; `none` (value "") first when given; a value off the list (set elsewhere) stays listed. */
function minutesSelect(id: string, values: number[], current: number | null, label: (m: number) => string, none: string | null, describedBy: string): HTMLSelectElement {
  const list = current === null || values.includes(current) ? values : [...values, current].sort((a, b) => a - b);
  return h('select', { id, 'aria-describedby': describedBy },
    none === null ? null : h('option', { value: '', selected: current === null }, none),
    list.map((m) => h('option', { value: m, selected: m === current }, label(m))));
}

/**
 * The weekly limit (none, or 1 h..56 h in steps of 15 min), the time bank (off, or a cap of
 * 15 min..4 h) and finishing the title (off, or up to 30 minutes). `today`: the viewing day, to
 * say whether the bank saves already or from which day.
 */
export function weekRulesEditor(weekly: number | null, bank: Bank | null, grace: number, today: string): Editor<WeekRules> {
  const week = minutesSelect('weekly-limit', range(60, 3360, 15), weekly, duration, 'No weekly limit', 'weekly-hint');
  const cap = minutesSelect('bank-cap', range(15, 240, 15), bank?.cap_minutes ?? null, (m) => `Up to ${duration(m)}`, 'Off', 'bank-hint');
  const finish = minutesSelect('finish-grace', range(0, 30, 1), grace, (m) => (m === 0 ? 'Off' : `Up to ${m} ${m === 1 ? 'minute' : 'minutes'}`), null, 'grace-hint');
  const since = !bank ? '' : bank.from_date > today ? ` It saves from ${longDay(bank.from_date)} on.` : ` Saving since ${longDay(bank.from_date)}.`;
  const el = h('fieldset', { class: 'week-rules' },
    h('legend', {}, 'The week, the time bank and finishing a title'),
    h('div', { class: 'field' }, h('label', { for: week.id }, 'Weekly limit'), week,
      h('p', { class: 'hint', id: 'weekly-hint' }, 'Counted viewing from Monday to Sunday, beside the daily limits: whichever runs out first stops viewing. Extra time granted adds to both.')),
    h('div', { class: 'field' }, h('label', { for: cap.id }, 'Time bank'), cap,
      h('p', { class: 'hint', id: 'bank-hint' }, `What a day leaves of its limit is saved, up to this much, for a later day of the same week once that day's limit and extra time are used. The bank is empty every Monday.${since}`)),
    h('div', { class: 'field' }, h('label', { for: finish.id }, 'Let them finish the episode'), finish,
      h('p', { class: 'hint', id: 'grace-hint' }, 'When time runs out during a title that ends within this many minutes, it may be watched to the end (on players that say where they are in it). These minutes show as overtime and count towards nothing.')));
  const num = (v: string) => (v === '' ? null : Number(v));
  return {
    el,
    value: () => {
      const c = num(cap.value);
      return { weekly_limit_minutes: num(week.value), bank: c === null ? null : { cap_minutes: c }, finish_grace_minutes: Number(finish.value) };
    },
  };
}

/** The IANA zones this browser knows, grouped by area; the current one stays selected even when it is not among them. */
export function timezoneSelect(current: string): HTMLSelectElement {
  const zones = Intl.supportedValuesOf('timeZone');
  if (!zones.includes(current)) zones.push(current);
  const groups = new Map<string, string[]>();
  for (const z of zones.sort()) {
    const area = z.includes('/') ? z.slice(0, z.indexOf('/')) : 'Other';
    groups.set(area, [...(groups.get(area) ?? []), z]);
  }
  return h('select', { id: 'timezone', required: true },
    [...groups].map(([area, list]) => h('optgroup', { label: area }, list.map((z) => h('option', { value: z, selected: z === current }, z.replaceAll('_', ' '))))));
}
