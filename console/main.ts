// The parent console: sign in, then six views over the public API (week, pause, history,
// requests, settings, alerts) chosen by the URL's hash (#week, or #/requests/{id} for one request:
// where a notification leads), with the live stream keeping them current. The service worker
// (console/sw.js) shows the service's push alerts; a click on one brings this window there.
import { signedIn, signIn, signOut, whenSignedOut } from './api.ts';
import { $, announce, h, note, show } from './dom.ts';
import { sentence } from './errors.ts';
import { startLive, stopLive, type LiveType } from './live.ts';
import { Cancelled, forgetPin, lockPin } from './pin.ts';
import { forgetDevice, startWorker, syncDevice } from './push.ts';
import { applyRequest, kidName, loadKids, loadPending, reset, store } from './store.ts';
import type { TimeRequest } from './types.ts';
import { drawing, type View } from './views/view.ts';
import { alertsView } from './views/alerts.ts';
import { historyView } from './views/history.ts';
import { pauseView } from './views/pause.ts';
import { requestsView } from './views/requests.ts';
import { settingsView } from './views/settings.ts';
import { weekView } from './views/week.ts';

const VIEWS: Record<string, View> = { week: weekView, pause: pauseView, history: historyView, requests: requestsView, settings: settingsView, alerts: alertsView };
const main = $('#main');
let current: View | null = null;

function signInForm(why: string | null): void {
  $('#account').hidden = true;
  $('#tabs').hidden = true;
  document.title = 'Sign in · vtime parent console';
  const error = note('', 'error');
  error.hidden = true;
  const form = h('form', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    why ? note(why, 'info') : null,
    h('label', { for: 'email' }, 'Email'),
    h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true }),
    h('label', { for: 'password' }, 'Password'),
    h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    error,
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    error.hidden = true;
    try {
      await signIn(String(data.get('email')), String(data.get('password')));
      await start();
    } catch (e) {
      error.textContent = sentence(e);
      error.hidden = false;
    }
  });
  drawing(main)(form); // a view still loading from before the sign-out never covers it
  $<HTMLInputElement>('#email').focus();
}

async function start(): Promise<void> {
  await Promise.all([loadKids(), loadPending()]);
  const select = $<HTMLSelectElement>('#child');
  show(select, store.kids.map((k) => h('option', { value: k.id }, k.name)));
  select.value = store.child;
  $('#account').hidden = false;
  $('#tabs').hidden = false;
  showCount();
  startLive(onLive, (live) => document.body.classList.toggle('offline', !live));
  // a subscription this browser kept (reloaded without signing out) goes on with this login
  void syncDevice().catch(() => {});
  if (!location.hash) history.replaceState(null, '', '#week');
  await route();
}

function showCount(): void {
  const n = store.pending.length;
  $('#pending-count').textContent = n ? `(${n} waiting)` : '';
}

function onLive(type: LiveType, data: Record<string, any>): void {
  if (type === 'time_request') {
    const r = data.request as TimeRequest;
    applyRequest(r);
    if (data.action === 'created') announce(`${kidName(r.profile_id)} asks for ${r.minutes} more minutes.`);
    showCount();
  }
  // a pause that ran out ends without anyone pressing a button here: say so
  if (type === 'pause' && data.action === 'expired') announce(`${kidName(String(data.profile_id))}'s pause is over.`);
  if (type === 'resync') void loadPending().then(showCount).then(() => route());
  current?.live?.(type, data);
}

/** '#week', '#/week', '#/requests/{id}': the view, and the item it opens on; anything else is the week. */
function place(hash: string): { name: string; item: string | undefined } {
  const [name = '', item] = hash.replace(/^#\/?/, '').split('/');
  if (!Object.hasOwn(VIEWS, name)) return { name: 'week', item: undefined };
  let decoded: string | undefined;
  try { decoded = item ? decodeURIComponent(item) : undefined; } catch { decoded = undefined; }
  return { name, item: decoded };
}

/** Routes begun: a route's failure is shown only if no later route began meanwhile. */
let routes = 0;

async function route(): Promise<void> {
  if (!signedIn()) return;
  const mine = ++routes;
  const { name, item } = place(location.hash);
  const view = VIEWS[name];
  current = view;
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.getAttribute('href') === `#${name}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.title = `${view.title} · vtime parent console`;
  main.setAttribute('aria-busy', 'true');
  try {
    await view.render(main, item);
    showCount();
  } catch (e) {
    if (!(e instanceof Cancelled) && signedIn() && mine === routes) show(main, h('h2', {}, view.title), note(sentence(e)));
  } finally {
    if (mine === routes) main.removeAttribute('aria-busy');
  }
}

whenSignedOut((why) => {
  stopLive();
  forgetPin();
  void forgetDevice(); // the API dropped this login's push subscriptions
  reset();
  current = null;
  signInForm(why);
});
// a view that put the focus on something of its own (the request it opened on) keeps it
const settle = () => {
  if (signedIn() && (!main.contains(document.activeElement) || document.activeElement === main)) main.focus({ preventScroll: true });
};
window.addEventListener('hashchange', () => { void route().then(settle); });
// a notification was clicked: show where it leads (signed out, the sign-in leads there)
startWorker((url) => {
  if (url.hash === location.hash) void route().then(settle);
  else location.hash = url.hash;
});
$('#child').addEventListener('change', (ev) => { store.child = (ev.target as HTMLSelectElement).value; void route(); });
$('#sign-out').addEventListener('click', () => void signOut());
$('#pin-lock').addEventListener('click', () => void lockPin().then(() => announce('The PIN is locked again.'), (e) => announce(sentence(e))));
signInForm(null);
