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
  'ledger.protocol.recorded',
  'ledger.protocol.corrected',
  'ledger.protocol.signed',
]);

const ACTION_PREFIX = '{"action":"';
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
