import type { CryptoKey } from 'jose';
import type { Deps } from '../app/deps.js';
import type { Actor } from '../domain/authorization.js';

export interface LedgerDemoContext {
  /** Demo members by key, e.g. `ua-liaison`, `ru-liaison`, `mediator-liaison`. */
  readonly actors: ReadonlyMap<string, Actor>;
  /** The 3 March 2022 agreement the demo corridors cite. */
  readonly agreementId: string;
  /** Each negotiating party's private signing key and its kid, by party id. */
  readonly keys: ReadonlyMap<string, { key: CryptoKey; kid: string }>;
  /** Shifts a YYYY-MM-DD date like the rest of the demo (identity with real dates). */
  readonly shiftDays: (date: string) => string;
}

/** Loads the ledger part of the demo (issue 8): rounds, positions, protocol, statements. */
export async function loadLedgerDemo(_deps: Deps, _ctx: LedgerDemoContext): Promise<void> {}
