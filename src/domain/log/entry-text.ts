/**
 * Reading the two fields of a log entry the auditor checks on every entry — its action and its
 * index — straight from the canonical bytes, without parsing the JSON. RFC 8785 sorts keys, so
 * an entry always starts `{"action":"…","actor":"…","index":N,` and the first `,"index":` is the
 * entry's own (inside a JSON string a quote is always escaped, so the pattern cannot occur there).
 */

/** Entries whose content the auditor checks beyond hashing. */
export const INSPECTED_ACTIONS: ReadonlySet<string> = new Set([
  'key.registered',
  'key.revoked',
  'corridor.proposed',
  'corridor.drafted',
  'corridor.amended',
  'guarantee.given',
  'guarantee.voided',
  'ledger.protocol.recorded',
  'ledger.protocol.corrected',
  'ledger.protocol.signed',
]);

const ACTION_PREFIX = '{"action":"';
/** Where the action's name starts in an entry's bytes (and text): after `{"action":"`. */
export const ACTION_START = ACTION_PREFIX.length;
const INDEX_KEY = ',"index":';

/** The action of a canonical entry, read without parsing it; undefined when it does not start as one. */
export function actionOfEntry(text: string): string | undefined {
  if (!text.startsWith(ACTION_PREFIX)) return undefined;
  const end = text.indexOf('"', ACTION_PREFIX.length);
  return end > ACTION_PREFIX.length ? text.slice(ACTION_PREFIX.length, end) : undefined;
}

/** The entry's own index as written in its bytes, or undefined when it carries none (canonical digits only). */
export function indexOfEntry(text: string): number | undefined {
  const at = text.indexOf(INDEX_KEY);
  if (at < 0) return undefined;
  let q = at + INDEX_KEY.length;
  const first = q;
  let v = 0;
  for (let c = text.charCodeAt(q); c >= 48 && c <= 57; c = text.charCodeAt(++q)) v = v * 10 + (c - 48);
  const digits = q - first;
  if (digits === 0 || (digits > 1 && text.charCodeAt(first) === 48) || text.charCodeAt(q) !== 44 || !Number.isSafeInteger(v)) return undefined;
  return v;
}

/** What is wrong with the index an entry found at position `i` carries, or undefined if it is i. */
export function entryIndexProblem(text: string, i: number): string | undefined {
  const found = indexOfEntry(text);
  if (found === i) return undefined;
  return found === undefined ? 'its bytes carry no index (altered)' : `its bytes say index ${found} (entries were swapped or reordered)`;
}

/** An entry's problem at position i: missing (the log ends before it) or what is wrong with it. */
export type EntryProblem = { readonly missing: true } | { readonly missing?: false; readonly message: string };

/** What is wrong with the entry found at position i (its row's index and its text), if anything. */
export function entryProblemAt(i: number, row: { readonly index: number; readonly text: string } | undefined): EntryProblem | undefined {
  if (row === undefined) return { missing: true };
  if (row.index !== i) return { message: `found entry ${row.index} where entry ${i} should be (an entry was dropped or reordered)` };
  const message = entryIndexProblem(row.text, i);
  return message === undefined ? undefined : { message };
}

/** How a missing entry is reported against the size a signed head (or, `by`, the store's own state) claims. */
export function missingEntryMessage(headSize: number, i: number, by = 'the signed head'): string {
  return `missing: ${by} says ${headSize} entries but the log has no entry ${i} (truncated, or entries deleted)`;
}

const bytesOf = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0)); // ASCII only
const ACTION_PREFIX_BYTES = bytesOf(ACTION_PREFIX);
const ACTOR_KEY_BYTES = bytesOf('","actor":"');
const INDEX_KEY_BYTES = bytesOf(INDEX_KEY);
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;

function bytesAt(bytes: Uint8Array, at: number, expected: readonly number[]): boolean {
  for (let k = 0; k < expected.length; k++) if (bytes[at + k] !== expected[k]) return false;
  return true;
}

/**
 * The same reading as `actionOfEntry` and `indexOfEntry`, on the UTF-8 bytes[start..end) of an
 * entry, walked byte by byte for the verifier's hot loop (no string, no allocation): the offset
 * where the action ends when the entry starts `{"action":"…","actor":"…","index":<i>,` with the
 * expected index i in canonical digits, else -1. A -1 is not a verdict (an escaped quote in the
 * actor, say): the caller then judges the entry as text with `entryProblemAt`.
 */
export function entryHeadAt(bytes: Uint8Array, start: number, end: number, expectedIndex: number): number {
  if (end - start < ACTION_PREFIX_BYTES.length || !bytesAt(bytes, start, ACTION_PREFIX_BYTES)) return -1;
  let q = start + ACTION_PREFIX_BYTES.length;
  while (q < end && bytes[q] !== QUOTE) q++;
  const actionEnd = q;
  if (actionEnd === start + ACTION_PREFIX_BYTES.length || !bytesAt(bytes, q, ACTOR_KEY_BYTES)) return -1;
  q += ACTOR_KEY_BYTES.length;
  while (q < end && bytes[q] !== QUOTE) q++;
  if (bytes[q - 1] === BACKSLASH || !bytesAt(bytes, q + 1, INDEX_KEY_BYTES)) return -1;
  q += 1 + INDEX_KEY_BYTES.length;
  const first = q;
  let v = 0;
  for (let c = bytes[q] as number; c >= 48 && c <= 57; c = bytes[++q] as number) v = v * 10 + (c - 48);
  if (q === first || bytes[q] !== COMMA || (q - first > 1 && bytes[first] === 48) || v !== expectedIndex) return -1;
  return actionEnd;
}
