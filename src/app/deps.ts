import { createHash, randomBytes } from 'node:crypto';
import type { Store, Tx } from '../store/store.js';

/** What every use case needs from the outside world: storage, the clock, ids, randomness. */
export interface Deps {
  readonly store: Store;
  readonly now: () => number;
  readonly newId: (prefix: string) => string;
  readonly randomBytes: (n: number) => Uint8Array;
}

/** One unit of work: a transaction and the deps it runs with. */
export interface Unit {
  readonly tx: Tx;
  readonly deps: Deps;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Ids like `cor_k3m9x2…`: a readable prefix and 16 random characters (80 bits). */
export function randomId(prefix: string, bytes: (n: number) => Uint8Array = randomBytes): string {
  const b = bytes(16);
  let s = '';
  for (const x of b) s += ALPHABET[x % ALPHABET.length];
  return `${prefix}_${s}`;
}

export function defaultDeps(store: Store, now: () => number = Date.now): Deps {
  return { store, now, newId: (p) => randomId(p), randomBytes: (n) => randomBytes(n) };
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function nowIso(deps: Deps): string {
  return new Date(deps.now()).toISOString();
}

/** Runs a use case in one transaction. */
export function inTransaction<T>(deps: Deps, fn: (u: Unit) => Promise<T>): Promise<T> {
  return deps.store.transaction((tx) => fn({ tx, deps }));
}
