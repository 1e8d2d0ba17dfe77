// History: the chosen child's viewing days, newest first, each with its sessions (title, device,
// from–to, minutes, an educational badge); pages hold whole days ("Show older days").
import { api } from '../api.ts';
import { h } from '../dom.ts';
import { clock, duration, longDay } from '../format.ts';
import { kidName, store, tzOf } from '../store.ts';
import type { History, HistoryDay, HistorySession } from '../types.ts';
import { drawing, type View } from './view.ts';

function session(s: HistorySession, tz?: string): HTMLElement {
  const to = s.ended_at ? clock(s.ended_at, tz) : 'now';
  return h('li', { class: 'session' },
    h('span', { class: 'title' }, s.title_name), ' ',
    s.is_educational ? h('span', { class: 'badge' }, 'Educational') : null,
    h('span', { class: 'meta' }, `${s.device_type ?? 'device'} “${s.device_id}” · ${clock(s.started_at, tz)}–${to} · ${duration(s.duration_minutes)}`));
}

function dayCard(d: HistoryDay, tz?: string): HTMLElement {
  const id = `day-${d.date}`;
  return h('section', { class: 'card day', 'aria-labelledby': id, 'data-date': d.date },
    h('h3', { id }, longDay(d.date)),
    h('p', { class: 'muted' }, `${duration(d.total_minutes)} in total: ${duration(d.counted_minutes)} counted, ${duration(d.educational_minutes)} educational.`),
    d.paused_minutes || d.break_minutes ? h('p', { class: 'muted rules' }, `Paused by a parent ${duration(d.paused_minutes)}, in breaks ${duration(d.break_minutes)}.`) : null,
    h('ul', { class: 'sessions' }, d.sessions.map((s) => session(s, tz))));
}

async function page(id: string, cursor: string | null): Promise<History> {
  const q = new URLSearchParams({ limit: '100' });
  if (cursor) q.set('cursor', cursor);
  return api<History>('GET', `/parental-controls/profiles/${id}/history?${q}`);
}

export const historyView: View = {
  title: 'History',
  async render(root) {
    const shows = drawing(root);
    const id = store.child;
    const tz = tzOf(id);
    const list = h('div', { class: 'days' });
    const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show older days');
    let cursor: string | null = null;
    const load = async () => {
      const p = await page(id, cursor);
      list.append(...p.days.map((d) => dayCard(d, tz)));
      cursor = p.next_cursor;
      more.hidden = !p.has_more;
      if (!list.childElementCount) list.append(h('p', {}, 'Nothing watched in the last 30 days.'));
    };
    more.addEventListener('click', () => void load());
    await load();
    shows(h('h2', {}, `${kidName(id)}'s viewing history`), h('p', { class: 'muted' }, `Last 30 days, times in ${tz ?? 'local time'}.`), list, more);
  },
};
