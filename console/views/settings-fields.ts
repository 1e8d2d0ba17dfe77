// The settings form's editors: a limit for each day of the week, the break rule, the timezone and
// allowed-hours windows. Times are selects on the API's 15-minute grid showing "21:30", as the rest
// of the console does (an <input type=time> would follow the browser's locale: "09:30 PM").
import { h, uid } from '../dom.ts';
import { duration, QUARTER_HOURS } from '../format.ts';
import { WEEKDAYS, type BreakRule, type DailyLimits, type Window } from '../types.ts';

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
