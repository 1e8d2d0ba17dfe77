import type { IdentityService } from '../accounts/identity.ts';
import type { Principal } from '../accounts/tokens.ts';
import type { Window } from '../viewing-time/allowed-hours.ts';
import type { ConfigPatch, ConfigService } from '../viewing-time/config-service.ts';
import { configView } from '../viewing-time/config-view.ts';
import type { Settings } from '../viewing-time/model.ts';
import { invalidField } from '../shared/errors.ts';
import type { PauseService } from './pause-service.ts';
import type { PinService } from './pin-service.ts';

type Proof = { pin?: string | null; pin_token?: string | null };

/** Reading and changing a kids profile's viewing-time settings (changes need the PIN). */
export class SettingsService {
  readonly #identity: IdentityService;
  readonly #configs: ConfigService;
  readonly #pins: PinService;
  readonly #pauses: PauseService;

  constructor(d: { identity: IdentityService; configs: ConfigService; pins: PinService; pauses: PauseService }) {
    this.#identity = d.identity;
    this.#configs = d.configs;
    this.#pins = d.pins;
    this.#pauses = d.pauses;
  }

  /** A kids profile's settings as stored now, with a pause in force; an adult profile's say that no limit applies. */
  async get(principal: Principal, profileId: string) {
    const profile = await this.#identity.ownedProfile(principal, profileId);
    if (!profile.isKids) return { ...configView(await this.#configs.unlimited(profileId)), pause: null };
    return this.#view(await this.#configs.fresh(profileId));
  }

  async #view(settings: Settings) {
    return { ...configView(settings), pause: await this.#pauses.current(settings.profileId) };
  }

  async update(principal: Principal, profileId: string, input: ConfigPatch & Proof & { version?: number }, ifMatch?: string) {
    await this.#identity.ownedProfile(principal, profileId);
    await this.#configs.get(profileId); // 404 for adult profiles before asking for a PIN
    const { pin, pin_token, version, ...patch } = input;
    const expected = version ?? parseIfMatch(ifMatch);
    await this.#pins.authorize(principal, { pin, pin_token });
    return this.#view(await this.#configs.update(profileId, patch, expected));
  }

  /** One viewing day's own windows ([] none, null no restriction); needs PIN proof. */
  async setOverride(principal: Principal, profileId: string, date: string, input: Proof & { windows: Window[] | null }) {
    await this.#identity.ownedProfile(principal, profileId);
    await this.#configs.get(profileId); // 404 for adult profiles before asking for a PIN
    await this.#pins.authorize(principal, input);
    return this.#view(await this.#configs.setOverride(profileId, date, input.windows));
  }

  async deleteOverride(principal: Principal, profileId: string, date: string, proof: Proof): Promise<void> {
    await this.#identity.ownedProfile(principal, profileId);
    await this.#configs.get(profileId);
    await this.#pins.authorize(principal, proof);
    await this.#configs.deleteOverride(profileId, date);
  }
}

function parseIfMatch(h: string | undefined): number | undefined {
  if (!h) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h.trim());
  if (!m) throw invalidField('If-Match', 'must be the settings version, e.g. "3"');
  return Number(m[1]);
}
