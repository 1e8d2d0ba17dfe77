// PIN proof, asked once: a change is tried without a PIN; when the API answers 403
// invalid_pin_token (this login's PIN-verified window is closed) the dialog asks for the PIN,
// POST /pin/verify opens the window for 5 minutes, and the change is tried again.
import { api, ApiError } from './api.ts';
import { $ } from './dom.ts';
import { lockedSentence, sentence } from './errors.ts';

export class Cancelled extends Error {}

let openUntil = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function showState(): void {
  const open = openUntil > Date.now();
  $('#pin-state').hidden = !open;
  clearTimeout(timer);
  if (open) timer = setTimeout(showState, openUntil - Date.now());
}

export async function lockPin(): Promise<void> {
  await api('POST', '/parental-controls/pin/lock');
  openUntil = 0;
  showState();
}

export function forgetPin(): void {
  openUntil = 0;
  showState();
}

const needsPin = (e: unknown) => e instanceof ApiError && e.status === 403 && e.code === 'invalid_pin_token';

/** Runs a change that needs PIN proof, asking for the PIN when the window is closed. */
export async function withPin<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (e) {
    if (!needsPin(e)) throw e;
  }
  forgetPin();
  await askPin();
  return change();
}

/** Opens the PIN dialog; resolves once the PIN was verified, rejects with Cancelled. */
function askPin(): Promise<void> {
  const dialog = $<HTMLDialogElement>('#pin-dialog');
  const form = $<HTMLFormElement>('#pin-form');
  const input = $<HTMLInputElement>('#pin-input');
  const error = $('#pin-error');
  const submit = $<HTMLButtonElement>('#pin-submit');
  const fail = (text: string, locked = false) => {
    error.textContent = text;
    error.hidden = false;
    input.disabled = locked;
    submit.disabled = locked;
    input.value = '';
    (locked ? $<HTMLButtonElement>('#pin-cancel') : input).focus();
  };
  return new Promise((resolve, reject) => {
    const done = (ok: boolean) => {
      form.removeEventListener('submit', onSubmit);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      if (ok) resolve(); else reject(new Cancelled('PIN not entered'));
    };
    const onClose = () => done(false);
    const onSubmit = async (ev: SubmitEvent) => {
      ev.preventDefault();
      submit.disabled = true;
      try {
        const r = await api<{ expires_in: number }>('POST', '/parental-controls/pin/verify', { pin: input.value });
        openUntil = Date.now() + r.expires_in * 1000;
        showState();
        done(true);
      } catch (e) {
        if (e instanceof ApiError && e.status === 423) fail(lockedSentence(e), true);
        else fail(sentence(e));
      }
    };
    $<HTMLButtonElement>('#pin-cancel').onclick = () => done(false);
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('close', onClose);
    error.hidden = true;
    input.disabled = false;
    submit.disabled = false;
    input.value = '';
    dialog.showModal();
    input.focus();
  });
}
