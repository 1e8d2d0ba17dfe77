// Requests: every child's pending "more time" request, kept current by the live stream, answered
// with 15/30/60 minutes, unlimited today, or no. Answers need PIN proof (asked once).
// #/requests/{id} (where a "more time" notification leads) opens the view on that request: it is
// marked and focused, or a note says what became of it.
import { api } from '../api.ts';
import { h, note } from '../dom.ts';
import { sentence } from '../errors.ts';
import { duration, relative } from '../format.ts';
import { Cancelled, withPin } from '../pin.ts';
import { applyRequest, kidName, loadPending, store } from '../store.ts';
import type { TimeRequest } from '../types.ts';
import { drawing, type View } from './view.ts';

const CHOICES: [string, number | null][] = [['15 min', 15], ['30 min', 30], ['60 min', 60], ['Unlimited today', null]];
let answered: TimeRequest[] = [];
let message: HTMLElement | null = null;
/** The request the view was opened on (#/requests/{id}); `focusing`: it still has to get the focus. */
let opened: string | null = null;
let focusing = false;

function outcome(r: TimeRequest): string {
  if (r.status === 'approved') return r.unlimited ? 'approved: unlimited today' : `approved: ${r.minutes_granted} more minutes`;
  return r.status;
}

async function answer(r: TimeRequest, minutes: number | null | 'deny', root: HTMLElement): Promise<void> {
  const name = kidName(r.profile_id);
  /** Answered here: the note says how; the address no longer points at it. */
  const settled = () => {
    if (r.id !== opened) return;
    opened = null;
    history.replaceState(null, '', '#requests');
  };
  try {
    if (minutes === 'deny') {
      const res = await withPin(() => api<{ request: TimeRequest }>('POST', `/parental-controls/requests/${r.id}/deny`, {}));
      applyRequest(res.request);
      settled();
      message = note(`Denied: ${name} can ask again in 10 minutes.`, 'info');
    } else {
      const res = await withPin(() => api<{ request: TimeRequest }>('POST', `/parental-controls/requests/${r.id}/approve`, { minutes }));
      applyRequest(res.request);
      settled();
      message = note(`Approved: ${name} gets ${res.request.unlimited ? 'unlimited viewing for the rest of today' : `${duration(res.request.minutes_granted ?? 0)} more today`}.`, 'info');
    }
  } catch (e) {
    if (e instanceof Cancelled) return;
    message = note(sentence(e));
    await loadPending().catch(() => {});
  }
  await draw(root); // the note is a status region: screen readers hear it
}

function card(r: TimeRequest, root: HTMLElement): HTMLElement {
  const name = kidName(r.profile_id);
  const title = `request-${r.id}`;
  const mine = r.id === opened;
  const button = (label: string, minutes: number | null | 'deny', extra: Record<string, string> = {}) =>
    h('button', { type: 'button', ...extra, 'data-choice': String(minutes), onclick: (ev: Event) => { (ev.currentTarget as HTMLButtonElement).disabled = true; void answer(r, minutes, root); } }, label);
  return h('article', { class: mine ? 'card request opened' : 'card request', 'aria-labelledby': title, 'data-request': r.id, tabindex: mine ? -1 : null, 'aria-current': mine ? 'true' : null },
    mine ? h('p', { class: 'opened-label' }, 'From your notification') : null,
    h('h3', { id: title }, `${name} asks for ${r.minutes} more minutes`),
    r.message ? h('blockquote', {}, r.message) : null,
    h('p', { class: 'muted' }, `Asked ${relative(r.created_at)}.`),
    h('div', { class: 'actions', role: 'group', 'aria-label': `Answer ${name}'s request` },
      CHOICES.map(([label, m]) => button(m === null ? label : `Give ${label}`, m, m === r.minutes ? { class: 'primary' } : { class: 'secondary' })),
      button('Deny', 'deny', { class: 'danger' })));
}

/** What became of the request the view was opened on, when it is not waiting any more. */
function openedNote(today: TimeRequest[]): HTMLElement | null {
  if (!opened || store.pending.some((r) => r.id === opened)) return null;
  const r = today.find((x) => x.id === opened);
  if (!r) return note('The request from your notification is no longer waiting: it expired at the end of its viewing day, or it was answered earlier.', 'info');
  return note(`${kidName(r.profile_id)}'s request for ${r.minutes} more minutes is no longer waiting: ${outcome(r)}.`, 'info');
}

/** Where the focus is in the view, as a selector that finds it again after a redraw (a request, or one of its buttons). */
function focused(root: HTMLElement): string | null {
  const el = document.activeElement;
  const card = el && el !== root && root.contains(el) ? el.closest('[data-request]') : null;
  if (!el || !card) return null;
  const at = `[data-request="${CSS.escape(card.getAttribute('data-request') ?? '')}"]`;
  const choice = el.getAttribute('data-choice');
  return el === card ? at : choice ? `${at} [data-choice="${CSS.escape(choice)}"]` : null;
}

/** Draws the lists; the note of the last answer stays until the view is opened again. A live redraw keeps the focus where it was. */
async function draw(root: HTMLElement): Promise<void> {
  const shows = drawing(root);
  const today = await api<{ items: TimeRequest[] }>('GET', '/parental-controls/requests');
  answered = today.items.filter((r) => r.status !== 'pending');
  // opened on a request the live stream has not brought yet (the notification came first)
  if (opened && !store.pending.some((r) => r.id === opened) && today.items.some((r) => r.id === opened && r.status === 'pending')) await loadPending();
  const had = focused(root);
  if (!shows(
    h('h2', {}, 'Requests for more time'),
    h('p', { class: 'live-state muted' }, 'New requests appear here as the children send them.'),
    message ?? openedNote(today.items),
    h('section', { 'aria-labelledby': 'pending-title' },
      h('h3', { id: 'pending-title' }, store.pending.length ? `Waiting for an answer (${store.pending.length})` : 'Waiting for an answer'),
      h('div', { id: 'pending', class: 'requests' },
        store.pending.length ? store.pending.map((r) => card(r, root)) : h('p', {}, 'No request is waiting.'))),
    h('section', { 'aria-labelledby': 'answered-title' },
      h('h3', { id: 'answered-title' }, 'Answered today'),
      answered.length
        ? h('ul', { class: 'answered' }, answered.map((r) => h('li', {}, `${kidName(r.profile_id)} asked for ${r.minutes} minutes ${relative(r.created_at)}: ${outcome(r)}.`)))
        : h('p', {}, 'None yet.')))) return;
  if (focusing) {
    // opened on a request: it gets the focus once (a redraw meanwhile keeps it there, as above)
    focusing = false;
    const card = root.querySelector<HTMLElement>('article.request.opened');
    card?.focus({ preventScroll: true });
    card?.scrollIntoView({ block: 'center' });
  } else if (had) {
    root.querySelector<HTMLElement>(had)?.focus({ preventScroll: true });
  }
}

export const requestsView: View = {
  title: 'Requests',
  render(root, id) {
    message = null;
    opened = id ?? null;
    focusing = opened !== null;
    return draw(root);
  },
  live(type) {
    if (type === 'time_request') void draw(document.getElementById('main')!);
  },
};
