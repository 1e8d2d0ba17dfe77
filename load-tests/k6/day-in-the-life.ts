// A realistic mix: eligibility, session starts, beats, ends, balance polls and grants (scenario "day-in-the-life").
//   npm run load -- --scenario day-in-the-life --seed-only ; k6 run -e FIXTURE=<path> load-tests/k6/day-in-the-life.ts
import { check } from 'k6';
import * as api from './lib/api.ts';
import { dayStep } from './lib/day.ts';
import { k6Options, resolve, type Definition } from './lib/plan.ts';
import { loadFixture, pick, setup as prepare, tagsNow, type SetupData } from './lib/suite.ts';

const FIXTURE = __ENV.FIXTURE || '../results/fixture.json';
const plan = resolve(JSON.parse(open('../scenarios.json')) as Definition, 'day-in-the-life', __ENV);
const fx = loadFixture(() => open(FIXTURE));

export const options = k6Options(plan);

export function setup(): SetupData {
  return prepare(plan, fx);
}

export function players(): void {
  dayStep(plan, fx, 'players');
}

export function balance(): void {
  const v = pick(fx.viewers);
  const tags = { ...tagsNow(plan, 'balance'), endpoint: 'balance' };
  const res = api.get(`/viewing-time/balance/${v.profileId}`, fx.households[v.household].token, tags, plan.timeout);
  check(res, { 'balance is 200': (r) => r.status === 200 && typeof api.json(r)?.used_minutes === 'number' }, tags);
}

export function grants(data: SetupData): void {
  if (data.dropped.includes('grants')) return;
  const v = pick(fx.viewers);
  const tags = { ...tagsNow(plan, 'grants'), endpoint: 'grant' };
  const body = { minutes: 15, pin: plan.viewers.pin, device_id: 'load-parent-phone' };
  const res = api.post(`/parental-controls/profiles/${v.profileId}/viewing-time/grant`, fx.households[v.household].token, body, tags, plan.timeout);
  check(res, { 'grant is 201': (r) => r.status === 201 && typeof api.json(r)?.grant_id === 'string' }, tags);
}
