// A realistic mix: eligibility and start, beats, ends, balance polls and grants (scenario "day-in-the-life").
//   npm run load -- --scenario day-in-the-life --seed-only ; then the k6 command it prints
import * as k6 from './lib/k6.ts';

const s = k6.suite('day-in-the-life', open('../scenarios.json'), () => open(__ENV.FIXTURE || '../results/fixture.json'));
export const options = k6.k6Options(s.p);
export const setup = () => k6.setup(s);
export const players = (data: k6.SetupData) => k6.players(s, data, 'players');
export const balance = (data: k6.SetupData) => k6.single(s, data, 'balance');
export const grants = (data: k6.SetupData) => k6.single(s, data, 'grants');
