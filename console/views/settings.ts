// Settings of the chosen child: a limit for each day of the week, breaks, the weekly limit, the
// time bank, finishing the title, reset hour, timezone, the educational exemption and allowed
// hours (saved with the version read, so a change made elsewhere meanwhile answers 409 and the
// form shows the new values); tonight's own hours; extra time now; the household's kids devices.
// Each change asks for the PIN when this login's PIN window is closed.
import { api } from '../api.ts';
import { h, note } from '../dom.ts';
import { sentence } from '../errors.ts';
import { longDay } from '../format.ts';
import { Cancelled, withPin } from '../pin.ts';
import { kidName, loadSettings, store } from '../store.ts';
import type { Balance, Settings, Window } from '../types.ts';
import { devicesCard } from './devices.ts';
import { breakRuleEditor, changedDays, dailyLimitsEditor, timezoneSelect, weekRulesEditor, windowsEditor } from './settings-fields.ts';
import { todayCard } from './week.ts';
import { drawing, type View } from './view.ts';

let dirty = false;
/** Changes of this view under way: their own settings_changed events need no redraw. */
let busy = 0;
const changed = () => { dirty = true; };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
/** The windows with their keys in one order (the API's may come as {to, from}), so that `same` compares values only. */
const windowsOf = (a: Settings['allowed_hours']) => ({
  weekdays: a.weekdays.map((w) => ({ from: w.from, to: w.to })), weekends: a.weekends.map((w) => ({ from: w.from, to: w.to })),
});
const isWeekend = (date: string) => [0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null);
}

function limitsForm(s: Settings, date: string, save: (patch: Record<string, unknown>) => void): HTMLFormElement {
  const limits = dailyLimitsEditor(s.daily_limits);
  const breaks = breakRuleEditor(s.break_rule);
  const week = weekRulesEditor(s.weekly_limit_minutes, s.bank, s.finish_grace_minutes, date);
  const reset = h('select', { id: 'reset-hour' }, Array.from({ length: 24 }, (_, i) => h('option', { value: i, selected: i === s.reset_hour }, `${String(i).padStart(2, '0')}:00`)));
  const tz = timezoneSelect(s.timezone);
  const exempt = h('input', { id: 'edu-exempt', type: 'checkbox', checked: s.educational_exempt });
  const ignores = h('input', { id: 'edu-hours', type: 'checkbox', checked: s.educational_ignores_hours });
  const weekdays = windowsEditor('Allowed hours on weekdays', s.allowed_hours.weekdays, 'Times in 24-hour form, in the timezone above.', 'No window: any time of day.', changed);
  const weekends = windowsEditor('Allowed hours at weekends', s.allowed_hours.weekends, 'Times in 24-hour form, in the timezone above.', 'No window: any time of day.', changed);
  const form = h('form', { class: 'card', 'aria-labelledby': 'limits-title' },
    h('h3', { id: 'limits-title' }, 'Limits and hours'),
    limits.el,
    breaks.el,
    week.el,
    field('A new viewing day starts at', reset),
    field('Timezone', tz),
    h('div', { class: 'check' }, exempt, h('label', { for: 'edu-exempt' }, 'Educational titles do not count towards the limit')),
    h('div', { class: 'check' }, ignores, h('label', { for: 'edu-hours' }, 'Educational titles may be watched outside the allowed hours')),
    weekdays.el, weekends.el,
    s.pending_change ? note(`A new day start or timezone applies from ${longDay(s.pending_change.effective_at.slice(0, 10))}; until then ${String(s.pending_change.current_reset_hour).padStart(2, '0')}:00 in ${s.pending_change.current_timezone} holds.`, 'info') : null,
    h('button', { type: 'submit' }, 'Save limits and hours'));
  form.addEventListener('input', changed);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next: Record<string, unknown> = {
      reset_hour: Number(reset.value), timezone: tz.value,
      educational_exempt: exempt.checked, educational_ignores_hours: ignores.checked,
    };
    const patch: Record<string, unknown> = Object.fromEntries(Object.entries(next).filter(([k, v]) => !same((s as unknown as Record<string, unknown>)[k], v)));
    // only the days that changed, and never the old weekday/weekend fields beside them (a day named twice is a 422)
    const days = changedDays(s.daily_limits, limits.value());
    if (Object.keys(days).length) patch.daily_limits = days;
    if (!same(breaks.value(), s.break_rule)) patch.break_rule = breaks.value();
    // the bank is compared by its cap: from_date is the API's (turning it on starts a new bank)
    const rules = week.value();
    if (rules.weekly_limit_minutes !== s.weekly_limit_minutes) patch.weekly_limit_minutes = rules.weekly_limit_minutes;
    if ((rules.bank?.cap_minutes ?? null) !== (s.bank?.cap_minutes ?? null)) patch.bank = rules.bank;
    if (rules.finish_grace_minutes !== s.finish_grace_minutes) patch.finish_grace_minutes = rules.finish_grace_minutes;
    const hours = { weekdays: weekdays.value(), weekends: weekends.value() };
    if (!same(hours, windowsOf(s.allowed_hours))) patch.allowed_hours = hours;
    save(patch);
  });
  return form;
}

function tonightForm(s: Settings, b: Balance, run: (what: string, call: () => Promise<unknown>) => void): HTMLElement {
  const date = b.date;
  const override = s.overrides.find((o) => o.date === date);
  const usual = isWeekend(date) ? s.allowed_hours.weekends : s.allowed_hours.weekdays;
  const editor = windowsEditor('Hours for tonight only', override?.windows ?? usual, 'These replace the usual allowed hours for today alone.',
    "No window: saving these hours means no viewing tonight.", changed);
  const path = `/parental-controls/profiles/${s.profile_id}/viewing-time/overrides/${date}`;
  const put = (windows: Window[] | null, what: string) => () => run(what, () => api('PUT', path, { windows }));
  const state = !override ? 'Today follows the usual allowed hours.' : override.windows === null ? 'Today has no time restriction.'
    : override.windows.length === 0 ? 'No viewing today.' : `Today has its own hours: ${override.windows.map((w) => `${w.from}–${w.to}`).join(', ')}.`;
  return h('section', { class: 'card', 'aria-labelledby': 'tonight-title' },
    h('h3', { id: 'tonight-title' }, `Tonight (${longDay(date)})`),
    h('p', {}, state),
    editor.el,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => run("Tonight's hours are saved.", () => api('PUT', path, { windows: editor.value() })) }, "Save tonight's hours"),
      h('button', { type: 'button', class: 'secondary', onclick: put([], 'No more viewing today.') }, 'No viewing tonight'),
      h('button', { type: 'button', class: 'secondary', onclick: put(null, 'No time restriction today.') }, 'No restriction tonight'),
      override ? h('button', { type: 'button', class: 'secondary', onclick: () => run('Today is back to the usual hours.', () => api('DELETE', path)) }, 'Back to the usual hours') : null));
}

function extraTime(id: string, run: (what: string, call: () => Promise<unknown>) => void): HTMLElement {
  const give = (minutes: number | null) => () => run(minutes === null ? 'Unlimited viewing for the rest of today.' : `${minutes} minutes added for today.`,
    () => api('POST', `/parental-controls/profiles/${id}/viewing-time/grant`, { minutes }));
  return h('section', { class: 'card', 'aria-labelledby': 'extra-title' },
    h('h3', { id: 'extra-title' }, 'Extra time now'),
    h('div', { class: 'actions', role: 'group', 'aria-labelledby': 'extra-title' },
      [15, 30, 60].map((m) => h('button', { type: 'button', class: 'secondary', onclick: give(m) }, `+${m} min`)),
      h('button', { type: 'button', class: 'secondary', onclick: give(null) }, 'Unlimited today')));
}

async function draw(root: HTMLElement, message: HTMLElement | null = null): Promise<void> {
  const shows = drawing(root);
  const id = store.child;
  const [s, b] = await Promise.all([loadSettings(id), api<Balance>('GET', `/viewing-time/balance/${id}`)]);
  dirty = false;
  const run = (what: string, call: () => Promise<unknown>) => void (async () => {
    let shown: HTMLElement;
    busy++;
    try {
      const result = await withPin(call) as Partial<Settings> | null;
      if (result?.profile_id === id && typeof result.version === 'number') store.settings.set(id, result as Settings);
      shown = note(what, 'info');
    } catch (e) {
      if (e instanceof Cancelled) { busy--; return; }
      shown = note(sentence(e));
    }
    await draw(root, shown).finally(() => { busy--; }); // the note is a status region: screen readers hear it
  })();
  const save = (patch: Record<string, unknown>) => {
    if (!Object.keys(patch).length) return void draw(root, note('Nothing changed.', 'info'));
    // a 409 (changed elsewhere) redraws from the settings as they are now, with the sentence
    run('The settings are saved.', () => api('PUT', `/parental-controls/profiles/${id}/viewing-time`, { ...patch, version: s.version }));
  };
  if (!shows(
    h('h2', {}, `${kidName(id)}'s settings`),
    message,
    todayCard(b, kidName(id), s.timezone),
    limitsForm(s, b.date, save),
    tonightForm(s, b, run),
    extraTime(id, run),
    await devicesCard(run, s.timezone))) return;
  message?.scrollIntoView({ block: 'nearest' });
}

/** Extra time granted elsewhere: only the balance changes. */
async function refreshToday(root: HTMLElement): Promise<void> {
  const id = store.child;
  const b = await api<Balance>('GET', `/viewing-time/balance/${id}`);
  if (id === store.child) root.querySelector('section.today')?.replaceWith(todayCard(b, kidName(id), store.settings.get(id)?.timezone));
}

export const settingsView: View = {
  title: 'Settings',
  render: (root) => draw(root),
  live(type, data) {
    if (data.profile_id !== store.child) return;
    if (type === 'pause' || type === 'break_started' || type === 'limit_reached') { void refreshToday(document.getElementById('main')!); return; }
    if ((type !== 'settings_changed' && type !== 'grant') || busy) return;
    if (type === 'settings_changed' && data.settings?.version <= (store.settings.get(store.child)?.version ?? 0)) return; // our own change
    const main = document.getElementById('main')!;
    if (type === 'grant') { void refreshToday(main); return; }
    if (!dirty) void draw(main, note('These settings were just changed; the form shows the new values.', 'info'));
  },
};
