// Weekly reports (10 children each) and history (profiles with 10,000 sessions) while heartbeats run (scenario "reports").
//   npm run load -- --scenario reports --seed-only ; k6 run -e FIXTURE=<path> load-tests/k6/reports.ts
import { check } from 'k6';
import * as api from './lib/api.ts';
import { k6Options, resolve, type Definition } from './lib/plan.ts';
import { heartbeats as beat, loadFixture, pick, setup as prepare, tagsNow, type SetupData } from './lib/suite.ts';

const FIXTURE = __ENV.FIXTURE || '../results/fixture.json';
const plan = resolve(JSON.parse(open('../scenarios.json')) as Definition, 'reports', __ENV);
const fx = loadFixture(() => open(FIXTURE));

export const options = k6Options(plan);

export function setup(): SetupData {
  return prepare(plan, fx);
}

export function heartbeats(data: SetupData): void {
  beat(plan, fx, data, 'heartbeats');
}

export function reports(data: SetupData): void {
  if (data.skip) return;
  const h = pick(fx.reportHouseholds);
  const tags = { ...tagsNow(plan, 'reports'), endpoint: 'weekly_report' };
  const res = api.get('/parental-controls/weekly-report', h.token, tags, plan.timeout);
  check(res, { 'weekly report is 200 with every child': (r) => r.status === 200 && api.json(r)?.profiles?.length === h.kids.length }, tags);
}

export function history(data: SetupData): void {
  if (data.skip) return;
  const p = pick(fx.historyProfiles);
  const tags = { ...tagsNow(plan, 'history'), endpoint: 'history' };
  const res = api.get(`/parental-controls/profiles/${p.profileId}/history`, p.token, tags, plan.timeout);
  check(res, { 'history is 200 with days': (r) => r.status === 200 && (api.json(r)?.days?.length ?? 0) > 0 }, tags);
}
