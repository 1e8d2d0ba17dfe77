// Alerts: being told without keeping the console open. What is pushed to the parents' devices (the
// household's alert rules: a request for more time, the day's time used up, a share of it used,
// a break started), "Notify me on this device" (this browser's Web Push subscription), and the
// household's webhooks, each with its last delivery; a new webhook's signing secret is shown once,
// when it is added. Changing the rules and the webhooks needs PIN proof (asked once).
import { api, ApiError, once } from '../api.ts';
import { h, note, show } from '../dom.ts';
import { sentence } from '../errors.ts';
import { plural, when } from '../format.ts';
import { Cancelled, withPin } from '../pin.ts';
import { deviceSubscribed, notifyOff, notifyOn, PushProblem, pushSupported } from '../push.ts';
import { store, tzOf } from '../store.ts';
import { WEBHOOK_EVENTS, type AlertRules, type NewWebhook, type Webhook, type WebhookDelivery, type WebhookEvent } from '../types.ts';
import { drawing, type View } from './view.ts';

const PERCENTS = Array.from({ length: 10 }, (_, i) => 50 + 5 * i);
const EVENT_NAMES: Record<WebhookEvent, string> = {
  'time_request.created': 'A child asks for more time',
  'limit.reached': "A child's time for today is used up",
  'limit.percent_used': "A child has used the chosen share of today's time",
  'break.started': 'A break starts',
  'pause.changed': 'A pause starts or ends',
};

let message: HTMLElement | null = null;
/** The webhook just added, with its secret: shown until the parent leaves this view, never again. */
let added: NewWebhook | null = null;
/** What the add form holds, so that a failed try (or a redraw) keeps it. */
let draft: { url: string; events: WebhookEvent[] } = { url: '', events: [...WEBHOOK_EVENTS] };

/** A sentence for a failed change; the webhook address's problems in the parent's words. */
function problem(e: unknown): string {
  if (e instanceof ApiError && e.status === 422 && e.body.field === 'url') {
    const detail = e.message.replace(/^url:\s*/, '');
    if (detail.startsWith('target_refused')) return `The webhook address is refused: ${detail.replace(/^target_refused:\s*/, '')} (a private, local or reserved address).`;
    return `The webhook address ${detail}.`;
  }
  return sentence(e);
}

/** Runs a change with PIN proof, then redraws with its sentence and puts the focus on `focus`. */
async function change<T>(root: HTMLElement, call: () => Promise<T>, said: (r: T) => string, focus: string): Promise<void> {
  try {
    message = note(said(await withPin(call)), 'info');
  } catch (e) {
    if (e instanceof Cancelled) return;
    message = note(problem(e));
  }
  await draw(root, focus); // the note is a status region: screen readers hear it
}

function toggle(id: string, label: string, checked: boolean): HTMLElement {
  return h('div', { class: 'check' }, h('input', { id, type: 'checkbox', role: 'switch', checked }), h('label', { for: id }, label));
}

function rulesForm(r: AlertRules, root: HTMLElement): HTMLFormElement {
  const percent = h('select', { id: 'alert-percent', class: 'narrow', 'aria-describedby': 'alert-percent-hint' },
    h('option', { value: '', selected: r.percent_used === null }, 'Off'),
    PERCENTS.map((p) => h('option', { value: p, selected: p === r.percent_used }, `${p}%`)));
  const form = h('form', { class: 'card', 'aria-labelledby': 'rules-title' },
    h('h3', { id: 'rules-title' }, 'What to tell me about'),
    h('p', { class: 'hint' }, 'Sent to every device where a parent turned on “Notify me on this device”.'),
    toggle('alert-time-request', 'A child asks for more time', r.time_request),
    toggle('alert-limit-reached', "A child's time for today is used up", r.limit_reached),
    h('div', { class: 'field wide' },
      h('label', { for: percent.id }, "A child has used this share of today's time"), percent,
      h('p', { class: 'hint', id: 'alert-percent-hint' }, "Once a day for each child, when the minutes counted reach this share of the day's limit and extra time.")),
    toggle('alert-break-started', 'A break starts', r.break_started),
    h('button', { type: 'submit', id: 'save-rules' }, 'Save alert rules'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const on = (id: string) => form.querySelector<HTMLInputElement>(`#${id}`)!.checked;
    const next: AlertRules = {
      time_request: on('alert-time-request'), limit_reached: on('alert-limit-reached'),
      percent_used: percent.value === '' ? null : Number(percent.value), break_started: on('alert-break-started'),
    };
    const patch = Object.fromEntries(Object.entries(next).filter(([k, v]) => r[k as keyof AlertRules] !== v));
    if (!Object.keys(patch).length) { message = note('Nothing changed.', 'info'); void draw(root, '#save-rules'); return; }
    void change(root, () => api<AlertRules>('PUT', '/parental-controls/alerts', patch), () => 'The alert rules are saved.', '#save-rules');
  });
  return form;
}

/** "Notify me on this device": a switch with what happened next to it. */
function deviceCard(on: boolean): HTMLElement {
  const supported = pushSupported();
  const input = h('input', { id: 'notify-device', type: 'checkbox', role: 'switch', checked: on, disabled: !supported, 'aria-describedby': 'notify-message' });
  const said = h('div', { id: 'notify-message', class: 'switch-message' });
  const say = (text: string, kind: 'error' | 'info' | 'hint') => show(said, kind === 'hint' ? h('p', { class: 'hint' }, text) : note(text, kind));
  if (!supported) say('This browser cannot show notifications from a web page, so this device cannot get them.', 'hint');
  else say(on ? 'This device gets the alerts chosen above, also with the console closed.' : 'Turn this on to get the alerts chosen above on this device, also with the console closed.', 'hint');
  input.addEventListener('change', () => void (async () => {
    const want = input.checked;
    input.disabled = true;
    input.setAttribute('aria-busy', 'true');
    try {
      if (want) {
        await notifyOn();
        say('This device now gets the alerts chosen above, also with the console closed.', 'info');
      } else {
        await withPin(notifyOff);
        say('This device gets no notifications any more.', 'info');
      }
    } catch (e) {
      input.checked = await deviceSubscribed();
      if (!(e instanceof Cancelled)) say(e instanceof PushProblem ? e.message : sentence(e), 'error');
    } finally {
      input.disabled = false;
      input.removeAttribute('aria-busy');
    }
  })());
  return h('section', { class: 'card device', 'aria-labelledby': 'device-title' },
    h('h3', { id: 'device-title' }, 'This device'),
    h('div', { class: 'check' }, input, h('label', { for: input.id }, 'Notify me on this device')),
    said);
}

function delivery(d: WebhookDelivery | null, timeZone?: string): string {
  if (!d) return 'None yet';
  const at = d.at ? ` (${when(d.at, timeZone)})` : '';
  const error = d.last_error ? `; last error: ${d.last_error}` : '';
  if (d.status === 'delivered') return `Delivered after ${plural(d.attempts, 'attempt')}${at}`;
  if (d.status === 'failed') return `Failed after ${plural(d.attempts, 'attempt')}${error}${at}`;
  return d.attempts ? `Being retried: ${plural(d.attempts, 'attempt')} so far${error}${at}` : 'Waiting to be sent';
}

function webhookItem(w: Webhook, root: HTMLElement): HTMLElement {
  const tz = tzOf(store.child);
  const test = () => change(root, () => once<{ delivery_id: string }>('POST', `/parental-controls/webhooks/${w.id}/test`),
    () => `A test delivery to ${w.url} is on its way: its outcome shows under “Last delivery”.`, `#test-${w.id}`);
  const remove = () => change(root, () => api('DELETE', `/parental-controls/webhooks/${w.id}`, {}), () => `The webhook to ${w.url} is deleted.`, '#webhook-url');
  const d = w.last_delivery;
  const title = `webhook-${w.id}`;
  return h('li', { class: 'webhook', 'data-webhook': w.id },
    h('h4', { id: title, class: 'url' }, w.url),
    h('dl', {},
      h('dt', {}, 'Events'), h('dd', {}, h('ul', { class: 'events' }, w.events.map((e) => h('li', { 'data-event': e }, EVENT_NAMES[e] ?? e)))),
      h('dt', {}, 'Last delivery'), h('dd', { class: 'delivery', 'data-status': d?.status ?? 'none', 'data-attempts': d?.attempts ?? 0 }, delivery(d, tz))),
    h('div', { class: 'row-actions' },
      h('button', { type: 'button', id: `test-${w.id}`, class: 'secondary small', 'aria-label': `Send test to ${w.url}`, onclick: (ev: Event) => { (ev.currentTarget as HTMLButtonElement).disabled = true; void test(); } }, 'Send test'),
      h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete the webhook to ${w.url}`, onclick: (ev: Event) => { (ev.currentTarget as HTMLButtonElement).disabled = true; void remove(); } }, 'Delete')));
}

function secretCard(w: NewWebhook, root: HTMLElement): HTMLElement {
  const input = h('input', { id: 'webhook-secret', class: 'secret', readonly: true, value: w.secret, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'secret-hint' });
  const said = h('p', { class: 'hint', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(w.secret);
      said.textContent = 'Copied.';
    } catch {
      input.select();
      said.textContent = 'The secret is selected: copy it with Ctrl+C (⌘C on a Mac).';
    }
  };
  return h('section', { class: 'secret-card', 'aria-labelledby': 'secret-title', 'data-secret-for': w.id },
    h('h4', { id: 'secret-title' }, 'Signing secret of the new webhook'),
    h('p', { id: 'secret-hint' }, h('strong', {}, 'Copy it now, it is not shown again. '),
      `Your receiver at ${w.url} checks each delivery's signature with it (the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature).`),
    h('label', { for: input.id }, 'Signing secret'), input,
    said,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => void copy() }, 'Copy the secret'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { added = null; void draw(root, '#webhook-url'); } }, 'I have copied it')));
}

function addForm(root: HTMLElement): HTMLFormElement {
  const url = h('input', { id: 'webhook-url', type: 'url', required: true, maxlength: 2048, value: draft.url, placeholder: 'https://', autocomplete: 'off', 'aria-describedby': 'webhook-url-hint' });
  const boxes = WEBHOOK_EVENTS.map((e) => h('input', { id: `webhook-event-${e.replace('.', '-')}`, type: 'checkbox', value: e, checked: draft.events.includes(e) }));
  const error = h('p', { class: 'note error', role: 'alert', hidden: true });
  const chosen = () => boxes.filter((b) => b.checked).map((b) => b.value as WebhookEvent);
  const form = h('form', { class: 'add-webhook', 'aria-labelledby': 'add-webhook-title' },
    h('h4', { id: 'add-webhook-title' }, 'Add a webhook'),
    h('div', { class: 'field wide' }, h('label', { for: url.id }, 'Address (URL)'), url,
      h('p', { class: 'hint', id: 'webhook-url-hint' }, 'An https address that accepts POST requests; signed deliveries follow the Standard Webhooks specification.')),
    h('fieldset', {}, h('legend', {}, 'Events to send'),
      h('p', { class: 'hint' }, 'A webhook gets every event chosen here, whatever is chosen for the devices above.'),
      boxes.map((b) => h('div', { class: 'check' }, b, h('label', { for: b.id }, EVENT_NAMES[b.value as WebhookEvent])))),
    error,
    h('button', { type: 'submit', id: 'add-webhook' }, 'Add webhook'));
  form.addEventListener('input', () => { draft = { url: url.value, events: chosen() }; });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const events = chosen();
    if (!events.length) {
      error.textContent = 'Choose at least one event to send.';
      error.hidden = false;
      boxes[0].focus();
      return;
    }
    error.hidden = true;
    const body = { url: url.value.trim(), events };
    void change(root, () => once<NewWebhook>('POST', '/parental-controls/webhooks', body), (w) => {
      added = w;
      draft = { url: '', events: [...WEBHOOK_EVENTS] };
      return `The webhook to ${w.url} is added. Copy its signing secret now: it is not shown again.`;
    }, '#webhook-secret');
  });
  return form;
}

function webhooksCard(items: Webhook[], root: HTMLElement): HTMLElement {
  return h('section', { class: 'card webhooks', 'aria-labelledby': 'webhooks-title' },
    h('h3', { id: 'webhooks-title' }, 'Webhooks'),
    h('p', { class: 'hint' }, 'For home automation or another service: each chosen event is sent to the address as a signed POST request.'),
    added ? secretCard(added, root) : null,
    items.length ? h('ul', { class: 'webhook-list', id: 'webhooks' }, items.map((w) => webhookItem(w, root))) : h('p', {}, 'No webhook yet.'),
    items.length ? h('button', { type: 'button', id: 'webhooks-refresh', class: 'secondary small', onclick: () => void draw(root, '#webhooks-refresh') }, 'Check the deliveries again') : null,
    addForm(root));
}

async function draw(root: HTMLElement, focus: string | null = null): Promise<void> {
  const shows = drawing(root);
  const [rules, hooks, on] = await Promise.all([
    api<AlertRules>('GET', '/parental-controls/alerts'), api<{ items: Webhook[] }>('GET', '/parental-controls/webhooks'), deviceSubscribed()]);
  if (added && !hooks.items.some((w) => w.id === added!.id)) added = null; // deleted meanwhile
  const shown = shows(
    h('h2', {}, 'Alerts'),
    h('p', { class: 'muted' }, 'Be told when something happens, without keeping the console open.'),
    message,
    rulesForm(rules, root),
    deviceCard(on),
    webhooksCard(hooks.items, root));
  if (!shown) return;
  if (focus) root.querySelector<HTMLElement>(focus)?.focus();
  message?.scrollIntoView({ block: 'nearest' });
}

export const alertsView: View = {
  title: 'Alerts',
  render(root) {
    message = null;
    added = null; // shown once: leaving the view forgets it
    return draw(root);
  },
};
