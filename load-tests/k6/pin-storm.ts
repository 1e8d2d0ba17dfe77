// Heartbeats alone (phase calm), then with parents verifying PINs in parallel (phase storm);
// handleSummary prints heartbeat p95 storm − calm against the 10-ms budget (scenario "pin-storm").
//   npm run load -- --scenario pin-storm --seed-only ; k6 run -e FIXTURE=<path> load-tests/k6/pin-storm.ts
import { check } from 'k6';
import * as api from './lib/api.ts';
import { k6Options, resolve, type Definition } from './lib/plan.ts';
import { summarize, type SummaryData } from './lib/summary.ts';
import { heartbeats as beat, loadFixture, pick, setup as prepare, tagsNow, type SetupData } from './lib/suite.ts';

const FIXTURE = __ENV.FIXTURE || '../results/fixture.json';
const plan = resolve(JSON.parse(open('../scenarios.json')) as Definition, 'pin-storm', __ENV);
const fx = loadFixture(() => open(FIXTURE));

export const options = k6Options(plan);

export function setup(): SetupData {
  return prepare(plan, fx);
}

export function heartbeats(data: SetupData): void {
  beat(plan, fx, data, 'heartbeats');
}

export function pins(data: SetupData): void {
  if (data.skip) return;
  const tags = { ...tagsNow(plan, 'pins'), endpoint: 'pin_verify' };
  const res = api.post('/parental-controls/pin/verify', pick(fx.households).token, { pin: plan.viewers.pin }, tags, plan.timeout);
  check(res, { 'pin verify is 200 with a pin_token': (r) => r.status === 200 && typeof api.json(r)?.pin_token === 'string' }, tags);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summarize(plan, data);
}
