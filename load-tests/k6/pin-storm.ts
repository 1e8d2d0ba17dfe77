// Heartbeats alone (phase calm), then with parents verifying PINs in parallel (phase storm), then
// with failed logins from many accounts and client addresses (phase login_storm); handleSummary
// adds heartbeat p95 of each storm − calm against the 10-ms budget to k6's own summary.
//   npm run load -- --scenario pin-storm --seed-only ; then the k6 command it prints
import { summaryOutputs, type SummaryData } from '../lib/plan.ts';
import { textSummary } from '../lib/summary.ts';
import * as k6 from './lib/k6.ts';

const s = k6.suite('pin-storm', open('../scenarios.json'), () => open(__ENV.FIXTURE || '../results/fixture.json'));
export const options = k6.k6Options(s.p);
export const setup = () => k6.setup(s);
export const heartbeats = (data: k6.SetupData) => k6.heartbeats(s, data, 'heartbeats');
export const pins = (data: k6.SetupData) => k6.single(s, data, 'pins');
export const logins = (data: k6.SetupData) => k6.single(s, data, 'logins');
export const handleSummary = (data: SummaryData) => summaryOutputs(s.p, data, textSummary);
