// Requests: every child's pending "more time" request, kept current by the live stream, answered
// with 15/30/60 minutes, unlimited today, or no. Answers need PIN proof (asked once).
import { api } from '../api.ts';
import { h, note, show } from '../dom.ts';
import { sentence } from '../errors.ts';
import { duration, relative } from '../format.ts';
import { Cancelled, withPin } from '../pin.ts';
import { applyRequest, kidName, loadPending, store } from '../store.ts';
import type { TimeRequest } from '../types.ts';
import type { View } from './view.ts';

const CHOICES: [string, number | null][] = [['15 min', 15], ['30 min', 30], ['60 min', 60], ['Unlimited today', null]];
let answered: TimeRequest[] = [];
let message: HTMLElement | null = null;

function outcome(r: TimeRequest): string {
  if (r.status === 'approved') return r.unlimited ? 'approved: unlimited today' : `approved: ${r.minutes_granted} more minutes`;
  return r.status;
}

async function answer(r: TimeRequest, minutes: number | null | 'deny', root: HTMLElement): Promise<void> {
  const name = kidName(r.profile_id);
  try {
    if (minutes === 'deny') {
      const res = await withPin(() => api<{ request: TimeRequest }>('POST', `/parental-controls/requests/${r.id}/deny`, {}));
      applyRequest(res.request);
      message = note(`Denied: ${name} can ask again in 10 minutes.`, 'info');
    } else {
      const res = await withPin(() => api<{ request: TimeRequest }>('POST', `/parental-controls/requests/${r.id}/approve`, { minutes }));
      applyRequest(res.request);
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
  const button = (label: string, minutes: number | null | 'deny', extra: Record<string, string> = {}) =>
    h('button', { type: 'button', ...extra, onclick: (ev: Event) => { (ev.currentTarget as HTMLButtonElement).disabled = true; void answer(r, minutes, root); } }, label);
  return h('article', { class: 'card request', 'aria-labelledby': title, 'data-request': r.id },
    h('h3', { id: title }, `${name} asks for ${r.minutes} more minutes`),
    r.message ? h('blockquote', {}, r.message) : null,
    h('p', { class: 'muted' }, `Asked ${relative(r.created_at)}.`),
    h('div', { class: 'actions', role: 'group', 'aria-label': `Answer ${name}'s request` },
      CHOICES.map(([label, m]) => button(m === null ? label : `Give ${label}`, m, m === r.minutes ? { class: 'primary' } : { class: 'secondary' })),
      button('Deny', 'deny', { class: 'danger' })));
}

/** Draws the lists; the note of the last answer stays until the view is opened again. */
async function draw(root: HTMLElement): Promise<void> {
  const today = await api<{ items: TimeRequest[] }>('GET', '/parental-controls/requests');
  answered = today.items.filter((r) => r.status !== 'pending');
  show(root,
    h('h2', {}, 'Requests for more time'),
    h('p', { class: 'live-state muted' }, 'New requests appear here as the children send them.'),
    message,
    h('section', { 'aria-labelledby': 'pending-title' },
      h('h3', { id: 'pending-title' }, store.pending.length ? `Waiting for an answer (${store.pending.length})` : 'Waiting for an answer'),
      h('div', { id: 'pending', class: 'requests' },
        store.pending.length ? store.pending.map((r) => card(r, root)) : h('p', {}, 'No request is waiting.'))),
    h('section', { 'aria-labelledby': 'answered-title' },
      h('h3', { id: 'answered-title' }, 'Answered today'),
      answered.length
        ? h('ul', { class: 'answered' }, answered.map((r) => h('li', {}, `${kidName(r.profile_id)} asked for ${r.minutes} minutes ${relative(r.created_at)}: ${outcome(r)}.`)))
        : h('p', {}, 'None yet.')));
}

export const requestsView: View = {
  title: 'Requests',
  render(root) {
    message = null;
    return draw(root);
  },
  live(type) {
    if (type === 'time_request') void draw(document.getElementById('main')!);
  },
};
