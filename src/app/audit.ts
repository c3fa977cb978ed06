import { compactVerify, importJWK, type JWK } from 'jose';
import { publicKeyFromJwk, sha256, verify, weakJwk } from '../crypto/index.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { signedWhileCompromised } from '../domain/guarantee-rules.js';
import type { RevocationReason } from '../domain/key-revocation.js';
import {
  actionOfEntry,
  cosignerName,
  createCosignatureVerifier,
  createVerifierFromKey,
  encodeBase64,
  entryProblemAt,
  equalBytes,
  INSPECTED_ACTIONS,
  isLogError,
  missingEntryMessage,
  openCheckpoint,
  parseSignedNote,
  StreamingRoot,
  verifyConsistency,
  verifySignature,
  type Checkpoint,
  type EntryProblem,
} from '../domain/log/index.js';
import type { ParallelScanOptions, RangeScan } from '../store/log-scan.js';
import { sha256Hex } from './deps.js';
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
  /**
   * Sources that can read, check and hash whole ranges of entries (a SQLite file: in this thread
   * and, for long logs, in worker threads too) offer this: it yields each consecutive range's
   * compact range and inspected entries, in order. The auditor uses it whenever it is there.
   */
  scan?(ranges: readonly (readonly [number, number])[], opts?: ParallelScanOptions): AsyncIterable<RangeScan>;
}

/**
 * Logs at least this long are scanned by worker threads beside the auditor's own (each worker
 * takes ~0.1 s to start and warm up, during which the auditor's thread is already scanning).
 */
export const WORKERS_FROM = 100_000;
/** Pages of entries asked for ahead when reading entry by entry (over HTTP: round trips in flight at once). */
export const PAGES_AHEAD = 4;
/** Leaves per scanned range: aligned, so every full range is one node of the tree; small enough that the threads finish close together. */
export const SCAN_CHUNK = 32_768;

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

/** The audit's error for a problem found with the entry at position i. */
function problemError(i: number, problem: EntryProblem, headSize: number): AuditError {
  return new AuditError(problem.missing ? missingEntryMessage(headSize, i) : problem.message, i);
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
  /** Delegations' signatures on public negotiation protocols, verified like guarantees. */
  readonly protocolSignatures: number;
  /** Signatures on private protocols: the log holds only their hash, so nobody outside can check them. */
  readonly privateProtocolSignatures: number;
  readonly keys: number;
  /**
   * Guarantees made with a key that stood then and was revoked later in the log, each with why:
   * retired as `superseded`, it still binds; declared `compromised`, it no longer binds when it was
   * recorded at or after the compromise's `since` (`void`; src/domain/guarantee-rules.ts) — what
   * the corridor view shows as `keyRevokedAt`, `keyRevocationReason` and `valid`.
   */
  readonly revokedKeyGuarantees: RevokedKeyGuarantee[];
  /**
   * Protocol signatures (public and private) made with a key revoked later in the log, by the same
   * rule: one recorded at or after its key's compromise no longer counts towards the protocol
   * being signed (`void`; src/domain/ledger-protocol.ts), as the protocol view shows (`valid`).
   */
  readonly revokedKeyProtocolSignatures: RevokedKeyProtocolSignature[];
  readonly cosignedBy: string[];
  readonly unknownSignatures: string[];
  readonly since?: { size: number; root: string };
  readonly checkpoint: string;
}

export interface RevokedKeyGuarantee extends RevokedKeyFate {
  /** The `guarantee.given` entry. */
  readonly index: number;
  readonly corridorId: string;
  readonly partyId: string;
  readonly version: number;
  readonly kid: string;
  /** When it was recorded (the entry's time). */
  readonly time: string;
}

/** What became of the key a signature was made with: revoked later in the log, and whether that voids it. */
export interface RevokedKeyFate {
  /** The `key.revoked` entry that revoked its key (the first, when a retired key was later declared compromised). */
  readonly revokedAt: number;
  /** Why the key was revoked, as it stands at the end of the log. */
  readonly reason: RevocationReason;
  /** For a compromised key: from when it is suspect. */
  readonly compromisedSince?: string;
  /** Whether the signature no longer binds or counts: its key was compromised from at or before it. */
  readonly void: boolean;
}

export interface RevokedKeyProtocolSignature extends RevokedKeyFate {
  /** The `ledger.protocol.signed` entry. */
  readonly index: number;
  readonly protocolId: string;
  readonly partyId: string;
  readonly version: number;
  readonly kid: string;
  /** When it was recorded (the entry's time). */
  readonly time: string;
}

interface KeyRecord {
  partyId: string;
  jwk: JWK;
  /** The entry's time of its registration: a compromise cannot reach back past it. */
  registeredTime: string;
  revokedAt?: number;
  reason?: RevocationReason;
  /** Declared compromised: by which entry, from when its signatures are suspect, and the `since` the entry states. */
  compromise?: { index: number; since: string; stated: string };
  registeredAt: number;
}

/** A guarantee the log recorded, by its id: what a later `guarantee.voided` must agree with. */
type Given = Omit<RevokedKeyGuarantee, keyof RevokedKeyFate> & { guaranteeId: string };

const decoder = new TextDecoder();

/**
 * Recomputes the whole tree from the entries and checks everything a party should not have to
 * take on trust: the server's signature on the tree head (with a key pinned out of band), that
 * the entries hash to that head, that each entry sits at its index and matches the leaf recorded
 * when it was appended, that every guarantee JWS verifies with the key its party had registered
 * at that point in the log and signs the terms logged for that version, each cosignature, and —
 * given a checkpoint saved earlier — that the log still extends it.
 */
export async function auditLog(
  source: LogSource,
  opts: {
    logKey: string;
    since?: string;
    onProgress?: (done: number, total: number) => void;
    /**
     * Read through the source's range scan (SQLite: pages read as blobs, leaves hashed in place)
     * from this many entries (default 0, always); tests raise it to go entry by entry, and lower
     * the chunk size.
     */
    scanFrom?: number;
    scanChunk?: number;
    /** Passed to the source's parallel scan (tests keep the auditor's thread out of it). */
    scan?: ParallelScanOptions;
  },
): Promise<AuditReport> {
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
  const tally: Tally = { guarantees: 0, protocolSignatures: 0, privateProtocolSignatures: 0, given: new Map(), signed: [] };
  let savedRootChecked = saved === undefined || saved.size === 0;
  if (saved && saved.size === 0 && !equalBytes(saved.rootHash, tree.root())) throw new AuditError('the saved head of size 0 has a wrong root');

  const checkSaved = async (): Promise<void> => {
    if (!savedRootChecked && saved && tree.size === saved.size) {
      if (!equalBytes(tree.root(), saved.rootHash)) {
        await locateAlteredEntry(source, saved.size);
        throw new AuditError(`the first ${saved.size} entries no longer hash to the head you saved (root ${encodeBase64(saved.rootHash)}): history before it was rewritten`);
      }
      savedRootChecked = true;
    }
  };

  if (source.scan && head.size > 0 && head.size >= (opts.scanFrom ?? 0)) {
    // By ranges, in parallel for long logs: ranges aligned to the chunk size, cut also at the
    // saved head's size so its root can be checked on the way.
    const chunk = opts.scanChunk ?? SCAN_CHUNK;
    const cuts = new Set<number>([head.size]);
    for (let c = chunk; c < head.size; c += chunk) cuts.add(c);
    if (saved && saved.size > 0 && saved.size < head.size) cuts.add(saved.size);
    const ranges: [number, number][] = [];
    let from = 0;
    for (const to of [...cuts].sort((a, b) => a - b)) {
      ranges.push([from, to]);
      from = to;
    }
    for await (const r of source.scan(ranges, { ...(head.size < WORKERS_FROM ? { threads: 1 } : {}), ...opts.scan })) {
      const limit = r.error?.index ?? r.end;
      for (const x of r.inspected) {
        if (x.index >= limit) break;
        await inspectText(x.index, actionOfEntry(x.text) ?? '', x.text, keys, terms, tally);
      }
      if (r.error) throw problemError(r.error.index, r.error.problem, head.size);
      for (const n of r.nodes) tree.pushSubtree(n.level, n.hash);
      await checkSaved();
      opts.onProgress?.(r.end, head.size);
    }
  } else {
    // Up to PAGES_AHEAD pages are asked for ahead, so the round trips to a distant server overlap
    // each other and the hashing. A page that fails is reported when its turn comes.
    const pageSize = source.pageSize ?? MAX_ENTRIES_PAGE;
    const ahead: Promise<Awaited<ReturnType<LogSource['entries']>>>[] = [];
    let asked = 0;
    const askAhead = (): void => {
      while (ahead.length < PAGES_AHEAD && asked < head.size) {
        const page = source.entries(asked, Math.min(asked + pageSize, head.size));
        page.catch(() => undefined); // handled when awaited in turn (or moot once the audit fails)
        ahead.push(page);
        asked += pageSize;
      }
    };
    askAhead();
    for (let start = 0; start < head.size; start += pageSize) {
      const end = Math.min(start + pageSize, head.size);
      const page = await (ahead.shift() as Promise<Awaited<ReturnType<LogSource['entries']>>>);
      askAhead();
      for (let i = start; i < end; i++) {
        const row = page[i - start];
        if (!row) {
          // The page ends before position i. Whether the log ends here or skips entry i shows in
          // the next entry it holds, so a dropped entry is named the same way at a page's end as
          // inside one ("found entry i+1 where entry i should be").
          const later = (await source.entries(i, Math.min(i + pageSize, head.size)))[0];
          const problem = later && entryProblemAt(i, { index: later.index, text: later.text ?? decoder.decode(later.entry) });
          throw problemError(i, problem ?? { missing: true }, head.size);
        }
        if (row.text === undefined && row.entry === undefined) throw new AuditError('the source returned an entry without bytes', i);
        const entryText = row.text ?? decoder.decode(row.entry);
        const problem = entryProblemAt(i, { index: row.index, text: entryText });
        if (problem) throw problemError(i, problem, head.size);
        const leaf = leafOf(row);
        tree.pushLeafHash(leaf);
        if (row.leafHash !== null && row.leafHash !== undefined && !equalBytes(leaf, row.leafHash)) {
          throw new AuditError('its bytes do not hash to the leaf recorded when it was appended (the entry was altered afterwards)', i);
        }
        const action = actionOfEntry(entryText);
        if (action !== undefined && INSPECTED_ACTIONS.has(action)) await inspectText(i, action, entryText, keys, terms, tally);
        if (!savedRootChecked && tree.size === saved?.size) await checkSaved();
      }
      opts.onProgress?.(end, head.size);
    }
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
    guarantees: tally.guarantees,
    protocolSignatures: tally.protocolSignatures,
    privateProtocolSignatures: tally.privateProtocolSignatures,
    keys: keys.size,
    revokedKeyGuarantees: [...tally.given.values()].flatMap(({ guaranteeId: _id, ...g }) => {
      const fate = revokedKeyFate(g.kid, g.time, keys);
      return fate ? [{ ...g, ...fate }] : [];
    }),
    revokedKeyProtocolSignatures: tally.signed.flatMap((s) => {
      const fate = revokedKeyFate(s.kid, s.time, keys);
      return fate ? [{ ...s, ...fate }] : [];
    }),
    cosignedBy,
    unknownSignatures,
    ...(saved ? { since: { size: saved.size, root: encodeBase64(saved.rootHash) } } : {}),
    checkpoint: text,
  };
}

type Signed = Omit<RevokedKeyProtocolSignature, keyof RevokedKeyFate>;
type Tally = { guarantees: number; protocolSignatures: number; privateProtocolSignatures: number; given: Map<string, Given>; signed: Signed[] };

/** The fate of a signature recorded at `time` with key `kid`, if that key was revoked by the end of the log. */
function revokedKeyFate(kid: string, time: string, keys: Map<string, KeyRecord>): RevokedKeyFate | undefined {
  const key = keys.get(kid);
  if (key?.revokedAt === undefined || key.reason === undefined) return undefined;
  const c = key.compromise;
  return { revokedAt: key.revokedAt, reason: key.reason, ...(c !== undefined ? { compromisedSince: c.stated } : {}), void: signedWhileCompromised(time, c === undefined ? null : { since: c.since }) };
}

/** Parses an inspected entry (which must be canonical JSON) and checks it, counting what it verified. */
async function inspectText(index: number, action: string, text: string, keys: Map<string, KeyRecord>, terms: Map<string, string>, tally: Tally): Promise<void> {
  let e: { time: string; subject: string; payload: Record<string, unknown> };
  try {
    e = JSON.parse(text) as typeof e;
  } catch {
    throw new AuditError('its bytes are not JSON (altered)', index);
  }
  if (canonicalJson(e) !== text) throw new AuditError('its bytes are not canonical JSON (altered)', index);
  await inspect(index, action, e, keys, terms, tally);
}

/** The party's key a signature names, as registered in the log before it; throws what is wrong. */
function signingKey(index: number, what: string, partyId: unknown, kid: unknown, keys: Map<string, KeyRecord>): KeyRecord {
  const key = keys.get(String(kid));
  if (!key) throw new AuditError(`${what} by ${String(partyId)} names key ${String(kid)}, which was not registered before it`, index);
  if (key.partyId !== partyId) throw new AuditError(`${what} by ${String(partyId)} was made with a key of ${key.partyId}`, index);
  if (key.revokedAt !== undefined) throw new AuditError(`${what} by ${String(partyId)} was made with key ${String(kid)} after it was revoked`, index);
  return key;
}

/** The payload of a compact JWS if it verifies with the key, else undefined. */
async function verifiedPayload(jws: string, key: KeyRecord): Promise<Uint8Array | undefined> {
  // A key of small order verifies forgeries: nothing it signed counts.
  if (weakJwk(key.jwk)) return undefined;
  try {
    return (await compactVerify(jws, await importJWK(key.jwk, 'EdDSA'), { algorithms: ['EdDSA'] })).payload;
  } catch {
    return undefined;
  }
}

/** Domain checks on one inspected entry. */
async function inspect(index: number, action: string, e: { time: string; subject: string; payload: Record<string, unknown> }, keys: Map<string, KeyRecord>, terms: Map<string, string>, tally: Tally): Promise<void> {
  const p = e.payload;
  const [kind, id] = e.subject.split('/');
  switch (action) {
    case 'key.registered': {
      const jwk = p.jwk as JWK;
      keys.set(String(p.kid), { partyId: id ?? '', jwk, registeredAt: index, registeredTime: e.time });
      return;
    }
    case 'key.revoked': {
      const k = keys.get(String(p.kid));
      if (!k) return;
      // Entries from before reasons were recorded retired a key without voiding anything it had
      // signed: superseded, as migration 0015 reads them.
      const reason = p.reason === undefined ? 'superseded' : p.reason;
      if (reason !== 'superseded' && reason !== 'compromised') throw new AuditError(`it revokes key ${String(p.kid)} for an unknown reason ${JSON.stringify(reason)}`, index);
      if (k.revokedAt !== undefined && !(k.reason === 'superseded' && reason === 'compromised')) {
        throw new AuditError(`it revokes key ${String(p.kid)} again (${reason}), already revoked as ${k.reason ?? '?'} at entry ${k.revokedAt}: only a retired key may later be declared compromised`, index);
      }
      if (reason === 'compromised') {
        const stated = p.since === undefined ? k.registeredTime : String(p.since);
        if (!Number.isFinite(Date.parse(stated))) throw new AuditError(`it declares key ${String(p.kid)} compromised since ${JSON.stringify(stated)}, which is not a time`, index);
        if (Date.parse(stated) > Date.parse(e.time)) {
          throw new AuditError(`it declares key ${String(p.kid)} compromised since ${stated}, after it was revoked (${e.time}): a key is declared compromised from a moment that has passed`, index);
        }
        // A `since` before the key's registration entry voids what a `since` at it would — the key
        // signed nothing before — so it is read as from registration. Servers before 2026-11-27
        // read their clock for the key's record a few milliseconds before its log entry, and
        // their default `since` (the record's time) falls just before the entry's.
        const since = Date.parse(stated) < Date.parse(k.registeredTime) ? k.registeredTime : stated;
        k.compromise = { index, since, stated };
      }
      k.revokedAt ??= index;
      k.reason = reason;
      return;
    }
    case 'corridor.proposed':
    case 'corridor.drafted':
    case 'corridor.amended': {
      const t = p.terms as { corridorId?: string; version?: number } | undefined;
      if (kind !== 'corridor' || !t || t.corridorId !== id) throw new AuditError('its terms do not belong to its corridor', index);
      terms.set(`${id}@${t.version}`, canonicalJson(t));
      return;
    }
    case 'guarantee.given': {
      const key = signingKey(index, 'guarantee', p.partyId, p.kid, keys);
      const payload = await verifiedPayload(String(p.jws), key);
      if (!payload) throw new AuditError(`the guarantee JWS of ${String(p.partyId)} does not verify with its key ${String(p.kid)}`, index);
      const expected = terms.get(`${id}@${String(p.version)}`);
      if (expected === undefined || decoder.decode(payload) !== expected) {
        throw new AuditError(`the guarantee of ${String(p.partyId)} signs something other than version ${String(p.version)} of the logged terms`, index);
      }
      tally.guarantees += 1;
      const guaranteeId = String(p.guaranteeId);
      tally.given.set(guaranteeId, { guaranteeId, index, corridorId: id ?? '', partyId: String(p.partyId), version: Number(p.version), kid: String(p.kid), time: e.time });
      return;
    }
    case 'guarantee.voided': {
      // The server voids a guarantee only because its key was declared compromised, before this
      // entry, from a `since` at or before the moment the guarantee was recorded. A key retired
      // as superseded voids nothing: what it signed while it stood still binds.
      const key = keys.get(String(p.kid));
      const whose = `guarantees of ${String(p.partyId)} made with key ${String(p.kid)}`;
      if (!key || key.revokedAt === undefined || key.revokedAt > index) throw new AuditError(`it voids ${whose}, which had not been revoked`, index);
      const compromise = key.compromise;
      if (!compromise || compromise.index > index) {
        throw new AuditError(`it voids ${whose}, which was revoked as superseded (routine rotation, entry ${key.revokedAt}), not compromised: what it signed still binds`, index);
      }
      if (p.since !== undefined && p.since !== compromise.stated) throw new AuditError(`it voids ${whose} as compromised since ${String(p.since)}, but the key was declared compromised since ${compromise.stated} (entry ${compromise.index})`, index);
      const ids = Array.isArray(p.guaranteeIds) ? p.guaranteeIds.map(String) : [];
      if (ids.length === 0) throw new AuditError(`it voids ${whose} but names none`, index);
      for (const gid of ids) {
        const g = tally.given.get(gid);
        if (!g || g.kid !== String(p.kid) || g.corridorId !== id) throw new AuditError(`it voids guarantee ${gid}, which the log holds for no corridor ${String(id)} with key ${String(p.kid)}`, index);
        if (Date.parse(g.time) < Date.parse(compromise.since)) {
          throw new AuditError(`it voids guarantee ${gid} of ${g.partyId} (entry ${g.index}), recorded ${g.time}, before key ${g.kid} was compromised (since ${compromise.since}): that guarantee stands`, index);
        }
      }
      return;
    }
    case 'ledger.protocol.recorded':
    case 'ledger.protocol.corrected': {
      // Public protocols carry their text; private ones only its hash (nothing to check against).
      const text = (p.body as { text?: unknown } | undefined)?.text;
      if (text !== undefined) terms.set(`protocol:${id}@${String(p.version)}`, canonicalJson(text));
      return;
    }
    case 'ledger.protocol.signed': {
      const key = signingKey(index, 'protocol signature', p.partyId, p.kid, keys);
      tally.signed.push({ index, protocolId: id ?? '', partyId: String(p.partyId), version: Number(p.version), kid: String(p.kid), time: e.time });
      if (p.jws === undefined) {
        tally.privateProtocolSignatures += 1;
        return;
      }
      if (sha256Hex(String(p.jws)) !== p.jwsSha256) throw new AuditError(`the protocol signature of ${String(p.partyId)} does not match the hash logged with it`, index);
      const payload = await verifiedPayload(String(p.jws), key);
      if (!payload) throw new AuditError(`the protocol signature JWS of ${String(p.partyId)} does not verify with its key ${String(p.kid)}`, index);
      const expected = terms.get(`protocol:${id}@${String(p.version)}`);
      if (expected === undefined || decoder.decode(payload) !== expected) {
        throw new AuditError(`the protocol signature of ${String(p.partyId)} signs something other than version ${String(p.version)} of the logged protocol text`, index);
      }
      tally.protocolSignatures += 1;
      return;
    }
    default:
      return;
  }
}
