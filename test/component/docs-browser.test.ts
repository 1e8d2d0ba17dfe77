// /docs in a real browser: headless Chromium (Debian's, driven by playwright-core) loads the API
// reference from this service alone, finds the heartbeat operation and runs one "Try it out".
// Without Chromium the test fails and says how to install it: it never passes unseen.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startTestService, type TestService } from '../harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let service: TestService;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
  service = await startTestService();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close(1000);
});

it('the API reference loads offline, lists the heartbeat and tries an operation against this service', async () => {
  const page = await browser.newPage();
  const elsewhere: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(service.url) && !r.url().startsWith('data:')) elsewhere.push(r.url()); });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${service.url}/docs`);
  const heartbeat = page.locator('.opblock-post').filter({ has: page.locator('[data-path="/api/v1/viewing-time/heartbeat"]') });
  await heartbeat.first().waitFor({ timeout: 20_000 });
  expect(await heartbeat.count()).toBe(1);

  const live = page.locator('.opblock-get').filter({ has: page.locator('[data-path="/health/live"]') });
  await live.locator('.opblock-summary').click();
  await live.getByRole('button', { name: 'Try it out' }).click();
  await live.getByRole('button', { name: 'Execute' }).click();
  const status = live.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 10_000 });
  expect((await status.textContent())?.trim()).toBe('200');
  expect(await live.locator('.live-responses-table .microlight').first().textContent()).toContain('"status": "ok"');
  expect(elsewhere).toEqual([]);
  expect(pageErrors).toEqual([]);
}, 60_000);
