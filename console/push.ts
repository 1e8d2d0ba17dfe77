// "Notify me on this device": the console's service worker (console/sw.js, scope /console/) and
// this browser's Web Push subscription. Turning it on asks the browser's permission, subscribes
// with the service's VAPID key and hands the subscription to the API (POST /push/subscriptions);
// turning it off removes it there and unsubscribes. The API drops a subscription when its login
// ends, so signing out unsubscribes here too; a sign-in hands a subscription this browser still
// has (the page was reloaded or closed without signing out) to the new login.
import { api, ApiError, once } from './api.ts';

const WORKER = '/console/sw.js';
const SCOPE = '/console/';
/** This browser's subscription as the API knows it: {endpoint, id} (an id is needed to remove it). */
const SAVED = 'vtime-console-push';

/** A reason this device cannot be notified, as a sentence for the parent. */
export class PushProblem extends Error {}

const BLOCKED = "Notifications are blocked for this site in the browser's settings: allow them there, then turn this on again.";

let registration: Promise<ServiceWorkerRegistration | null> = Promise.resolve(null);

export const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** Registers the service worker (on load) and follows what it asks of an open window: show a page of the console. */
export function startWorker(open: (url: URL) => void): void {
  if (!('serviceWorker' in navigator)) return;
  registration = navigator.serviceWorker.register(WORKER, { scope: SCOPE, updateViaCache: 'none' }).catch(() => null);
  navigator.serviceWorker.addEventListener('message', (ev: MessageEvent) => {
    const data = ev.data as { type?: unknown; url?: unknown } | null;
    if (data?.type !== 'vtime-open' || typeof data.url !== 'string') return;
    const url = new URL(data.url, location.href);
    if (url.origin === location.origin && url.pathname === location.pathname) open(url);
  });
}

function saved(): { endpoint: string; id: string } | null {
  try {
    const v = JSON.parse(localStorage.getItem(SAVED) ?? 'null');
    return typeof v?.endpoint === 'string' && typeof v?.id === 'string' ? v : null;
  } catch {
    return null;
  }
}

function save(v: { endpoint: string; id: string } | null): void {
  try {
    if (v) localStorage.setItem(SAVED, JSON.stringify(v)); else localStorage.removeItem(SAVED);
  } catch {
    // no storage: turning it off then only unsubscribes here (the API drops it with the login)
  }
}

/** The VAPID key (URL-safe base64) as the bytes pushManager.subscribe takes. */
function keyBytes(key: string): Uint8Array<ArrayBuffer> {
  const b64 = key.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

const sameBytes = (a: ArrayBuffer | null, b: Uint8Array) => a !== null && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

async function worker(): Promise<ServiceWorkerRegistration> {
  const problem = new PushProblem("The console's service worker could not start in this browser, so this device cannot get notifications.");
  if (!(await registration)) throw problem;
  const ready = await Promise.race([navigator.serviceWorker.ready, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
  if (!ready) throw problem;
  return ready;
}

/** Whether this browser is subscribed to the service's alerts. */
export async function deviceSubscribed(): Promise<boolean> {
  const reg = await registration;
  if (!reg || !pushSupported()) return false;
  return (await reg.pushManager.getSubscription().catch(() => null)) !== null;
}

/** Hands a subscription to the API (again: it moves to this login). */
async function hand(sub: PushSubscription): Promise<void> {
  const keys = sub.toJSON().keys ?? {};
  const { id } = await once<{ id: string }>('POST', '/push/subscriptions', { endpoint: sub.endpoint, keys: { p256dh: keys.p256dh ?? '', auth: keys.auth ?? '' } });
  save({ endpoint: sub.endpoint, id });
}

/** Turns notifications on for this browser; a PushProblem (or an ApiError) says why it cannot. */
export async function notifyOn(): Promise<void> {
  if (!pushSupported()) throw new PushProblem('This browser cannot show notifications from a web page, so this device cannot get them.');
  if (Notification.permission === 'denied') throw new PushProblem(BLOCKED);
  const permission = await Notification.requestPermission();
  if (permission === 'denied') throw new PushProblem(BLOCKED);
  if (permission !== 'granted') throw new PushProblem('Notifications were not allowed: turn this on again and choose “Allow” when the browser asks.');
  const reg = await worker();
  const key = keyBytes((await api<{ key: string }>('GET', '/push/vapid-public-key')).key);
  let sub: PushSubscription;
  try {
    let current = await reg.pushManager.getSubscription();
    // made with another key (the service's changed): it cannot be used any more
    if (current && !sameBytes(current.options.applicationServerKey, key)) { await current.unsubscribe(); current = null; }
    sub = current ?? await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (e) {
    const why = e instanceof Error ? e.message || e.name : String(e);
    throw new PushProblem(`This device cannot get notifications: the browser's push service did not subscribe it (${why}). This browser may have no push service here, as in some private or offline windows, or notifications may be blocked for this site.`);
  }
  try {
    await hand(sub);
  } catch (e) {
    await sub.unsubscribe().catch(() => false); // the API does not know it: nothing would arrive
    throw e;
  }
}

/** Turns notifications off for this browser: the API forgets the subscription, then the browser. */
export async function notifyOff(): Promise<void> {
  const reg = await registration;
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  const record = saved();
  if (record && (!sub || record.endpoint === sub.endpoint)) {
    try {
      await api('DELETE', `/push/subscriptions/${record.id}`, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e; // 404: it is gone already
    }
  }
  save(null);
  await sub?.unsubscribe();
}

/** Signed out: the API dropped this login's subscriptions; the browser forgets its own. */
export async function forgetDevice(): Promise<void> {
  save(null);
  const reg = await registration;
  const sub = reg ? await reg.pushManager.getSubscription().catch(() => null) : null;
  await sub?.unsubscribe().catch(() => false);
}

/** Signed in: a subscription this browser still has goes on with this login. */
export async function syncDevice(): Promise<void> {
  if (!pushSupported() || Notification.permission !== 'granted') return;
  const reg = await registration;
  const sub = reg ? await reg.pushManager.getSubscription() : null;
  if (sub) await hand(sub);
}
