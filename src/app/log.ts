import { sql } from 'kysely';
import { createNodeTreeHasher, createSigner, privateKeyFromJwk, publicKeyFromJwk, sha256, verify } from '../crypto/index.js';
import { authorize, type Actor } from '../domain/authorization.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import {
  appendLeaf,
  createCosignatureVerifier,
  createEd25519NoteSigner,
  decodeBase64,
  encodeBase64,
  formatCheckpoint,
  formatSignatureLine,
  formatVerifierKey,
  frontierFromJson,
  frontierRoot,
  frontierToJson,
  isLogError,
  parseSignatureLine,
  proofNodeIds,
  assembleProof,
  consistencyProofNodes,
  inclusionProofNodes,
  nodeKey,
  signNote,
  cosignerName,
  verifySignature,
  openingCommitment,
  entryFields,
  RESTRICTED,
  type LogOpening,
  type RestrictedPayload,
  type NodeId,
  type ProofStep,
  type TreeHasher,
  type Frontier,
  verifyConsistency,
} from '../domain/log/index.js';
import { scanSqliteParallel, type ParallelScanOptions, type RangeScan } from '../store/log-scan.js';
import type { Store, Tx } from '../store/store.js';
import { nowIso, type Deps, type Unit } from './deps.js';

export interface LogInput {
  /** Member id, or `system` for the server's own actions (e.g. expiry). */
  readonly actor: string;
  /** What happened, e.g. `corridor.proposed`. */
  readonly action: string;
  /** What it happened to, e.g. `corridor/cor_abc`. */
  readonly subject: string;
  readonly payload: unknown;
  /**
   * A need-to-know record (a protected site, a movement, an incident with a distribution, a
   * non-public ledger version): the entry's bytes show only a commitment to what happened
   * (src/domain/log/restricted.ts), and its opening is kept for those who may see the record.
   */
  readonly restricted?: boolean;
}

export interface LogEntry extends LogInput {
  readonly index: number;
  readonly time: string;
}

/** One hasher per process: leaves through node:crypto, interior nodes in place (see src/crypto/sha256.ts). */
export const treeHasher: TreeHasher = createNodeTreeHasher();

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The row key of tree node (level, index): level·2^47 + index. Levels ≤ 63 and indexes < 2^47 stay exact. */
export function nodeRowId(level: number, index: number): number {
  return level * 2 ** 47 + index;
}
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** The exact bytes of an entry: RFC 8785 JSON of its fields. What the Merkle leaf hashes. */
export function entryText(e: LogEntry): string {
  return canonicalJson({ index: e.index, time: e.time, actor: e.actor, action: e.action, subject: e.subject, payload: e.payload ?? null });
}

/**
 * Appends one entry to the log, inside the caller's transaction, so the state change and its
 * record land together or not at all: the entry, the tree nodes it completes (two rows on
 * average) and the new frontier. O(log n); nothing is recomputed. Entries and nodes are never
 * updated or deleted (the database refuses it). On PostgreSQL the one log_state row is locked,
 * which serialises appenders so indexes stay dense.
 */
export async function appendLog(u: Unit, input: LogInput): Promise<LogEntry> {
  const state = await readLogState(u.tx, u.deps.store.engine === 'postgres');
  const index = state.size;
  const { restricted, ...fields } = input;
  const entry: LogEntry = { ...fields, payload: input.payload ?? null, index, time: new Date(u.deps.now()).toISOString() };
  let opening: LogOpening | undefined;
  let openingText: string | undefined;
  let shown = entry;
  if (restricted) {
    opening = { salt: hex(u.deps.randomBytes(32)), actor: entry.actor, action: entry.action, subject: entry.subject, payload: entry.payload };
    openingText = canonicalJson(opening);
    const payload: RestrictedPayload = { commitment: openingCommitment(opening, () => openingText as string, sha256) };
    shown = { index, time: entry.time, actor: RESTRICTED, action: RESTRICTED, subject: RESTRICTED, payload };
  }
  const text = entryText(shown);
  const leaf = treeHasher.hashLeaf(new TextEncoder().encode(text));
  const { frontier, completed } = appendLeaf(state.frontier, leaf, treeHasher);
  // The head columns keep the real actor, action and subject even for a restricted entry: they are
  // the server's own index (what changed since, for the caches that follow the log), never served;
  // what members read and verify are the entry's bytes.
  await u.tx
    .insertInto('log_entries')
    .values({ idx: index, time: entry.time, actor: entry.actor, action: entry.action, subject: entry.subject, entry: text })
    .execute();
  if (openingText !== undefined) await u.tx.insertInto('log_openings').values({ idx: index, opening: openingText }).execute();
  await u.tx
    .insertInto('log_nodes')
    .values(completed.map((n) => ({ id: nodeRowId(n.level, n.index), hash: hex(n.hash) })))
    .execute();
  await u.tx.updateTable('log_state').set({ size: frontier.size, frontier: JSON.stringify(frontierToJson(frontier)) }).where('id', '=', 1).execute();
  return entry;
}

/**
 * The server's own store found damaged or inconsistent (a missing or garbled tree node, a stored
 * head the tree contradicts, a garbled log_state, an opening that does not match its entry): 503
 * `log_damaged`, naming what, and never a 404 or a bare 500. `passage verify` and `log watch` read
 * it as a failed verification (exit 6).
 */
export function logDamaged(what: string): DomainError {
  return new DomainError('log_damaged', `the log store is damaged: ${what}`);
}

/** A stored node hash: 64 lowercase hex digits. */
const NODE_HEX = /^[0-9a-f]{64}$/;

/** Reads tree nodes in one query; a missing or garbled one is a damaged store (`log_damaged`). */
export async function readNodes(db: Tx, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  if (ids.length === 0) return [];
  const keys = ids.map((id) => nodeRowId(id.level, id.index));
  const rows = await db.selectFrom('log_nodes').select(['id', 'hash']).where('id', 'in', keys).execute();
  const byKey = new Map(rows.map((r) => [Number(r.id), r.hash]));
  return ids.map((id, i) => {
    const h = byKey.get(keys[i] as number);
    if (h === undefined) throw logDamaged(`tree node ${nodeKey(id)} (level ${id.level}, index ${id.index}) is missing from log_nodes`);
    if (!NODE_HEX.test(h)) throw logDamaged(`tree node ${nodeKey(id)} (level ${id.level}, index ${id.index}) in log_nodes is not a SHA-256 hash`);
    return unhex(h);
  });
}

/** The log's running state (log_state): its size and frontier, checked; missing or garbled, the store is damaged. */
export interface LogState {
  readonly size: number;
  readonly frontier: Frontier;
}

/** Reads log_state (locked FOR UPDATE when `lock`: appenders on PostgreSQL), refusing a row that is missing or does not parse. */
export async function readLogState(db: Tx, lock = false): Promise<LogState> {
  const row = (await sql<{ size: string | number; frontier: string }>`SELECT size, frontier FROM log_state WHERE id = 1${lock ? sql` FOR UPDATE` : sql``}`.execute(db)).rows[0];
  if (!row) throw logDamaged('log_state, the log’s size and frontier, is missing');
  let frontier: Frontier;
  try {
    frontier = frontierFromJson(JSON.parse(row.frontier));
  } catch (e) {
    throw logDamaged(`log_state’s frontier is not one (${e instanceof SyntaxError ? 'not JSON' : (e as Error).message})`);
  }
  if (frontier.size !== Number(row.size)) throw logDamaged(`log_state says size ${String(row.size)}, but its frontier is of size ${frontier.size}`);
  return { size: frontier.size, frontier };
}

export async function logSize(db: Tx): Promise<number> {
  const row = await db.selectFrom('log_state').select('size').where('id', '=', 1).executeTakeFirst();
  if (!row) throw logDamaged('log_state, the log’s size and frontier, is missing');
  return Number(row.size);
}

/**
 * Answers computed from the recorded state alone, kept until the log grows: every change to that
 * state appends an entry, so an unchanged size means an unchanged answer (a second server on the
 * same database appends to the same log). The promise is kept, so concurrent requests share one
 * computation; a failed one is forgotten. At most MEMO_KEYS answers per store (languages × hosts).
 */
const memos = new WeakMap<Store, { size: number; values: Map<string, Promise<unknown>> }>();
const MEMO_KEYS = 16;

export async function untilLogGrows<T>(deps: Deps, key: string, compute: () => Promise<T>): Promise<{ value: T; logSize: number }> {
  const size = await logSize(deps.store.db);
  let m = memos.get(deps.store);
  if (!m || m.size !== size) memos.set(deps.store, (m = { size, values: new Map() }));
  let p = m.values.get(key) as Promise<T> | undefined;
  if (!p) {
    if (m.values.size >= MEMO_KEYS) m.values.clear();
    const values = m.values;
    p = compute();
    values.set(key, p);
    p.catch(() => values.get(key) === p && values.delete(key));
  }
  return { value: await p, logSize: size };
}

/** `value` must lie in [0, max]; `why` says where the bound comes from ("the log has N entries"). */
function checkRange(name: string, value: number, max: number, why: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new DomainError('validation_failed', `${name} must be a whole number from 0 to ${max} (${why})`, { details: [{ path: `/${name}`, message: 'out of range' }] });
  }
}

const logHas = (n: number): string => `the log has ${n} entries`;

export async function inclusionProof(db: Tx, index: number, size: number): Promise<Uint8Array[]> {
  const current = await logSize(db);
  checkRange('size', size, current, logHas(current));
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new DomainError('validation_failed', `index must be below size (${size})`, { details: [{ path: '/index', message: 'out of range' }] });
  return (await assembleProofs(db, [inclusionProofNodes(index, size)]))[0] as Uint8Array[];
}

export async function consistencyProof(db: Tx, from: number, to: number): Promise<Uint8Array[]> {
  const current = await logSize(db);
  checkRange('to', to, current, logHas(current));
  checkRange('from', from, to, 'it may not exceed to');
  return (await assembleProofs(db, [consistencyProofNodes(from, to)]))[0] as Uint8Array[];
}

/** Proofs from their steps, with one read of every stored node they need (shared nodes read once). */
async function assembleProofs(db: Tx, stepsList: readonly ProofStep[][]): Promise<Uint8Array[][]> {
  const ids = [...new Map(stepsList.flatMap((steps) => proofNodeIds(steps)).map((id) => [nodeKey(id), id])).values()];
  const hashes = await readNodes(db, ids);
  const nodes = new Map(ids.map((id, i) => [nodeKey(id), hashes[i] as Uint8Array]));
  return stepsList.map((steps) => assembleProof(steps, nodes, treeHasher));
}

/** Entries per page of one subject's entries, each with its inclusion proof (~25 node rows a proof). */
export const MAX_SUBJECT_PAGE = 200;

/** One entry of a subject, its exact bytes and its RFC 9162 inclusion proof up to the asked size. */
export interface SubjectEntry {
  readonly index: number;
  readonly entry: string;
  readonly proof: Uint8Array[];
}

/**
 * The entries about `subject` (e.g. `corridor/cor_…`) from index `start` up to tree size `size`,
 * each with its inclusion proof in the tree of that size: what a member's browser needs to check a
 * corridor's history against a signed head in one or two requests, instead of reading every entry
 * of the log to find them. `next` is the index to ask from for the rest, or null.
 *
 * Only entries whose served bytes name the subject: a restricted entry keeps its real subject in
 * the head column (the server's own index) but shows everyone `restricted`, so it is never
 * returned here (that would tell what it hides). The entry's own bytes are checked too, not just
 * the column. The answer proves each entry is in the log; that none is missing only an audit of
 * the whole log (`passage verify`) can show.
 */
export async function subjectEntries(db: Tx, subject: string, size: number, start: number, limit = MAX_SUBJECT_PAGE): Promise<{ entries: SubjectEntry[]; next: number | null }> {
  const current = await logSize(db);
  checkRange('size', size, current, logHas(current));
  const rows = await db
    .selectFrom('log_entries')
    .leftJoin('log_openings', 'log_openings.idx', 'log_entries.idx')
    .select(['log_entries.idx as idx', 'log_entries.entry as entry'])
    .where('log_entries.subject', '=', subject)
    .where('log_openings.idx', 'is', null)
    .where('log_entries.idx', '>=', start)
    .where('log_entries.idx', '<', size)
    .orderBy('log_entries.idx')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit).filter((r) => entryFields(r.entry)?.subject === subject);
  const next = rows.length > limit ? Number((rows[limit] as { idx: number }).idx) : null;
  const proofs = await assembleProofs(db, page.map((r) => inclusionProofNodes(Number(r.idx), size)));
  return { entries: page.map((r, i) => ({ index: Number(r.idx), entry: r.entry, proof: proofs[i] as Uint8Array[] })), next };
}

export interface StoredEntry {
  readonly index: number;
  /** The exact entry bytes as stored. */
  readonly entry: string;
  /** The leaf hash the tree recorded when the entry was appended (hex). */
  readonly leafHash: string | null;
}

export const MAX_ENTRIES_PAGE = 1000;

export async function readEntries(db: Tx, start: number, end: number): Promise<StoredEntry[]> {
  const rows = await db
    .selectFrom('log_entries')
    .leftJoin('log_nodes', 'log_nodes.id', 'log_entries.idx') // level 0: the node id is the index
    .select(['log_entries.idx as idx', 'log_entries.entry as entry', 'log_nodes.hash as leafHash'])
    .where('log_entries.idx', '>=', start)
    .where('log_entries.idx', '<', end)
    .orderBy('log_entries.idx')
    .execute();
  return rows.map((r) => ({ index: Number(r.idx), entry: r.entry, leafHash: r.leafHash }));
}

interface ServerKey {
  readonly origin: string;
  readonly publicKey: Uint8Array;
  readonly sign: (msg: Uint8Array) => Uint8Array;
}

async function serverKey(db: Tx): Promise<ServerKey> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', ['server_key', 'log_origin']).execute();
  const jwk = rows.find((r) => r.key === 'server_key')?.value;
  const origin = rows.find((r) => r.key === 'log_origin')?.value;
  if (!jwk || !origin) throw new DomainError('not_found', 'the server has no log key: run `passage init`');
  const parsed: unknown = JSON.parse(jwk);
  return { origin, publicKey: publicKeyFromJwk(parsed), sign: createSigner(privateKeyFromJwk(parsed)) };
}

/** The server's verifier key: name+hex(keyID)+base64(0x01‖pubkey), per C2SP signed-note. */
export async function serverVerifierKey(db: Tx): Promise<string> {
  const k = await serverKey(db);
  return formatVerifierKey(k.origin, k.publicKey, sha256);
}

/**
 * The latest tree head as a C2SP signed note, signed by the server and carrying every
 * cosignature received for it. A head is signed once per size and stored; the server refuses to
 * sign a second, different root for a size it already signed — the one thing that would let it
 * show two parties two histories — and, before signing a new size, proves from its stored nodes
 * that the new tree extends the last head it signed (O(log n) reads): a store whose history was
 * rewritten under signed heads is refused (`log_damaged`), never signed.
 */
export async function latestCheckpoint(deps: Deps): Promise<{ text: string; size: number }> {
  const db = deps.store.db;
  const state = await readLogState(db);
  const size = state.size;
  const rootBytes = frontierRoot(state.frontier, treeHasher);
  const root = encodeBase64(rootBytes);
  let head = await db.selectFrom('log_heads').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
  if (head !== undefined && Number(head.size) > size) {
    throw logDamaged(`the server signed a head of size ${String(head.size)}, but the log now holds ${size} entries (log_state): entries were removed`);
  }
  if (head === undefined || Number(head.size) < size) {
    if (head !== undefined) await assertExtends(db, { size: Number(head.size), root: head.root }, size, rootBytes);
    const key = await serverKey(db);
    const body = formatCheckpoint({ origin: key.origin, size, rootHash: rootBytes });
    const note = signNote(body, [createEd25519NoteSigner(key.origin, key.publicKey, key.sign, sha256)]);
    let failure: unknown;
    try {
      await db.insertInto('log_heads').values({ size, root, note, signed_at: nowIso(deps) }).execute();
    } catch (e) {
      failure = e; // another request (or server) may have signed this size first: its head is used
    }
    head = await db.selectFrom('log_heads').selectAll().where('size', '=', size).executeTakeFirst();
    if (!head) throw failure ?? new Error(`the head of size ${size} was not stored`);
  }
  if (head.root !== root) {
    throw logDamaged(`size ${size} was signed with root ${head.root}, but the stored tree now gives ${root}: refusing to serve the log`);
  }
  const cosigs = await db.selectFrom('log_cosignatures').select('line').where('size', '=', size).orderBy('created_at').execute();
  return { text: head.note + cosigs.map((c) => `${c.line}\n`).join(''), size };
}

/**
 * Throws `log_damaged` unless the tree of `size` with root `root` extends the signed head `last`:
 * a consistency proof assembled from the stored nodes must lead to both roots.
 */
async function assertExtends(db: Tx, last: { size: number; root: string }, size: number, root: Uint8Array): Promise<void> {
  const refuse = (why: string): DomainError =>
    logDamaged(`refusing to sign size ${size} (root ${encodeBase64(root)}): ${why}; the server signed size ${last.size} with root ${last.root}`);
  let lastRoot: Uint8Array;
  try {
    lastRoot = decodeBase64(last.root);
  } catch {
    throw refuse(`the stored head of size ${last.size} has a root that is not base64`);
  }
  let proof: Uint8Array[];
  try {
    proof = await consistencyProof(db, last.size, size);
  } catch (e) {
    if (isDomainError(e) && e.code === 'log_damaged') throw refuse(`no consistency proof can be built: ${e.message.replace(/^the log store is damaged: /, '')}`);
    throw e;
  }
  try {
    verifyConsistency(last.size, size, proof, lastRoot, root, treeHasher);
  } catch (e) {
    if (isLogError(e)) throw refuse(`the stored tree does not extend that head (${e.message})`);
    throw e;
  }
}

/**
 * Stores a party's cosignature (C2SP tlog-cosignature, Ed25519) over a tree head the server
 * signed, after verifying it against one of the party's registered keys.
 */
export async function submitCosignature(u: Unit, actor: Actor, body: { size: number; signature: string }): Promise<{ size: number; partyId: string; kid: string }> {
  authorize(actor, 'key.manage', { partyId: actor.partyId });
  const head = await u.tx.selectFrom('log_heads').selectAll().where('size', '=', body.size).executeTakeFirst();
  if (!head) throw new DomainError('not_found', `the server has not signed a tree head of size ${body.size}`);
  const origin = (await serverKey(u.tx)).origin;
  const noteBody = head.note.slice(0, head.note.indexOf('\n\n') + 1);
  let sig;
  try {
    sig = parseSignatureLine(body.signature.trim());
  } catch (e) {
    throw new DomainError('validation_failed', `not a signed-note signature line: ${(e as Error).message}`);
  }
  const expectedName = cosignerName(origin, actor.partyId);
  if (sig.name !== expectedName) throw new DomainError('key_not_of_party', `a cosignature of party ${actor.partyId} must use the key name ${expectedName}`);
  const keys = await u.tx.selectFrom('party_keys').selectAll().where('party_id', '=', actor.partyId).where('revoked_at', 'is', null).execute();
  const match = keys
    .map((k) => ({ k, verifier: createCosignatureVerifier(expectedName, publicKeyFromJwk(JSON.parse(k.jwk)), verify, sha256) }))
    .find(({ verifier }) => Buffer.from(verifier.keyId).equals(Buffer.from(sig.keyId)));
  if (match) {
    try {
      verifySignature(noteBody, sig, match.verifier);
    } catch (e) {
      if (isLogError(e)) throw new DomainError('signature_invalid', `the cosignature does not verify with the party’s key: ${e.message}`);
      throw e;
    }
    const line = formatSignatureLine(sig).trimEnd();
    await u.tx.deleteFrom('log_cosignatures').where('size', '=', body.size).where('party_id', '=', actor.partyId).execute();
    await u.tx.insertInto('log_cosignatures').values({ size: body.size, party_id: actor.partyId, kid: match.k.kid, line, member_id: actor.memberId, created_at: nowIso(u.deps) }).execute();
    return { size: body.size, partyId: actor.partyId, kid: match.k.kid };
  }
  throw new DomainError('key_unknown', `no registered key of party ${actor.partyId} matches the cosignature's key id`);
}

/** A tree head the server signed, as stored (`log_heads`). */
export interface StoredHead {
  readonly size: number;
  /** The root column (base64): what the server compares the tree with. */
  readonly root: string;
  /** The signed note as served, the server's signature only. */
  readonly note: string;
}

/** What a store keeps beside the entries, as `verify --db` audits it. */
export interface StoredLog {
  /** Every tree head the server signed, by size. */
  readonly heads: readonly StoredHead[];
  /** The newest head with the cosignatures received for it, as `GET /log/checkpoint` serves it (none before the first head is signed). */
  readonly checkpoint?: string;
  /** The log's size and frontier (log_state): what the server signs next. */
  readonly state: LogState;
}

/** Rows read at a time from log_openings. */
const OPENINGS_PAGE = 2_000;

/**
 * Reads the log straight from a database, for `passage verify --db` (the mediator's own audit, or
 * a copy): only reads, so that it works on a read-only file or with a read-only role, and never
 * signs — the audit checks the heads the server signed, it does not make one.
 */
export function databaseLogSource(deps: Deps): LogSourceLike {
  const db = deps.store.db;
  const raw = deps.store.sqlite?.prepare('SELECT idx, entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx').raw(true);
  const stored = async (): Promise<StoredLog> => {
    // Heads first, then the state: a head signed in between is of a size the state has reached.
    const rows = await db.selectFrom('log_heads').select(['size', 'root', 'note']).orderBy('size').execute();
    const heads = rows.map((r) => ({ size: Number(r.size), root: r.root, note: r.note }));
    const newest = heads.at(-1);
    const cosigs = newest === undefined ? [] : await db.selectFrom('log_cosignatures').select('line').where('size', '=', newest.size).orderBy('created_at').execute();
    const state = await readLogState(db);
    return { heads, state, ...(newest !== undefined ? { checkpoint: newest.note + cosigs.map((c) => `${c.line}\n`).join('') } : {}) };
  };
  return {
    pageSize: 10_000,
    where: 'this database',
    stored,
    checkpoint: async () => {
      const text = (await stored()).checkpoint;
      if (text === undefined) throw logDamaged('the store holds no signed tree head');
      return text;
    },
    // The fast path reads the entries alone, as text (hashed without a copy); recorded leaves
    // are read only to locate a mismatch. On SQLite a cached raw statement skips the query
    // builder: this loop runs a million times for a million entries.
    entries: async (start, end) => {
      if (raw) return (raw.all(start, end) as [number, string][]).map(([idx, entry]) => ({ index: Number(idx), text: entry }));
      const rows = await db.selectFrom('log_entries').select(['idx', 'entry']).where('idx', '>=', start).where('idx', '<', end).orderBy('idx').execute();
      return rows.map((r) => ({ index: Number(r.idx), text: r.entry }));
    },
    recordedLeaves: async (start, end) => {
      const rows = await db.selectFrom('log_nodes').select(['id', 'hash']).where('id', '>=', nodeRowId(0, start)).where('id', '<', nodeRowId(0, end)).execute();
      return new Map(rows.map((r) => [Number(r.id), unhex(r.hash)]));
    },
    storedNodes: async (ids) => {
      const out = new Map<number, string>();
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await db.selectFrom('log_nodes').select(['id', 'hash']).where('id', 'in', ids.slice(i, i + 1000)).execute();
        for (const r of rows) out.set(Number(r.id), r.hash);
      }
      return out;
    },
    openings: async function* (end) {
      for (let from = 0; ; ) {
        const rows = await db
          .selectFrom('log_openings')
          .leftJoin('log_entries', 'log_entries.idx', 'log_openings.idx')
          .select(['log_openings.idx as idx', 'log_openings.opening as opening', 'log_entries.entry as entry'])
          .where('log_openings.idx', '>=', from)
          .where('log_openings.idx', '<', end)
          .orderBy('log_openings.idx')
          .limit(OPENINGS_PAGE)
          .execute();
        for (const r of rows) yield { index: Number(r.idx), opening: r.opening, entry: r.entry };
        if (rows.length < OPENINGS_PAGE) return;
        from = Number(rows.at(-1)?.idx) + 1;
      }
    },
    consistency: (from, to) => consistencyProof(db, from, to),
    // A database file (not an in-memory one) can be read by more connections, in worker threads too.
    ...(deps.store.sqlite && !deps.store.sqlite.memory
      ? { scan: (ranges: readonly (readonly [number, number])[], opts?: ParallelScanOptions) => scanSqliteParallel((deps.store.sqlite as { name: string }).name, ranges, opts) }
      : {}),
  };
}

/** The shape src/app/audit.ts reads (declared here too, so the log module does not import the auditor). */
export interface LogSourceLike {
  readonly pageSize?: number;
  readonly where?: string;
  checkpoint(): Promise<string>;
  entries(start: number, end: number): Promise<{ index: number; entry?: Uint8Array; text?: string; leafHash?: Uint8Array | null }[]>;
  recordedLeaves?(start: number, end: number): Promise<Map<number, Uint8Array>>;
  consistency(from: number, to: number): Promise<Uint8Array[]>;
  scan?(ranges: readonly (readonly [number, number])[], opts?: ParallelScanOptions): AsyncIterable<RangeScan>;
  stored?(): Promise<StoredLog>;
  storedNodes?(ids: readonly number[]): Promise<Map<number, string>>;
  openings?(end: number): AsyncIterable<{ index: number; opening: string; entry: string | null }>;
}
