// The parent console (/console/) in a real browser: headless Chromium (Debian's, driven by
// playwright-core) against a real 2-process cluster on demo data seeded at a fixed test-clock
// instant. It signs in, reads the week's data table against the API's report, sees a kids
// device's request arrive live, approves it with the PIN, changes a limit, meets a 409 and the
// PIN lockout; axe-core checks every view; the screenshots for the README are taken here (see SHOTS).
// Without Chromium the test fails and says how to install it: it never passes unseen.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { RequestContext } from '@mikro-orm/core';
import bcrypt from 'bcrypt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createOrm } from '../../src/ops/orm.ts';
import { seedDemo, type DemoLogins } from '../../src/ops/seed.ts';
import { dropDatabase, ownDatabase, request, startCluster, type RunningCluster } from '../cluster-harness.ts';
import { TestClock } from '../harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// a Wednesday, 20:20 in Berlin: Leo's bedtime (21:00) is 40 minutes away
const NOW = '2026-11-25T19:20:00Z';
const WEEK = '2026-11-23';
// Screenshots go to an ignored folder; CONSOLE_SCREENSHOTS=docs writes the README's tracked ones
// (docs/console), so a test run never leaves the working tree dirty unless asked to.
const SHOTS = path.resolve(import.meta.dirname, process.env.CONSOLE_SCREENSHOTS === 'docs' ? '../../docs/console' : '../../test-output/console');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let cluster: RunningCluster;
let browser: Browser;
let page: Page;
let logins: DemoLogins;
let parent: string; // an access token of the parent's own (another login than the console's)
const kids: Record<string, string> = {};
const elsewhere: string[] = [];
const problems: string[] = [];
const calls: string[] = [];

const api = (method: string, p: string, opts: { token?: string; body?: unknown } = {}) => request(cluster.url, method, `/api/v1${p}`, { token: parent, ...opts });

/** The demo household, seeded as `npm start` does, but at the test clock's instant. */
async function seed(url: string): Promise<DemoLogins> {
  const orm = await createOrm({ url, poolMin: 0, poolMax: 2 });
  const cpu = { hash: (s: string, cost: number) => bcrypt.hash(s, cost) };
  try {
    return (await RequestContext.create(orm.em, () => seedDemo(orm.em, cpu, { dataDir: mkdtempSync(path.join(os.tmpdir(), 'vtime-console-')), bcryptCost: 4, now: new Date(NOW) }))).logins;
  } finally {
    await orm.close();
  }
}

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(view: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  expect({ view, serious: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ view, serious: [] });
}

/** Desktop and phone screenshots of the view on screen, for the README. */
async function screenshots(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300); // the chart follows its box on the next frame
  await page.screenshot({ path: path.join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.waitForTimeout(300);
}

const view = async (hash: string, heading: string | RegExp) => {
  await page.locator(`nav a[href="#${hash}"]`).click();
  await page.getByRole('heading', { level: 2, name: heading }).waitFor();
};
const today = () => page.locator('section.today');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
  const url = await ownDatabase('vtime_console');
  logins = await seed(url);
  const clock = new TestClock(NOW, path.join(mkdtempSync(path.join(os.tmpdir(), 'vtime-clock-')), 'now'));
  [cluster, browser] = await Promise.all([startCluster(url, { TEST_CLOCK_FILE: clock.file!, SHUTDOWN_GRACE_MS: '0' }), chromium.launch({ executablePath: CHROMIUM, args: FLAGS })]);
  parent = (await api('POST', '/auth/login', { body: { email: logins.parent.email, password: logins.parent.password } })).body.access_token;
  for (const p of (await api('GET', '/auth/profiles')).body as { id: string; name: string }[]) kids[p.name] = p.id;
  page = await browser.newPage({ viewport: DESKTOP, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
  page.setDefaultTimeout(8000); // a step that fails says which
  await page.clock.setFixedTime(new Date(NOW)); // the page's clock is the service's
  page.on('request', (r) => {
    if (!r.url().startsWith(cluster.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    calls.push(`${r.method()} ${new URL(r.url()).pathname}`);
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text()); });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop('SIGTERM');
  if (cluster) await dropDatabase(cluster.dbUrl);
});

it('/ links the console; signing in shows the week: the chart is drawn and its table holds the API report', async () => {
  await page.goto(`${cluster.url}/`);
  await page.getByRole('link', { name: 'Parent console' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await accessible('sign-in');
  await page.getByLabel('Email').fill(logins.parent.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('The email or password is not right.').waitFor();

  // the first report is answered 401 (an access token that expired): the console refreshes once and retries
  let expired = false;
  await page.route('**/api/v1/parental-controls/weekly-report*', (r) => {
    if (expired) return r.continue();
    expired = true;
    return r.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ detail: 'token expired', code: 'invalid_token' }) });
  });
  await page.getByLabel('Password').fill(logins.parent.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: "Leo's week" }).waitFor(); // the children in name order
  await page.unroute('**/api/v1/parental-controls/weekly-report*');
  expect(calls.filter((c) => c === 'POST /api/v1/auth/refresh')).toHaveLength(1);
  expect(calls.filter((c) => c === 'GET /api/v1/parental-controls/weekly-report')).toHaveLength(2);

  const report = (await api('GET', `/parental-controls/weekly-report?week_start=${WEEK}`)).body;
  const leo = report.profiles.find((p: { profile_name: string }) => p.profile_name === 'Leo');
  const rows = await page.locator('#week-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-date'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
  expect(rows).toEqual(leo.daily_totals.map((d: Record<string, any>) => [
    d.date, String(d.counted_minutes), String(d.educational_minutes), d.limit_minutes === null ? 'no limit' : String(d.limit_minutes), String(d.refused_minutes),
    String(d.bonus_minutes), leo.time_requests.filter((r: { date: string }) => r.date === d.date).map((r: { status: string }) => r.status).join(', ') || 'none',
  ]));
  expect(rows.filter((r) => r[1] !== '0' || r[2] !== '0').length).toBeGreaterThanOrEqual(3); // Monday to today were seeded
  // the chart drew bars: plenty of the canvas is painted
  type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const painted = await page.locator('canvas').evaluate((el) => {
    const c = el as unknown as Canvas;
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
    return n;
  });
  expect(painted).toBeGreaterThan(5000);
  await expect(page.locator('.titles li').count()).resolves.toBe(leo.top_titles.length);
  expect(rows.find((r) => r[0] === '2026-11-24')?.slice(5)).toEqual(['15', 'approved']); // yesterday's answered request and its grant
  await expect(today().locator('.next').textContent()).resolves.toBe('Bedtime in 40 min (21:00).');
  await accessible('week');
  await screenshots('week');

  await page.getByRole('button', { name: '← Last week' }).click();
  await page.getByText('Monday 16 November – Sunday 22 November').waitFor();
  expect(await today().count()).toBe(0);
  await page.getByRole('button', { name: 'This week' }).click();
  await today().waitFor();
  // Mia has no bedtime: the next change is the new viewing day at 06:00
  await page.getByLabel('Child').selectOption({ label: 'Mia' });
  await page.getByRole('heading', { name: "Mia's week" }).waitFor();
  await expect(today().locator('.next').textContent()).resolves.toBe('A new viewing day starts in 9 h 40 min (06:00).');
  await page.getByLabel('Child').selectOption({ label: 'Leo' });
  await page.getByRole('heading', { name: "Leo's week" }).waitFor();
}, 30_000);

it("history lists the child's days with their sessions", async () => {
  await view('history', "Leo's viewing history");
  const history = (await api('GET', `/parental-controls/profiles/${kids.Leo}/history`)).body;
  expect(await page.locator('section.day').evaluateAll((s) => s.map((e) => e.getAttribute('data-date')))).toEqual(history.days.map((d: { date: string }) => d.date));
  const first = history.days[0].sessions[0];
  await expect(page.locator('section.day').first().locator('.session').first().textContent()).resolves.toContain(first.title_name);
  expect(await page.locator('.session .badge').count()).toBe(history.days.flatMap((d: { sessions: { is_educational: boolean }[] }) => d.sessions.filter((s) => s.is_educational)).length);
  await accessible('history');
});

it("a kids device's request appears within 2 s; approving asks for the PIN once; the child's balance shows the grant", async () => {
  await view('requests', 'Requests for more time');
  await page.getByRole('heading', { name: 'Mia asks for 30 more minutes' }).waitFor();
  const kid = (await api('POST', `/auth/profiles/${kids.Leo}/select`)).body.access_token;
  const ask = await api('POST', '/viewing-time/requests', { token: kid, body: { profile_id: kids.Leo, minutes: 30, message: 'Just one more episode?' } });
  expect(ask.status).toBe(201);
  const asked = performance.now();
  await page.getByRole('heading', { name: 'Leo asks for 30 more minutes' }).waitFor({ timeout: 2000 });
  expect(performance.now() - asked).toBeLessThan(2000);
  await expect(page.locator('#pending-count').textContent()).resolves.toBe('(2 waiting)');
  await accessible('requests');
  await screenshots('requests');

  const leo = page.locator(`[data-request="${ask.body.id}"]`);
  await leo.getByRole('button', { name: 'Give 30 min' }).click();
  const dialog = page.getByRole('dialog', { name: 'Parental PIN' });
  await dialog.waitFor();
  await dialog.getByLabel('PIN (4 digits)').fill(logins.parent.pin);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('Approved: Leo gets 30 min more today.').waitFor();
  expect(await leo.count()).toBe(0);
  expect(await page.locator('#pin-state').isVisible()).toBe(true);
  const balance = (await api('GET', `/viewing-time/balance/${kids.Leo}`)).body;
  expect(balance.bonus_minutes).toBe(30);

  await view('week', "Leo's week");
  await expect(today().locator('[data-bonus]').getAttribute('data-bonus')).resolves.toBe('30');
  await expect(today().locator('[data-budget]').getAttribute('data-budget')).resolves.toBe(String(balance.budget_remaining_minutes));
  await expect(today().textContent()).resolves.toContain('with 30 min extra granted');
  await expect(today().locator('.next').textContent()).resolves.toBe('Bedtime in 40 min (21:00).');
});

it('a new weekday limit shows in the balance (no PIN asked again); a change made elsewhere meanwhile shows the new values', async () => {
  await view('settings', "Leo's settings");
  await page.getByLabel('Weekday limit (minutes)').fill('45');
  await page.getByRole('button', { name: 'Save limits and hours' }).click();
  await page.getByText('The settings are saved.').waitFor();
  expect(await page.getByRole('dialog').isVisible()).toBe(false);
  const balance = (await api('GET', `/viewing-time/balance/${kids.Leo}`)).body;
  expect(balance.limit_minutes).toBe(45);
  await expect(today().locator('[data-limit]').getAttribute('data-limit')).resolves.toBe('45');
  await expect(today().textContent()).resolves.toContain('of a 45 min limit');
  await accessible('settings');

  // while this form is being edited another parent screen changes the weekend limit: saving the
  // edit (with the version the form read) answers 409, and the form shows the values as they are now
  await page.getByLabel('Weekday limit (minutes)').fill('60');
  const other = await api('PUT', `/parental-controls/profiles/${kids.Leo}/viewing-time`, { body: { weekend_limit_minutes: 150, pin: logins.parent.pin } });
  expect(other.status).toBe(200);
  await page.getByRole('button', { name: 'Save limits and hours' }).click();
  await page.getByText(/^Someone else changed these settings meanwhile\./).waitFor();
  await expect(page.getByLabel('Weekend limit (minutes)').inputValue()).resolves.toBe('150');
  await expect(page.getByLabel('Weekday limit (minutes)').inputValue()).resolves.toBe('45');

  // tonight's own hours end at 20:00 (it is 20:20): no viewing now; back to the usual hours, 40 minutes again
  const tonight = page.locator('section', { has: page.getByRole('heading', { name: /^Tonight/ }) });
  await tonight.getByLabel('to').fill('20:00');
  await tonight.getByRole('button', { name: "Save tonight's hours" }).click();
  await page.getByText("Tonight's hours are saved.").waitFor();
  await expect(today().locator('.big').textContent()).resolves.toBe('Not allowed to watch now');
  expect((await api('GET', `/viewing-time/balance/${kids.Leo}`)).body).toMatchObject({ allowed_now: false, reason: 'outside_allowed_hours' });
  await page.getByRole('button', { name: 'Back to the usual hours' }).click();
  await page.getByText('Today is back to the usual hours.').waitFor();
  await expect(today().locator('.big').textContent()).resolves.toBe('40 min left today');

  // the kids devices: Leo's tablet (handed over in the requests test) is listed; signing it out refuses its token
  const devices = page.locator('section.devices');
  const listed = (await api('GET', '/auth/devices')).body.items as { id: string; profile_name: string }[];
  expect(listed.map((d) => d.profile_name)).toContain('Leo');
  await expect(devices.locator('tbody tr').count()).resolves.toBe(listed.length);
  await expect(devices.locator('tbody tr th').first().textContent()).resolves.toBe(listed[0].profile_name);
  await devices.getByRole('button', { name: 'Sign out all devices' }).click();
  await page.getByText('Every kids device is signed out.').waitFor();
  await page.locator('section.devices').getByText('No kids device is signed in.').waitFor();
  expect((await api('GET', '/auth/devices')).body.items).toEqual([]);
});

it('after "Lock now", five wrong PINs show when PIN checks unlock', async () => {
  await page.getByRole('button', { name: 'Lock now' }).click();
  await page.locator('#pin-state').waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: '+15 min' }).click();
  const dialog = page.getByRole('dialog', { name: 'Parental PIN' });
  await dialog.waitFor();
  const wrong = logins.parent.pin === '0000' ? '1111' : '0000';
  for (let i = 0; i < 5; i++) {
    await dialog.getByLabel('PIN (4 digits)').fill(wrong);
    const answered = page.waitForResponse((r) => r.url().endsWith('/parental-controls/pin/verify'));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    expect((await answered).status()).toBe(i < 4 ? 403 : 423);
    if (i < 4) await dialog.getByText('That PIN is not right. Please try again.').waitFor();
  }
  // 30 minutes from the (frozen) service clock: 20:50 in Berlin
  await dialog.getByText('PIN checks are locked after too many wrong attempts, until 20:50 (in 30 min).').waitFor();
  expect(await dialog.getByLabel('PIN (4 digits)').isDisabled()).toBe(true);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect((await api('GET', `/viewing-time/balance/${kids.Leo}`)).body.bonus_minutes).toBe(30);
});

it('signing out forgets the tokens and revokes the login; nothing came from outside the service', async () => {
  const loggedOut = page.waitForResponse((r) => r.url().endsWith('/auth/logout'));
  await page.getByRole('button', { name: 'Sign out' }).click();
  expect((await loggedOut).status()).toBe(204);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  expect(elsewhere).toEqual([]);
  expect(problems).toEqual([]);
});
