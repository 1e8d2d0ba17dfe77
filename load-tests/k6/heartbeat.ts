// Heartbeats at a constant arrival rate (scenario "heartbeat" of ../scenarios.json).
//   npm run load -- --scenario heartbeat --rate 1000 --seed-only      (seeds viewers, prints this command with its -e values)
//   k6 run -e BASE_URL=http://127.0.0.1:8000 -e FIXTURE=<fixture path> -e RATE=1000 load-tests/k6/heartbeat.ts
// Other -e variables: DURATION=60s, PROFILE=smoke, RATES=stream=N,...
import * as k6 from './lib/k6.ts';

const s = k6.suite('heartbeat', open('../scenarios.json'), () => open(__ENV.FIXTURE || '../results/fixture.json'));
export const options = k6.k6Options(s.p);
export const setup = () => k6.setup(s);
export const heartbeats = (data: k6.SetupData) => k6.heartbeats(s, data, 'heartbeats');
