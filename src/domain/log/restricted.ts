/**
 * Restricted log entries. Every member reads the whole log (it is how each party checks that
 * nothing was rewritten), but some records are need-to-know: a protected site (a no-strike list
 * must never become a target list), a movement, an incident with a distribution, a ledger version
 * that is not public. Their entries carry neither who acted, nor what was done to what, in the
 * clear — only a commitment: SHA-256 over the RFC 8785 JSON of the entry's opening, which adds 32
 * random bytes (the salt) to the real actor, action, subject and payload, so that nobody can
 * confirm a guess of the contents by hashing it. Members who may see the record are handed the
 * opening and check it against the entry, whose inclusion they check like any other.
 *
 * What a restricted entry still shows everyone: that something need-to-know was recorded, and when.
 */
import type { Sha256 } from './merkle.js';

/** The actor, action and subject a restricted entry shows instead of the real ones. */
export const RESTRICTED = 'restricted';

/** What a restricted entry commits to. */
export interface LogOpening {
  /** 32 random bytes, hex: without them a guessed opening could be confirmed by hashing it. */
  readonly salt: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly payload: unknown;
}

/** The payload a restricted entry carries. */
export interface RestrictedPayload {
  /** SHA-256 of the opening's canonical JSON, hex. */
  readonly commitment: string;
}

/** The commitment to an opening: SHA-256 of its canonical JSON (`canonical`: RFC 8785), hex. */
export function openingCommitment(opening: LogOpening, canonical: (value: unknown) => string, sha256: Sha256): string {
  const digest = sha256(new TextEncoder().encode(canonical(opening)));
  let out = '';
  for (const b of digest) out += b.toString(16).padStart(2, '0');
  return out;
}
