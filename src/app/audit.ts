import { compactVerify, importJWK, type JWK } from 'jose';
import { publicKeyFromJwk, sha256, verify } from '../crypto/index.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import {
  cosignerName,
  createCosignatureVerifier,
  createVerifierFromKey,
  encodeBase64,
  equalBytes,
  isLogError,
  openCheckpoint,
  parseSignedNote,
  StreamingRoot,
  verifyConsistency,
  verifySignature,
  type Checkpoint,
} from '../domain/log/index.js';
import { MAX_ENTRIES_PAGE, treeHasher } from './log.js';

/** Where the auditor reads the log from: the server's HTTP API or the database itself. */
export interface LogSource {
  checkpoint(): Promise<string>;
  /** Entries [start, end); `text` may be given when the source already holds the bytes as a string. */
  entries(start: number, end: number): Promise<{ index: number; entry?: Uint8Array; text?: string; leafHash?: Uint8Array | null }[]>;
  consistency(from: number, to: number): Promise<Uint8Array[]>;
  /** How many entries to ask for at once (the HTTP API serves at most 1,000). */
  readonly pageSize?: number;
  /**
   * The leaf hashes recorded when entries [start, end) were appended. Sources that do not return
   * `leafHash` with each entry (to keep the happy path fast) offer this to locate an altered entry
   * once the root has been found not to match.
   */
  recordedLeaves?(start: number, end: number): Promise<Map<number, Uint8Array>>;
}

/** The leaf hash of an entry, from its text when the source has it (no copy), else its bytes. */
function leafOf(row: { entry?: Uint8Array; text?: string }): Uint8Array {
  if (row.text !== undefined && treeHasher.hashLeafText) return treeHasher.hashLeafText(row.text);
  return treeHasher.hashLeaf(row.entry ?? new TextEncoder().encode(row.text ?? ''));
}

/** Finds the first entry whose bytes no longer hash to the leaf recorded at append time. */
async function locateAlteredEntry(source: LogSource, size: number): Promise<void> {
  if (!source.recordedLeaves) return;
  const pageSize = source.pageSize ?? MAX_ENTRIES_PAGE;
  for (let start = 0; start < size; start += pageSize) {
    const end = Math.min(start + pageSize, size);
    const [page, leaves] = await Promise.all([source.entries(start, end), source.recordedLeaves(start, end)]);
    for (const row of page) {
      const recorded = leaves.get(row.index);
      if (recorded && !equalBytes(leafOf(row), recorded)) {
        throw new AuditError('its bytes do not hash to the leaf recorded when it was appended (the entry was altered afterwards)', row.index);
      }
    }
  }
}

/** A finding that makes the log untrustworthy; `index` names the first bad entry when there is one. */
export class AuditError extends Error {
  constructor(
    message: string,
    readonly index?: number,
  ) {
    super(index === undefined ? message : `entry ${index}: ${message}`);
  }
}

export interface AuditReport {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly guarantees: number;
  readonly keys: number;
  readonly cosignedBy: string[];
  readonly unknownSignatures: string[];
  readonly since?: { size: number; root: string };
  readonly checkpoint: string;
}

interface KeyRecord {
  partyId: string;
  jwk: JWK;
  revokedAt?: number;
  registeredAt: number;
}

const decoder = new TextDecoder();

/** The action of a canonical entry, read without parsing it (keys sort, so "action" comes first). */
function actionOf(text: string): string | undefined {
  if (!text.startsWith('{"action":"')) return undefined;
  const end = text.indexOf('"', 11);
  return end > 11 ? text.slice(11, end) : undefined;
}

/** Entries whose content the auditor checks beyond hashing. */
const INSPECTED = new Set(['key.registered', 'key.revoked', 'corridor.proposed', 'corridor.drafted', 'corridor.amended', 'guarantee.given']);

/**
 * Recomputes the whole tree from the entries and checks everything a party should not have to
 * take on trust: the server's signature on the tree head (with a key pinned out of band), that
 * the entries hash to that head, that each entry sits at its index and matches the leaf recorded
 * when it was appended, that every guarantee JWS verifies with the key its party had registered
 * at that point in the log and signs the terms logged for that version, each cosignature, and —
 * given a checkpoint saved earlier — that the log still extends it.
 */
export async function auditLog(source: LogSource, opts: { logKey: string; since?: string; onProgress?: (done: number, total: number) => void }): Promise<AuditReport> {
  let logVerifier;
  try {
    logVerifier = createVerifierFromKey(opts.logKey.trim(), verify, sha256);
  } catch (e) {
    throw new AuditError(`the pinned log key is not a verifier key (name+keyid+base64): ${(e as Error).message}`);
  }
  const text = await source.checkpoint();
  let opened;
  try {
    opened = openCheckpoint(text, { log: logVerifier });
  } catch (e) {
    throw new AuditError(`the server's tree head does not verify with the pinned log key: ${(e as Error).message}`);
  }
  const head = opened.checkpoint;
  let saved: Checkpoint | undefined;
  if (opts.since !== undefined) {
    try {
      saved = openCheckpoint(opts.since, { log: logVerifier, origin: head.origin }).checkpoint;
    } catch (e) {
      throw new AuditError(`the saved checkpoint does not verify with the pinned log key: ${(e as Error).message}`);
    }
    if (saved.size > head.size) {
      throw new AuditError(`the server now shows ${head.size} entries, but you saved a head of ${saved.size}: the log was truncated or forked`);
    }
  }

  const tree = new StreamingRoot(treeHasher);
  const keys = new Map<string, KeyRecord>();
  const terms = new Map<string, string>(); // `${corridorId}@${version}` -> canonical terms
  let guarantees = 0;
  let savedRootChecked = saved === undefined || saved.size === 0;
  if (saved && saved.size === 0 && !equalBytes(saved.rootHash, tree.root())) throw new AuditError('the saved head of size 0 has a wrong root');

  // Pages are fetched one ahead, so the network and the hashing overlap.
  const pageSize = source.pageSize ?? MAX_ENTRIES_PAGE;
  let next = head.size > 0 ? source.entries(0, Math.min(pageSize, head.size)) : undefined;
  for (let start = 0; start < head.size; start += pageSize) {
    const end = Math.min(start + pageSize, head.size);
    const page = await (next as Promise<Awaited<ReturnType<LogSource['entries']>>>);
    next = end < head.size ? source.entries(end, Math.min(end + pageSize, head.size)) : undefined;
    for (let i = start; i < end; i++) {
      const row = page[i - start];
      if (!row) throw new AuditError(`missing: the signed head says ${head.size} entries but the log ends at ${i} (truncated or entries deleted)`, i);
      if (row.index !== i) throw new AuditError(`found entry ${row.index} where entry ${i} should be (an entry was dropped or reordered)`, i);
      if (row.text === undefined && row.entry === undefined) throw new AuditError('the source returned an entry without bytes', i);
      const entryText = row.text ?? decoder.decode(row.entry);
      if (!entryText.includes(`"index":${i},`)) {
        const m = /"index":(\d+),/.exec(entryText);
        throw new AuditError(m ? `its bytes say index ${m[1]} (entries were swapped or reordered)` : 'its bytes carry no index (altered)', i);
      }
      const leaf = leafOf(row);
      tree.pushLeafHash(leaf);
      if (row.leafHash !== null && row.leafHash !== undefined && !equalBytes(leaf, row.leafHash)) {
        throw new AuditError('its bytes do not hash to the leaf recorded when it was appended (the entry was altered afterwards)', i);
      }
      const action = actionOf(entryText);
      if (action !== undefined && INSPECTED.has(action)) {
        let e: { time: string; subject: string; payload: Record<string, unknown> };
        try {
          e = JSON.parse(entryText) as typeof e;
        } catch {
          throw new AuditError('its bytes are not JSON (altered)', i);
        }
        if (canonicalJson(e) !== entryText) throw new AuditError('its bytes are not canonical JSON (altered)', i);
        guarantees += await inspect(i, action, e, keys, terms);
      }
      if (!savedRootChecked && saved && tree.size === saved.size) {
        if (!equalBytes(tree.root(), saved.rootHash)) {
          await locateAlteredEntry(source, saved.size);
          throw new AuditError(`the first ${saved.size} entries no longer hash to the head you saved (root ${encodeBase64(saved.rootHash)}): history before it was rewritten`);
        }
        savedRootChecked = true;
      }
    }
    opts.onProgress?.(end, head.size);
  }
  if (!equalBytes(tree.root(), head.rootHash)) {
    await locateAlteredEntry(source, head.size);
    throw new AuditError(`the ${head.size} entries hash to ${encodeBase64(tree.root())}, not to the signed root ${encodeBase64(head.rootHash)}`);
  }
  if (saved && saved.size > 0) {
    const proof = await source.consistency(saved.size, head.size);
    try {
      verifyConsistency(saved.size, head.size, proof, saved.rootHash, head.rootHash, treeHasher);
    } catch (e) {
      throw new AuditError(`the server's consistency proof from ${saved.size} to ${head.size} does not verify: ${(e as Error).message}`);
    }
  }

  // Cosignatures: each line whose name is a party's witness name must verify with that party's key.
  const note = parseSignedNote(text);
  const cosignedBy: string[] = [];
  const unknownSignatures: string[] = [];
  const prefix = `${head.origin}/witness/`;
  for (const sig of note.signatures) {
    if (sig.name === head.origin) continue;
    if (!sig.name.startsWith(prefix)) {
      unknownSignatures.push(sig.name);
      continue;
    }
    const partyId = sig.name.slice(prefix.length);
    const candidates = [...keys.values()].filter((k) => k.partyId === partyId && k.revokedAt === undefined);
    const match = candidates
      .map((k) => createCosignatureVerifier(cosignerName(head.origin, partyId), publicKeyFromJwk(k.jwk), verify, sha256))
      .find((v) => equalBytes(v.keyId, sig.keyId));
    if (!match) throw new AuditError(`the cosignature of ${partyId} names a key that party never registered in the log`);
    try {
      verifySignature(note.body, sig, match);
    } catch (e) {
      throw new AuditError(`the cosignature of ${partyId} does not verify: ${isLogError(e) ? e.message : String(e)}`);
    }
    cosignedBy.push(partyId);
  }
  return {
    origin: head.origin,
    size: head.size,
    root: encodeBase64(head.rootHash),
    guarantees,
    keys: keys.size,
    cosignedBy,
    unknownSignatures,
    ...(saved ? { since: { size: saved.size, root: encodeBase64(saved.rootHash) } } : {}),
    checkpoint: text,
  };
}

/** Domain checks on one inspected entry; returns 1 for a verified guarantee. */
async function inspect(index: number, action: string, e: { time: string; subject: string; payload: Record<string, unknown> }, keys: Map<string, KeyRecord>, terms: Map<string, string>): Promise<number> {
  const p = e.payload;
  const [kind, id] = e.subject.split('/');
  switch (action) {
    case 'key.registered': {
      const jwk = p.jwk as JWK;
      keys.set(String(p.kid), { partyId: id ?? '', jwk, registeredAt: index });
      return 0;
    }
    case 'key.revoked': {
      const k = keys.get(String(p.kid));
      if (k) k.revokedAt = index;
      return 0;
    }
    case 'corridor.proposed':
    case 'corridor.drafted':
    case 'corridor.amended': {
      const t = p.terms as { corridorId?: string; version?: number } | undefined;
      if (kind !== 'corridor' || !t || t.corridorId !== id) throw new AuditError('its terms do not belong to its corridor', index);
      terms.set(`${id}@${t.version}`, canonicalJson(t));
      return 0;
    }
    case 'guarantee.given': {
      const key = keys.get(String(p.kid));
      if (!key) throw new AuditError(`guarantee by ${String(p.partyId)} names key ${String(p.kid)}, which was not registered before it`, index);
      if (key.partyId !== p.partyId) throw new AuditError(`guarantee by ${String(p.partyId)} was made with a key of ${key.partyId}`, index);
      if (key.revokedAt !== undefined) throw new AuditError(`guarantee by ${String(p.partyId)} was made with key ${String(p.kid)} after it was revoked`, index);
      let payload: Uint8Array;
      try {
        ({ payload } = await compactVerify(String(p.jws), await importJWK(key.jwk, 'EdDSA'), { algorithms: ['EdDSA'] }));
      } catch {
        throw new AuditError(`the guarantee JWS of ${String(p.partyId)} does not verify with its key ${String(p.kid)}`, index);
      }
      const expected = terms.get(`${id}@${String(p.version)}`);
      if (expected === undefined || decoder.decode(payload) !== expected) {
        throw new AuditError(`the guarantee of ${String(p.partyId)} signs something other than version ${String(p.version)} of the logged terms`, index);
      }
      return 1;
    }
    default:
      return 0;
  }
}
