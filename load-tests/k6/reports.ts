// Weekly reports (10 children each) and history (profiles with 10,000 sessions) while heartbeats run (scenario "reports").
//   npm run load -- --scenario reports --seed-only ; then the k6 command it prints
import * as k6 from './lib/k6.ts';

const s = k6.suite('reports', open('../scenarios.json'), () => open(__ENV.FIXTURE || '../results/fixture.json'));
export const options = k6.k6Options(s.p);
export const setup = () => k6.setup(s);
export const heartbeats = (data: k6.SetupData) => k6.heartbeats(s, data, 'heartbeats');
export const reports = (data: k6.SetupData) => k6.single(s, data, 'reports');
export const history = (data: k6.SetupData) => k6.single(s, data, 'history');
