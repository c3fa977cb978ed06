import type { Actor } from '../domain/authorization.js';

/** What the demo's parts share: members, corridors, time shifting, and where to report what they made. */
export interface DemoContext {
  /** Demo members by key: mediator-liaison, ua-admin, ua-liaison, ru-admin, ru-liaison, convoy-operator, receiving-operator, observer. */
  readonly actors: ReadonlyMap<string, Actor>;
  /** Demo corridor ids by key: sumy-poltava, mariupol-zaporizhzhia, kharkiv-belgorod, irpin-kyiv. */
  readonly corridors: Readonly<Record<string, string>>;
  /** Shifts an RFC 3339 time of the 2022 story like the rest of the demo (identity with real dates); returns UTC RFC 3339. */
  readonly t: (iso: string) => string;
  /** The tracker device ids the demo registers (printed by `passage demo --json`). */
  readonly trackerDevices: readonly string[];
  /** Extra facts for `passage demo --json` (e.g. movement ids), merged into its output under `extra`. */
  readonly extra: Record<string, unknown>;
}
