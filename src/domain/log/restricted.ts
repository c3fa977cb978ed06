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

/** The commitment a restricted entry carries (its canonical text), or undefined when it is not a restricted entry. */
export function commitmentOfEntry(entryText: string): string | undefined {
  let e: { action?: unknown; actor?: unknown; subject?: unknown; payload?: unknown };
  try {
    e = JSON.parse(entryText) as typeof e;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null || e.action !== RESTRICTED || e.actor !== RESTRICTED || e.subject !== RESTRICTED) return undefined;
  const commitment = (e.payload as { commitment?: unknown } | null)?.commitment;
  return typeof commitment === 'string' ? commitment : undefined;
}

/** Whether a value has the shape of an opening (a hex salt and the four fields). */
export function isLogOpening(value: unknown): value is LogOpening {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return typeof o.salt === 'string' && /^[0-9a-f]{64}$/.test(o.salt) && typeof o.actor === 'string' && typeof o.action === 'string' && typeof o.subject === 'string' && 'payload' in o;
}

/**
 * What is wrong with `opening` as the opening of the entry whose canonical text is `entryText`,
 * or undefined when the entry commits to exactly it. The server runs this before handing an
 * opening out, and the auditor on every opening a store (or a server) gives it: an opening that
 * does not match its entry was altered where it is kept, as the entry itself is verified against
 * the signed tree.
 */
export function openingProblem(entryText: string, opening: unknown, canonical: (value: unknown) => string, sha256: Sha256): string | undefined {
  const committed = commitmentOfEntry(entryText);
  if (committed === undefined) return 'the entry is not a restricted entry, yet an opening is kept for it';
  if (!isLogOpening(opening)) return 'the opening kept for it is not an opening (salt, actor, action, subject, payload)';
  const commitment = openingCommitment(opening, canonical, sha256);
  if (commitment !== committed) return `the opening kept for it hashes to commitment ${commitment}, but the entry carries ${committed}: the opening was altered`;
  return undefined;
}
