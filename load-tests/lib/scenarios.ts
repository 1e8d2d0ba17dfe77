// Reads load-tests/scenarios.json for the npm runner; the plan itself (resolution, overrides,
// profiles) is the one shared with the k6 scripts, in plan.ts.
import { readFileSync } from 'node:fs';
import { ACTIONS, type ScenarioFile } from './plan.ts';

export { parseDuration, phaseAt, resolvePlan, viewersFor, type Action, type Compare, type Plan, type Scenario, type ScenarioFile, type Stream } from './plan.ts';

export const SCENARIOS_PATH = new URL('../scenarios.json', import.meta.url);

/** The file, with the checks a typo would otherwise turn into a silent default. */
export function loadScenarioFile(path: URL | string = SCENARIOS_PATH): ScenarioFile {
  const f = JSON.parse(readFileSync(path, 'utf8')) as ScenarioFile;
  for (const [name, s] of Object.entries(f.scenarios)) {
    for (const [stream, st] of Object.entries(s.streams)) {
      if (!(ACTIONS as readonly string[]).includes(st.action)) throw new Error(`scenarios.json: ${name}.streams.${stream}: unknown action "${st.action}" (known: ${ACTIONS.join(', ')})`);
    }
    if (!s.smoke) throw new Error(`scenarios.json: scenario ${name} has no smoke profile (CI runs every scenario's)`);
    for (const r of Object.keys(s.smoke.rates)) if (!s.streams[r]) throw new Error(`scenarios.json: ${name}.smoke.rates names no stream "${r}"`);
    for (const live of [s.live, s.smoke.live]) {
      if (live && !(live.streams > 0 && live.from >= 0 && live.from < 1 && live.verifiedHouseholds >= 0)) throw new Error(`scenarios.json: ${name}.live needs streams > 0, 0 <= from < 1 and verifiedHouseholds >= 0`);
    }
  }
  return f;
}
