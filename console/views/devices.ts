// The household's kids devices (each holds a token for one child's profile): when each was handed
// over and last seen, with "Sign out" per device and for all of them. Both need PIN proof.
import { api } from '../api.ts';
import { h } from '../dom.ts';
import { when } from '../format.ts';
import type { Device } from '../types.ts';

type Run = (what: string, call: () => Promise<unknown>) => void;

export async function devicesCard(run: Run, timeZone?: string): Promise<HTMLElement> {
  const { items } = await api<{ items: Device[] }>('GET', '/auth/devices');
  const rows = items.map((d) => h('tr', {},
    h('th', { scope: 'row' }, d.profile_name),
    h('td', {}, when(d.created_at, timeZone)),
    h('td', {}, d.last_seen_at ? when(d.last_seen_at, timeZone) : 'not yet'),
    h('td', {}, h('button', { type: 'button', class: 'secondary small', 'aria-label': `Sign out ${d.profile_name}'s device from ${when(d.created_at, timeZone)}`,
      onclick: () => run(`${d.profile_name}'s device is signed out.`, () => api('DELETE', `/auth/devices/${d.id}`)) }, 'Sign out'))));
  return h('section', { class: 'card devices', 'aria-labelledby': 'devices-title' },
    h('h3', { id: 'devices-title' }, 'Kids devices'),
    items.length
      ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Child'), h('th', { scope: 'col' }, 'Handed over'), h('th', { scope: 'col' }, 'Last seen'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Action')))), h('tbody', {}, rows))
      : h('p', {}, 'No kids device is signed in.'),
    items.length ? h('button', { type: 'button', class: 'secondary', onclick: () => run('Every kids device is signed out.', () => api('DELETE', '/auth/devices')) }, 'Sign out all devices') : null);
}
