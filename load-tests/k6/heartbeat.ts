// Heartbeats at a constant arrival rate (scenario "heartbeat" of ../scenarios.json).
//   npm run load -- --scenario heartbeat --rate 1000 --seed-only      (seeds viewers, writes the fixture)
//   k6 run -e BASE_URL=http://127.0.0.1:8000 -e FIXTURE=<fixture path> -e RATE=1000 load-tests/k6/heartbeat.ts
// Other -e variables: DURATION=60s, PROFILE=smoke, RATES=stream=N,...
import { k6Options, resolve, type Definition } from './lib/plan.ts';
import { heartbeats as beat, loadFixture, setup as prepare, type SetupData } from './lib/suite.ts';

const FIXTURE = __ENV.FIXTURE || '../results/fixture.json';
const plan = resolve(JSON.parse(open('../scenarios.json')) as Definition, 'heartbeat', __ENV);
const fx = loadFixture(() => open(FIXTURE));

export const options = k6Options(plan);

export function setup(): SetupData {
  return prepare(plan, fx);
}

export function heartbeats(data: SetupData): void {
  beat(plan, fx, data, 'heartbeats');
}
