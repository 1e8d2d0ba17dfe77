// What several views share: the household's children, the chosen one, their settings (for the
// timezone times are shown in) and the pending requests the live stream keeps current.
import { api } from './api.ts';
import type { Profile, Settings, TimeRequest } from './types.ts';

export const store = {
  kids: [] as Profile[],
  child: '',
  pending: [] as TimeRequest[],
  settings: new Map<string, Settings>(),
};

export const kidName = (id: string) => store.kids.find((k) => k.id === id)?.name ?? 'A child';
export const tzOf = (id: string) => store.settings.get(id)?.timezone;

export async function loadKids(): Promise<void> {
  store.kids = (await api<Profile[]>('GET', '/auth/profiles')).filter((p) => p.is_kids).sort((a, b) => a.name.localeCompare(b.name));
  if (!store.kids.some((k) => k.id === store.child)) store.child = store.kids[0]?.id ?? '';
  await Promise.all(store.kids.map((k) => loadSettings(k.id)));
}

export async function loadSettings(id: string): Promise<Settings> {
  const s = await api<Settings>('GET', `/parental-controls/profiles/${id}/viewing-time`);
  store.settings.set(id, s);
  return s;
}

export async function loadPending(): Promise<void> {
  store.pending = (await api<{ items: TimeRequest[] }>('GET', '/parental-controls/requests?status=pending')).items;
}

/** Applies a live time_request event to the pending list. */
export function applyRequest(r: TimeRequest): void {
  store.pending = store.pending.filter((p) => p.id !== r.id);
  if (r.status === 'pending') store.pending = [r, ...store.pending];
}

export function reset(): void {
  store.kids = [];
  store.child = '';
  store.pending = [];
  store.settings.clear();
}
