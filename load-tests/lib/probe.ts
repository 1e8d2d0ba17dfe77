// Endpoints of issue 4 may not exist yet: ask each once, and treat 404 route_not_found as "not built".
import type { Action } from './scenarios.ts';
import { API, type World } from './actions.ts';

/** Method and path of the endpoint an action needs, for those that may be missing; a harmless request ({} → 422 when present). */
function probeOf(w: World, action: Action): { method: string; path: string; token: string; body?: unknown } | null {
  const household = w.fx.households[0];
  const kid = w.fx.viewers[0]?.profileId;
  switch (action) {
    case 'pin_verify': return { method: 'POST', path: '/parental-controls/pin/verify', token: household.token, body: {} };
    case 'weekly_report': return { method: 'GET', path: '/parental-controls/weekly-report', token: (w.fx.reportHouseholds[0] ?? household).token };
    case 'history': {
      const p = w.fx.historyProfiles[0] ?? { profileId: kid, token: household.token };
      return { method: 'GET', path: `/parental-controls/profiles/${p.profileId}/history`, token: p.token };
    }
    case 'grant': return { method: 'POST', path: `/parental-controls/profiles/${kid}/viewing-time/grant`, token: household.token, body: {} };
    default: return null;
  }
}

/** The actions among `actions` whose endpoint answers 404 route_not_found, each with its endpoint. */
export async function missingEndpoints(w: World, actions: Action[]): Promise<{ action: Action; endpoint: string }[]> {
  const missing = [];
  for (const action of new Set(actions)) {
    const p = probeOf(w, action);
    if (!p) continue;
    const r = await w.client.request(p.method, API + p.path, { token: p.token, body: p.body });
    if (r.status === 404 && r.body?.code === 'route_not_found') missing.push({ action, endpoint: `${p.method} ${API}${p.path.replace(/[0-9a-f-]{36}/, '{id}')}` });
  }
  return missing;
}
