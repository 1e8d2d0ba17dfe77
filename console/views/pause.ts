// Pause: every child's state at a glance and "pause now", for one child or everyone: for some
// minutes, until a time of day (shown in the child's timezone) or until lifted; "Lift" ends it.
// A pause stops viewing on every device at once. Each change needs PIN proof (asked once); the live
// stream's events (a pause lifted on another screen, or run out) redraw the view.
import { api } from '../api.ts';
import { h, note } from '../dom.ts';
import { sentence } from '../errors.ts';
import { clock, duration, pausedUntil, today } from '../format.ts';
import { Cancelled, withPin } from '../pin.ts';
import { loadSettings, store } from '../store.ts';
import type { Balance, Paused, Settings } from '../types.ts';
import { drawing, type View } from './view.ts';

const FOR_MINUTES = [15, 30, 60, 120];
const MAX_AHEAD = 720 * 60_000; // the API takes a pause of at most 12 hours
const QUARTER = 15 * 60_000;
let message: HTMLElement | null = null;
/** Changes of this view under way: their own live events need no redraw. */
let busy = 0;

interface Kid { id: string; name: string; settings: Settings; balance: Balance }

const WHY: Record<string, string> = {
  outside_allowed_hours: 'outside the allowed hours', daily_limit_reached: "today's allowance is used up",
  weekly_limit_reached: "this week's allowance is used up",
};

function stateOf(k: Kid): string {
  const tz = k.settings.timezone;
  if (k.settings.pause) return pausedUntil(k.settings.pause.paused_until, tz);
  if (k.balance.reason === 'break_time' && k.balance.break_until) return `On a break until ${clock(k.balance.break_until, tz)}`;
  if (!k.balance.allowed_now) return `Cannot watch now: ${WHY[k.balance.reason] ?? 'not allowed at the moment'}`;
  return 'Can watch now';
}

const dateIn = (iso: string, tz?: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));

/** How long: some minutes, until lifted, or until a quarter hour of the next 12 hours (at least 5 minutes ahead), in `tz`. */
function picker(id: string, tz?: string): HTMLSelectElement {
  const now = Date.now();
  const times: string[] = [];
  for (let t = Math.ceil((now + 5 * 60_000) / QUARTER) * QUARTER; t < now + MAX_AHEAD; t += QUARTER) times.push(new Date(t).toISOString());
  const until = (iso: string) => `until ${clock(iso, tz)}${dateIn(iso, tz) === today(tz) ? '' : ' tomorrow'}`;
  return h('select', { id },
    h('optgroup', { label: 'For' }, FOR_MINUTES.map((m) => h('option', { value: `minutes:${m}`, selected: m === 30 }, duration(m)))),
    h('optgroup', { label: 'Until' }, h('option', { value: 'lifted' }, 'until lifted'), times.map((t) => h('option', { value: `until:${t}` }, until(t)))));
}

/** The request body for a picker's choice: minutes, until, or neither (until lifted). */
function howLong(value: string): { minutes?: number; until?: string } {
  if (value.startsWith('minutes:')) return { minutes: Number(value.slice('minutes:'.length)) };
  if (value.startsWith('until:')) return { until: value.slice('until:'.length) };
  return {};
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Runs a change with PIN proof, then redraws with its sentence and puts the focus back where it was. */
async function change<T>(root: HTMLElement, call: () => Promise<T>, said: (r: T) => string, focus: string): Promise<void> {
  busy++;
  try {
    message = note(said(await withPin(call)), 'info');
  } catch (e) {
    if (e instanceof Cancelled) { busy--; return; }
    message = note(sentence(e));
  }
  await draw(root, focus).finally(() => { busy--; }); // the note is a status region: screen readers hear it
}

function kidCard(k: Kid, root: HTMLElement): HTMLElement {
  const title = `pause-${k.id}`;
  const select = picker(`pause-for-${k.id}`, k.settings.timezone);
  const pause = () => change(root, () => api<Paused>('POST', `/parental-controls/profiles/${k.id}/pause`, howLong(select.value)),
    (r) => `${k.name} is ${lower(pausedUntil(r.paused_until, k.settings.timezone))}.`, `#lift-${k.id}`);
  const lift = () => change(root, () => api('DELETE', `/parental-controls/profiles/${k.id}/pause`), () => `${k.name}'s pause is lifted.`, `#pause-${k.id}`);
  return h('section', { class: 'card pause-kid', 'aria-labelledby': title, 'data-profile': k.id },
    h('h3', { id: title }, k.name),
    h('p', { class: 'state', 'data-paused': String(k.settings.pause !== null), 'data-reason': k.balance.reason }, stateOf(k)),
    h('div', { class: 'actions' },
      h('label', { for: select.id }, 'How long', h('span', { class: 'visually-hidden' }, ` to pause ${k.name}`)), select,
      h('button', { type: 'button', id: `pause-${k.id}`, 'aria-label': `Pause ${k.name}`, onclick: () => void pause() }, 'Pause'),
      k.settings.pause ? h('button', { type: 'button', id: `lift-${k.id}`, class: 'secondary', 'aria-label': `Lift ${k.name}'s pause`, onclick: () => void lift() }, 'Lift') : null));
}

function everyoneCard(kids: Kid[], root: HTMLElement): HTMLElement {
  const tz = kids[0]?.settings.timezone;
  const select = picker('pause-all-for', tz);
  const pause = () => change(root, () => api<{ profiles: Paused[] }>('POST', '/parental-controls/pause', howLong(select.value)),
    (r) => (r.profiles.length ? `Everyone is ${lower(pausedUntil(r.profiles[0].paused_until, tz))}.` : 'There is no child to pause.'), '#pause-everyone');
  const lift = () => change(root, () => api('DELETE', '/parental-controls/pause'), () => 'Every pause is lifted: the children can watch as their usual rules allow.', '#pause-everyone');
  return h('section', { class: 'card everyone', 'aria-labelledby': 'everyone-title' },
    h('h3', { id: 'everyone-title' }, 'Everyone'),
    h('div', { class: 'actions' },
      h('label', { for: select.id }, 'How long', h('span', { class: 'visually-hidden' }, ' to pause everyone')), select,
      h('button', { type: 'button', id: 'pause-everyone', onclick: () => void pause() }, 'Pause everyone'),
      kids.some((k) => k.settings.pause) ? h('button', { type: 'button', class: 'secondary', onclick: () => void lift() }, 'Lift every pause') : null));
}

/** Draws every child's card; the focus goes to `focus`, else, as the chosen durations, stays where it was (a live redraw). */
async function draw(root: HTMLElement, focus: string | null = null): Promise<void> {
  const shows = drawing(root);
  const kids: Kid[] = await Promise.all(store.kids.map(async (p) => {
    const [settings, balance] = await Promise.all([loadSettings(p.id), api<Balance>('GET', `/viewing-time/balance/${p.id}`)]);
    return { id: p.id, name: p.name, settings, balance };
  }));
  const had = root.contains(document.activeElement) && document.activeElement?.id ? `#${CSS.escape(document.activeElement.id)}` : null;
  const chosen = new Map([...root.querySelectorAll('select')].map((el) => [el.id, el.value]));
  if (!shows(
    h('h2', {}, 'Pause viewing'),
    h('p', { class: 'muted live-state' }, 'A pause stops viewing on every device at once, whatever time is left. A new pause replaces the one running.'),
    message,
    kids.length ? everyoneCard(kids, root) : h('p', {}, 'There is no child profile in this household.'),
    h('div', { class: 'pause-kids' }, kids.map((k) => kidCard(k, root))))) return;
  for (const el of root.querySelectorAll('select')) {
    const was = chosen.get(el.id);
    if (was && [...el.options].some((o) => o.value === was)) el.value = was;
  }
  const target = focus ?? had;
  if (target) root.querySelector<HTMLElement>(target)?.focus();
  message?.scrollIntoView({ block: 'nearest' });
}

export const pauseView: View = {
  title: 'Pause',
  render(root) {
    message = null;
    return draw(root);
  },
  live(type) {
    if (busy || !['pause', 'break_started', 'settings_changed', 'grant'].includes(type)) return;
    void draw(document.getElementById('main')!);
  },
};
