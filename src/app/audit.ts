import { compactVerify, importJWK, type JWK } from 'jose';
import { publicKeyFromJwk, sha256, verify, weakJwk } from '../crypto/index.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { isDomainError } from '../domain/errors.js';
import { signedWhileCompromised } from '../domain/guarantee-rules.js';
import type { RevocationReason } from '../domain/key-revocation.js';
import {
  actionOfEntry,
  commitmentOfEntry,
  cosignerName,
  createCosignatureVerifier,
  createVerifierFromKey,
  encodeBase64,
  entryProblemAt,
  equalBytes,
  frontierRoot,
  INSPECTED_ACTIONS,
  isLogError,
  missingEntryMessage,
  nodeRange,
  openCheckpoint,
  openingProblem,
  otherLogOrigin,
  parseSignedNote,
  RESTRICTED,
  StreamingRoot,
  verifyConsistency,
  verifySignature,
  witnessCosignatures,
  type Checkpoint,
  type EntryProblem,
  type NoteVerifier,
} from '../domain/log/index.js';
import type { NodeProblem, ParallelScanOptions, RangeScan } from '../store/log-scan.js';
import { sha256Hex } from './deps.js';
import { MAX_ENTRIES_PAGE, nodeRowId, treeHasher, type StoredLog } from './log.js';

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
  /** Where the log is read from, in messages: "this server" unless said otherwise ("this database"). */
  readonly where?: string;
  /**
   * Sources that hold the store itself (`verify --db`) offer what the server keeps beside the
   * entries: every head it signed and its running state. The audit then checks each stored head
   * (its signature, and its root against the entries at its size) and scans the log to the
   * store's size, reporting the entries after the newest head rather than stopping there.
   */
  stored?(): Promise<StoredLog>;
  /** The stored tree nodes (hex) of these row ids (`nodeRowId`), for `--nodes`: those missing are absent. */
  storedNodes?(ids: readonly number[]): Promise<Map<number, string>>;
  /** Every opening the store keeps for an index below `end`, by index, with its entry's text (null when there is none). */
  openings?(end: number): AsyncIterable<{ index: number; opening: string; entry: string | null }>;
  /**
   * The opening of restricted entry `index` as the server hands it to the caller, or undefined when
   * it does not (404: not a record the caller may see): `verify --url --openings`.
   */
  opening?(index: number): Promise<{ commitment: string; opening: unknown } | undefined>;
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

/** An entry whose bytes no longer hash to the leaf recorded when it was appended, found where a root did not match. */
const ALTERED = 'its bytes do not hash to the leaf recorded when it was appended (the entry was altered afterwards)';

/** Finds the first entry whose bytes no longer hash to the leaf recorded at append time. */
async function locateAlteredEntry(source: LogSource, size: number): Promise<void> {
  if (!source.recordedLeaves) return;
  const pageSize = source.pageSize ?? MAX_ENTRIES_PAGE;
  for (let start = 0; start < size; start += pageSize) {
    const end = Math.min(start + pageSize, size);
    const [page, leaves] = await Promise.all([source.entries(start, end), source.recordedLeaves(start, end)]);
    for (const row of page) {
      const recorded = leaves.get(row.index);
      if (recorded && !equalBytes(leafOf(row), recorded)) throw new AuditError(ALTERED, row.index);
    }
  }
}

/** The audit's error for a problem found with the entry at position i (`size`: the entries the log should hold, by `whose` word). */
function problemError(i: number, problem: EntryProblem, size: number, whose?: string): AuditError {
  return new AuditError(problem.missing ? missingEntryMessage(size, i, whose) : problem.message, i);
}

/** The audit's words for a stored tree node that is missing or not the one the entries give. */
function nodeError(p: NodeProblem): AuditError {
  const { start, end } = nodeRange(p);
  const what = p.level === 0 ? `the leaf of entry ${p.index}` : `the subtree of entries ${start}–${end - 1}`;
  const how = p.problem === 'missing' ? 'is missing from log_nodes' : 'stored in log_nodes is not the one the entries give';
  return new AuditError(`tree node ${p.level}/${p.index} (level ${p.level}, index ${p.index}: ${what}) ${how}: the stored tree the server builds its proofs from is damaged (proofs through that node will not verify), though the entries are intact`);
}

/** A domain failure the store reports about itself (`log_damaged`), as the audit's finding; anything else as it is. */
function asAuditError(e: unknown): unknown {
  return isDomainError(e) && e.code === 'log_damaged' ? new AuditError(e.message) : e;
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
  /** `verify --db`: the signed heads the store holds, each checked (signature and root). */
  readonly heads?: number;
  /** `verify --db`: entries after the newest signed head (all of them when there is none yet), checked but not yet under a signed head. */
  readonly unsigned?: number;
  /** Openings checked against their entries' commitments (`verify --db`: all; `--url --openings`: those handed out), and those the server did not hand to this caller. */
  readonly openings?: { checked: number; hidden: number };
  /** `verify --db --nodes`: stored tree nodes compared with the recomputed ones. */
  readonly nodes?: number;
  /** The newest signed head as read (with its cosignatures); absent only for a database whose server has signed none yet. */
  readonly checkpoint?: string;
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
 * given a checkpoint saved earlier — that the log still extends it. Reading a store (`stored`),
 * every head the server signed is checked too, and the openings and (`nodes`) the tree nodes it
 * keeps; nothing is written.
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
    /** Compare every stored tree node with the recomputed one (a source with `storedNodes`: `verify --db --nodes`). */
    nodes?: boolean;
    /** Check the opening of each restricted entry the server hands this caller (a source with `opening`: `verify --url --openings`). */
    openings?: boolean;
  },
): Promise<AuditReport> {
  try {
    return await audit(source, opts);
  } catch (e) {
    throw asAuditError(e);
  }
}

/** The pinned key's verifier; a key that is not one is refused. */
function pinnedVerifier(logKey: string): NoteVerifier {
  try {
    return createVerifierFromKey(logKey.trim(), verify, sha256);
  } catch (e) {
    throw new AuditError(`the pinned log key is not a verifier key (name+keyid+base64): ${(e as Error).message}`);
  }
}

/**
 * Opens a signed head with the pinned key, telling a head of another log (origin ≠ the key's name)
 * from one that does not verify.
 */
function openHead(text: string, verifier: NoteVerifier, what: string, where: string): Checkpoint {
  const origin = otherLogOrigin(text, verifier.name);
  if (origin !== undefined) {
    throw new AuditError(`${where}'s log is ${origin}, but the pinned key is for ${verifier.name}: pin the key of the log you audit (\`passage log key\` prints it), or audit the log the key is for`);
  }
  try {
    return openCheckpoint(text, { log: verifier }).checkpoint;
  } catch (e) {
    throw new AuditError(`${what} does not verify with the pinned log key: ${(e as Error).message}`);
  }
}

/** A root the recomputed tree must give at a size: a stored or served signed head's, or the saved one's. */
interface ExpectedRoot {
  readonly root: Uint8Array;
  readonly saved?: boolean;
  readonly stored?: boolean;
}

async function audit(source: LogSource, opts: Parameters<typeof auditLog>[1]): Promise<AuditReport> {
  const logVerifier = pinnedVerifier(opts.logKey);
  const where = source.where ?? 'this server';
  const stored = source.stored ? await source.stored() : undefined;
  const text = stored ? stored.checkpoint : await source.checkpoint();
  const head = text === undefined ? undefined : openHead(text, logVerifier, `${where === 'this server' ? "the server's" : `${where}'s newest`} tree head`, where);
  // The sizes at which the recomputed tree's root is checked, with the root it must have.
  const roots = new Map<number, ExpectedRoot>();
  if (stored) {
    for (const h of stored.heads) {
      const cp = openHead(h.note, logVerifier, `the signed head of size ${h.size} stored in ${where}`, where);
      if (cp.size !== h.size) throw new AuditError(`the head stored for size ${h.size} in ${where} is a signed head of size ${cp.size}`);
      if (encodeBase64(cp.rootHash) !== h.root) {
        throw new AuditError(`the head of size ${h.size} stored in ${where} signs root ${encodeBase64(cp.rootHash)}, but its root column says ${h.root}: the server would compare its tree with a root it did not sign`);
      }
      roots.set(h.size, { root: cp.rootHash, stored: true });
    }
    if (head && head.size > stored.state.size) {
      throw new AuditError(`${where} holds a signed head of size ${head.size}, but its log holds ${stored.state.size} entries (log_state): entries were removed`);
    }
  } else if (head) {
    roots.set(head.size, { root: head.rootHash });
  }
  // The entries to read: to the store's size (entries after the newest head are checked too), else to the head's.
  const target = stored ? stored.state.size : (head?.size ?? 0);
  let saved: Checkpoint | undefined;
  if (opts.since !== undefined) {
    try {
      saved = openCheckpoint(opts.since, { log: logVerifier, origin: head?.origin ?? logVerifier.name }).checkpoint;
    } catch (e) {
      throw new AuditError(`the saved checkpoint does not verify with the pinned log key: ${(e as Error).message}`);
    }
    if (saved.size > target) {
      throw new AuditError(`${where === 'this server' ? 'the server now shows' : `${where} now holds`} ${target} entries, but you saved a head of ${saved.size}: the log was truncated or forked`);
    }
    const other = roots.get(saved.size);
    if (other && !equalBytes(other.root, saved.rootHash)) {
      throw new AuditError(`two different roots were signed for size ${saved.size}: ${encodeBase64(saved.rootHash)} in the head you saved, ${encodeBase64(other.root)} in ${where}: the log forked`);
    }
    if (!other) roots.set(saved.size, { root: saved.rootHash, saved: true });
    else roots.set(saved.size, { ...other, saved: true });
  }

  const tree = new StreamingRoot(treeHasher);
  const keys = new Map<string, KeyRecord>();
  const terms = new Map<string, string>(); // `${corridorId}@${version}` -> canonical terms
  const tally: Tally = { guarantees: 0, protocolSignatures: 0, privateProtocolSignatures: 0, given: new Map(), signed: [] };
  const restricted: number[] = [];
  // With --openings, the restricted entries' texts, to check the openings the server hands out.
  const restrictedText = new Map<number, string>();
  // The first entry whose bytes do not hash to the leaf the source recorded (served with it).
  let leafMismatch: number | undefined;
  const lastHead = stored?.heads.at(-1)?.size ?? head?.size ?? 0;
  const missingBy = stored && target !== lastHead ? `${where}'s log_state` : undefined;

  /** Checks the root at `size` if one is expected there; `root` computes it. */
  const checkRootAt = async (size: number, root: () => Uint8Array): Promise<void> => {
    const want = roots.get(size);
    if (!want) return;
    const got = root();
    if (equalBytes(got, want.root)) return;
    if (leafMismatch !== undefined && leafMismatch < size) throw new AuditError(ALTERED, leafMismatch);
    await locateAlteredEntry(source, size);
    if (want.saved) throw new AuditError(`the first ${size} entries no longer hash to the head you saved (root ${encodeBase64(want.root)}): history before it was rewritten`);
    if (want.stored) {
      throw new AuditError(`the first ${size} entries hash to ${encodeBase64(got)}, not to the root ${encodeBase64(want.root)} the server signed for size ${size} (a head ${where} holds): history under a signed head was rewritten`);
    }
    throw new AuditError(`the ${size} entries hash to ${encodeBase64(got)}, not to the signed root ${encodeBase64(want.root)}`);
  };
  if (roots.has(0)) await checkRootAt(0, () => tree.root());

  // --nodes: the nodes the auditor's own tree computes (leaves read entry by entry, and the
  // subtrees merged across ranges), compared with the store's in batches.
  const nodesWanted = opts.nodes === true;
  if (nodesWanted && !source.storedNodes) throw new AuditError(`${where} does not give its tree nodes: --nodes needs a database (--db)`);
  let nodesChecked = 0;
  const pendingNodes: { level: number; index: number; hash: string }[] = [];
  if (nodesWanted) tree.onNode = (level, index, buf, at) => pendingNodes.push({ level, index, hash: Buffer.from(buf.subarray(at, at + 32)).toString('hex') });
  const flushNodes = async (): Promise<void> => {
    if (pendingNodes.length === 0 || !source.storedNodes) return;
    const batch = pendingNodes.splice(0);
    const storedHashes = await source.storedNodes(batch.map((n) => nodeRowId(n.level, n.index)));
    for (const n of batch) {
      const h = storedHashes.get(nodeRowId(n.level, n.index));
      if (h !== n.hash) throw nodeError({ level: n.level, index: n.index, problem: h === undefined ? 'missing' : 'differs' });
    }
    nodesChecked += batch.length;
  };

  const progress = (done: number): void => opts.onProgress?.(done, target);
  if (source.scan && target > 0 && target >= (opts.scanFrom ?? 0)) {
    // By ranges, in parallel for long logs: aligned ranges, with the sizes whose root is checked
    // inside a range handed to the scans as cut points (each records its compact range there).
    const chunk = opts.scanChunk ?? SCAN_CHUNK;
    const ranges: [number, number][] = [];
    for (let from = 0; from < target; from += chunk) ranges.push([from, Math.min(from + chunk, target)]);
    const cuts = [...roots.keys()].filter((n) => n > 0 && n < target && n % chunk !== 0).sort((a, b) => a - b);
    const scanOpts: ParallelScanOptions = { ...(target < WORKERS_FROM ? { threads: 1 } : {}), ...opts.scan, ...(cuts.length > 0 ? { cuts } : {}), ...(nodesWanted ? { nodes: true } : {}) };
    for await (const r of source.scan(ranges, scanOpts)) {
      const limit = r.error?.index ?? r.end;
      let k = 0;
      for (const c of r.cuts) {
        if (c.size > limit) break;
        for (; k < r.inspected.length && (r.inspected[k] as { index: number }).index < c.size; k++) {
          const x = r.inspected[k] as { index: number; text: string };
          await inspectText(x.index, actionOfEntry(x.text) ?? '', x.text, keys, terms, tally);
        }
        await checkRootAt(c.size, () => {
          const t = tree.clone();
          for (const n of c.nodes) t.pushSubtree(n.level, n.hash);
          return t.root();
        });
      }
      for (; k < r.inspected.length; k++) {
        const x = r.inspected[k] as { index: number; text: string };
        if (x.index >= limit) break;
        await inspectText(x.index, actionOfEntry(x.text) ?? '', x.text, keys, terms, tally);
      }
      if (r.error) throw problemError(r.error.index, r.error.problem, target, missingBy);
      for (const i of r.restricted) restricted.push(i);
      for (const n of r.nodes) tree.pushSubtree(n.level, n.hash);
      await checkRootAt(tree.size, () => tree.root());
      if (r.nodeCheck) {
        if (r.nodeCheck.error) throw nodeError(r.nodeCheck.error);
        nodesChecked += r.nodeCheck.checked;
      }
      await flushNodes();
      progress(r.end);
    }
  } else {
    // Up to PAGES_AHEAD pages are asked for ahead, so the round trips to a distant server overlap
    // each other and the hashing. A page that fails is reported when its turn comes.
    const pageSize = source.pageSize ?? MAX_ENTRIES_PAGE;
    const ahead: Promise<Awaited<ReturnType<LogSource['entries']>>>[] = [];
    let asked = 0;
    const askAhead = (): void => {
      while (ahead.length < PAGES_AHEAD && asked < target) {
        const page = source.entries(asked, Math.min(asked + pageSize, target));
        page.catch(() => undefined); // handled when awaited in turn (or moot once the audit fails)
        ahead.push(page);
        asked += pageSize;
      }
    };
    askAhead();
    for (let start = 0; start < target; start += pageSize) {
      const end = Math.min(start + pageSize, target);
      const page = await (ahead.shift() as Promise<Awaited<ReturnType<LogSource['entries']>>>);
      askAhead();
      for (let i = start; i < end; i++) {
        const row = page[i - start];
        if (!row) {
          // The page ends before position i. Whether the log ends here or skips entry i shows in
          // the next entry it holds, so a dropped entry is named the same way at a page's end as
          // inside one ("found entry i+1 where entry i should be").
          const later = (await source.entries(i, Math.min(i + pageSize, target)))[0];
          const problem = later && entryProblemAt(i, { index: later.index, text: later.text ?? decoder.decode(later.entry) });
          throw problemError(i, problem ?? { missing: true }, target, missingBy);
        }
        if (row.text === undefined && row.entry === undefined) throw new AuditError('the source returned an entry without bytes', i);
        const entryText = row.text ?? decoder.decode(row.entry);
        const problem = entryProblemAt(i, { index: row.index, text: entryText });
        if (problem) throw problemError(i, problem, target, missingBy);
        const leaf = leafOf(row);
        tree.pushLeafHash(leaf);
        // A recorded leaf that differs is either an altered entry (then the root does not match
        // either, and the entry is named as altered) or a damaged stored tree (the entries still
        // give the signed root): which, the next root checked tells.
        if (leafMismatch === undefined && row.leafHash !== null && row.leafHash !== undefined && !equalBytes(leaf, row.leafHash)) leafMismatch = i;
        const action = actionOfEntry(entryText);
        if (action !== undefined && INSPECTED_ACTIONS.has(action)) await inspectText(i, action, entryText, keys, terms, tally);
        else if (action === RESTRICTED) {
          restricted.push(i);
          if (opts.openings) restrictedText.set(i, entryText);
        }
        if (roots.has(tree.size)) await checkRootAt(tree.size, () => tree.root());
      }
      if (pendingNodes.length >= 2_000) await flushNodes();
      progress(end);
    }
    await flushNodes();
  }
  if (stored) {
    // What the server signs next comes from log_state's frontier: it must be the entries' root.
    const next = frontierRoot(stored.state.frontier, treeHasher);
    if (!equalBytes(tree.root(), next)) {
      throw new AuditError(`${where}'s log_state gives root ${encodeBase64(next)} for its ${target} entries, but they hash to ${encodeBase64(tree.root())}: the server would sign a root its entries do not give`);
    }
    if (saved && saved.size > 0 && !roots.get(saved.size)?.stored) {
      throw new AuditError(`${where} holds no signed head of size ${saved.size}, the head you saved: the record of the heads its server signed was cut`);
    }
  }
  if (leafMismatch !== undefined) {
    throw new AuditError(
      `the leaf hash ${where} recorded for it does not match its bytes, which do hash into the signed root: the stored tree the server builds its proofs from is damaged (its proofs for this entry will not verify), not the entry`,
      leafMismatch,
    );
  }
  if (saved && saved.size > 0 && head) {
    const proof = await source.consistency(saved.size, head.size);
    try {
      verifyConsistency(saved.size, head.size, proof, saved.rootHash, head.rootHash, treeHasher);
    } catch (e) {
      throw new AuditError(
        `the server's consistency proof from ${saved.size} to ${head.size} does not verify: ${(e as Error).message}; the entries give both roots, so the stored tree the server builds its proofs from is damaged`,
      );
    }
  }

  const openings = await checkOpenings(source, opts, target, restricted, restrictedText);

  // Cosignatures: each party's witness line (once per party and key) must verify with that party's key.
  const cosignedBy: string[] = [];
  const unknownSignatures: string[] = [];
  if (head && text !== undefined) {
    const note = parseSignedNote(text);
    const found = witnessCosignatures(note, head.origin);
    unknownSignatures.push(...found.unknown);
    for (const { partyId, signature: sig } of found.cosignatures) {
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
      if (!cosignedBy.includes(partyId)) cosignedBy.push(partyId);
    }
  }
  return {
    origin: head?.origin ?? logVerifier.name,
    size: head?.size ?? 0,
    root: encodeBase64(head?.rootHash ?? treeHasher.emptyRoot()),
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
    ...(stored ? { heads: stored.heads.length, unsigned: target - (head?.size ?? 0) } : {}),
    ...(openings ? { openings } : {}),
    ...(nodesWanted ? { nodes: nodesChecked } : {}),
    ...(text !== undefined ? { checkpoint: text } : {}),
  };
}

/** Requests for openings in flight at once (`verify --url --openings`). */
const OPENINGS_AHEAD = 4;

/**
 * The openings: from a store, every one it keeps, each against its entry's commitment, and every
 * restricted entry must have one; from a server (`openings`), each one it hands this caller.
 */
async function checkOpenings(
  source: LogSource,
  opts: { openings?: boolean },
  target: number,
  restricted: readonly number[],
  restrictedText: ReadonlyMap<number, string>,
): Promise<{ checked: number; hidden: number } | undefined> {
  const missing = (i: number): AuditError =>
    new AuditError('it is a restricted entry, but its opening is missing from the store (log_openings): the members who may see its record can no longer check it', i);
  if (source.openings) {
    let r = 0;
    let checked = 0;
    for await (const o of source.openings(target)) {
      if (r < restricted.length && (restricted[r] as number) < o.index) throw missing(restricted[r] as number);
      if (restricted[r] === o.index) r++;
      let opening: unknown;
      try {
        opening = JSON.parse(o.opening);
      } catch {
        throw new AuditError('the opening kept for it is not JSON (log_openings)', o.index);
      }
      const problem = o.entry === null ? 'an opening is kept for it, but the log holds no such entry' : openingProblem(o.entry, opening, canonicalJson, sha256);
      if (problem !== undefined) throw new AuditError(`${problem} (log_openings)`, o.index);
      checked++;
    }
    if (r < restricted.length) throw missing(restricted[r] as number);
    return { checked, hidden: 0 };
  }
  if (!opts.openings) return undefined;
  const ask = source.opening;
  if (!ask) throw new AuditError('this source hands out no openings');
  let checked = 0;
  let hidden = 0;
  const indexes = [...restrictedText.keys()];
  for (let k = 0; k < indexes.length; k += OPENINGS_AHEAD) {
    const batch = indexes.slice(k, k + OPENINGS_AHEAD);
    const got = await Promise.all(batch.map((i) => ask.call(source, i)));
    for (let b = 0; b < batch.length; b++) {
      const i = batch[b] as number;
      const o = got[b];
      if (o === undefined) {
        hidden++;
        continue;
      }
      const entryText = restrictedText.get(i) as string;
      const problem = openingProblem(entryText, o.opening, canonicalJson, sha256);
      if (problem !== undefined) throw new AuditError(`${problem} (as the server hands it out)`, i);
      if (o.commitment !== commitmentOfEntry(entryText)) throw new AuditError(`the server hands its opening out with commitment ${o.commitment}, which is not the entry's`, i);
      checked++;
    }
  }
  return { checked, hidden };
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
