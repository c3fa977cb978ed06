/**
 * One record's history checked against a signed tree head: each entry a server hands out for a
 * subject (`GET /log/entries/by-subject`) must be that entry, of that subject, and included in the
 * tree the head signs (RFC 9162 inclusion proof). Pure: the corridor page (in the browser, with
 * the JavaScript SHA-256) and `passage corridors history` (with node:crypto's) both use it.
 */
import { decodeUtf8 } from './encoding.js';
import { LogError } from './log-error.js';
import { hashLeaf, verifyInclusion, type Sha256 } from './merkle.js';

/** What an entry says about itself, once checked. */
export interface SubjectEntryFields {
  readonly index: number;
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
}

/** A tree head already verified with the log's key: its size and root. */
export interface VerifiedHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

/**
 * Checks one served entry: its bytes are canonical JSON whose `index` is the index it was served
 * under and whose `subject` is the one asked for, and its proof puts its leaf in the head's tree.
 * Returns the entry's fields; throws a LogError saying what is wrong (`proof_invalid` for a proof
 * that does not verify, `invalid_argument` for bytes that are not this entry of this subject).
 */
export function checkSubjectEntry(served: { index: number; entry: Uint8Array; proof: readonly Uint8Array[] }, subject: string, head: VerifiedHead, sha: Sha256): SubjectEntryFields {
  const f = entryFields(decodeUtf8(served.entry, 'invalid_argument', `entry ${served.index}`));
  if (f === undefined) throw new LogError('invalid_argument', `entry ${served.index} is not JSON`);
  if (f.index !== served.index) throw new LogError('invalid_argument', `the bytes served as entry ${served.index} are entry ${String(f.index)}`);
  if (f.subject !== subject) throw new LogError('invalid_argument', `entry ${served.index} is about ${f.subject || 'nothing'}, not ${subject}`);
  verifyInclusion(hashLeaf(served.entry, sha), served.index, head.size, served.proof, head.rootHash, sha);
  return { index: served.index, time: f.time, actor: f.actor, action: f.action, subject };
}

/**
 * What an entry's text says of itself, leniently: a field missing or not a string reads as empty,
 * `index` as it is; undefined when the text is not a JSON object. For showing an entry (even one
 * that failed its check) and for filtering by the subject its bytes show.
 */
export function entryFields(text: string): { index: unknown; time: string; actor: string; action: string; subject: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const f = parsed as Record<string, unknown>;
  const str = (k: string): string => (typeof f[k] === 'string' ? (f[k] as string) : '');
  return { index: f.index, time: str('time'), actor: str('actor'), action: str('action'), subject: str('subject') };
}
