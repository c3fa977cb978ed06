/**
 * Scanning the stored log for `passage verify --db` on SQLite, in parallel: the auditor's thread
 * and one worker thread per remaining core each open the database file read-only (WAL lets
 * readers run beside the server), claim the next range of entries, check each entry's index,
 * hash the leaves and fold them into the range's compact range (`RangeBuilder`). The auditor
 * pushes the ranges' subtrees into one `StreamingRoot` in order, so the root is the same as
 * hashing every leaf in one thread, and does the domain checks (keys, terms, guarantee
 * signatures) on the few entries the scans hand back.
 *
 * Why not one thread: the tree's interior nodes cost about as much to hash as the leaves, and
 * reading costs as much again; only spreading the work over the cores brings `verify` near the
 * raw SHA-256 rate of the same entries (docs/benchmarks.md).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createNodeTreeHasher, sha256Into } from '../crypto/sha256.js';
import { createNodeHasherX4, X4_DATA_START, X4_SLACK, type NodeHasherX4 } from '../crypto/sha256-x4.js';
// The modules themselves, not the domain's index: the worker thread loads this file, and every
// module it need not compile shortens its start (the auditor's thread scans alone until then).
import { ACTION_START, actionOfEntry, entryHeadAt, entryProblemAt, INSPECTED_ACTIONS, type EntryProblem } from '../domain/log/entry-text.js';
import { HASH_SIZE, RangeBuilder } from '../domain/log/merkle.js';
import { RESTRICTED } from '../domain/log/restricted.js';

/** What a scan of entries [start, end) found. */
export interface RangeScan {
  readonly start: number;
  readonly end: number;
  /** The compact range of the leaves scanned: perfect subtrees, left to right (up to the error, if any). */
  readonly nodes: { level: number; hash: Uint8Array }[];
  /** Entries whose action the auditor inspects (keys, terms, guarantees), in order. */
  readonly inspected: { index: number; text: string }[];
  /**
   * At each cut point asked for inside the range (a signed head's size), the compact range of
   * [start, cut): pushed after the tree of [0, start), it gives the root at that size — O(log n)
   * hashes per head, without a second pass or a range ending there.
   */
  readonly cuts: { size: number; nodes: { level: number; hash: Uint8Array }[] }[];
  /** Indexes of the restricted entries (src/domain/log/restricted.ts) scanned, in order: each must have its opening. */
  readonly restricted: number[];
  /** The first entry found wrong in the range; nothing after it was scanned. */
  readonly error?: ScanError;
  /** With `nodes`: the stored tree nodes inside the range compared with those the entries give, and the first that is not. */
  readonly nodeCheck?: { readonly checked: number; readonly error?: NodeProblem };
}

/** A stored tree node (log_nodes) that is missing, or not the one the entries give. */
export interface NodeProblem {
  readonly level: number;
  readonly index: number;
  readonly problem: 'missing' | 'differs';
}

/** The first entry found wrong, and how. */
export interface ScanError {
  readonly index: number;
  readonly problem: EntryProblem;
}

/**
 * Entries per page read from SQLite. A page of 2,048 entries (~600 KB) stays in the core's L2
 * cache while it is split and hashed; pages of 10,000 (~3 MB) did not, and the scan ran 3–4 %
 * slower (and 1,000 pays the query's own cost too often). Measured in docs/benchmarks.md. A
 * power of two, so that in aligned ranges a full page is one perfect subtree.
 */
const PAGE = 2_048;
const treeHasher = createNodeTreeHasher();
/** This thread's four-at-a-time node hasher (src/crypto/sha256-x4.ts), if the runtime has WebAssembly SIMD. */
const x4 = createNodeHasherX4();
const NL = 10;
// First letters of the inspected actions: others are never decoded.
const INSPECTED_FIRST = new Set([...INSPECTED_ACTIONS].map((a) => a.charCodeAt(0)));
const RESTRICTED_BYTES = Buffer.from(RESTRICTED, 'latin1');
const RESTRICTED_FIRST = RESTRICTED.charCodeAt(0);

/** What to do besides hashing: cut points inside the range, and whether to compare the stored tree nodes. */
export interface RangeScanOptions {
  /** Entries per page (default `PAGE`). */
  readonly page?: number;
  /** Sizes (sorted) at which to record the compact range; those strictly inside the range are used. */
  readonly cuts?: readonly number[];
  /** Compare every stored tree node inside the range (log_nodes: leaves and interior nodes) with the recomputed one. */
  readonly nodes?: boolean;
}

/** The cuts strictly inside (start, end), from a sorted list (binary search: there may be a head per size). */
export function cutsWithin(cuts: readonly number[], start: number, end: number): number[] {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cuts[mid] as number) <= start) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < cuts.length && (cuts[i] as number) < end; i++) out.push(cuts[i] as number);
  return out;
}

/**
 * Scans entries [start, end) of the database `db`. Each page of entries (`PAGE`) comes back from
 * SQLite as one blob (entries separated by a newline, which canonical JSON never contains raw), so
 * the leaf hash reads each entry in place with the separator before it overwritten by the 0x00
 * prefix: no copy and no string per entry. Anything unexpected on a page (a missing row, a stray
 * newline, a wrong index) sends that page down the row-by-row path, which names the problem.
 */
export function scanSqliteRange(db: Database.Database, start: number, end: number, opts: RangeScanOptions = {}): RangeScan {
  const page = opts.page ?? PAGE;
  // No ORDER BY (a tenth faster): SQLite walks an integer-key range in key order, and were it ever
  // not to, the index check of each entry would send the page down the ordered path.
  // No count(*) either: a page short of rows runs out of pieces before its last index, and a row
  // in the wrong place fails its index check, both of which send the page down the row-by-row path.
  const pageStmt = db.prepare("SELECT CAST(group_concat(entry, '\n') AS BLOB) FROM log_entries WHERE idx >= ? AND idx < ?").pluck(true);
  const rowStmt = db.prepare('SELECT idx, entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx').raw(true);
  const nextStmt = db.prepare('SELECT idx, entry FROM log_entries WHERE idx >= ? ORDER BY idx LIMIT 1').raw(true);
  const builder = new RangeBuilder(treeHasher, start);
  const computed = opts.nodes ? recordNodes(builder, start, end) : undefined;
  const inspected: { index: number; text: string }[] = [];
  const restricted: number[] = [];
  const cuts: RangeScan['cuts'] = [];
  const snap = (): void => {
    cuts.push({ size: builder.end, nodes: builder.nodes().map((n) => ({ level: n.level, hash: n.hash })) });
  };
  const wanted = opts.cuts === undefined ? [] : cutsWithin(opts.cuts, start, end);
  let c = 0;
  const done = (error?: ScanError): RangeScan => ({
    start,
    end,
    nodes: builder.nodes(),
    inspected,
    cuts,
    restricted,
    ...(error ? { error } : {}),
    ...(computed && !error ? { nodeCheck: compareNodes(db, computed) } : {}),
  });
  for (let from = start; from < end; from += page) {
    const to = Math.min(from + page, end);
    while (c < wanted.length && wanted[c] === from) {
      snap();
      c++;
    }
    const inPage: number[] = [];
    for (let k = c; k < wanted.length && (wanted[k] as number) < to; k++) inPage.push(wanted[k] as number);
    c += inPage.length;
    const blob = pageStmt.get(from, to) as Buffer | null;
    if (blob !== null && fastPage(blob, from, to, builder, inspected, restricted, inPage, snap)) continue;
    const error = slowPage(rowStmt, nextStmt, from, to, builder, inspected, restricted, inPage, snap);
    if (error) return done(error);
  }
  return done();
}

/** The nodes a range's builder computes, level by level: node (l, first[l] + k) at hashes[l][32k..]. */
interface ComputedNodes {
  readonly first: number[];
  readonly hashes: Buffer[];
}

/** Records every node `builder` computes over [start, end): all the perfect subtrees inside the range. */
function recordNodes(builder: RangeBuilder, start: number, end: number): ComputedNodes {
  const first: number[] = [];
  const hashes: Buffer[] = [];
  for (let w = 1; w <= end - start; w *= 2) {
    const a = Math.ceil(start / w);
    const b = Math.floor(end / w);
    if (b <= a) break;
    first.push(a);
    hashes.push(Buffer.alloc((b - a) * HASH_SIZE));
  }
  builder.onNode = (level, index, buf, at) => {
    (hashes[level] as Buffer).set(buf.subarray(at, at + HASH_SIZE), (index - (first[level] as number)) * HASH_SIZE);
  };
  return { first, hashes };
}

/**
 * Compares the stored nodes inside the range with the computed ones: per level, the stored hashes
 * come back as one string (like the entries' blob), compared whole; only a level that differs is
 * walked row by row to name its first missing or different node.
 */
function compareNodes(db: Database.Database, computed: ComputedNodes): { checked: number; error?: NodeProblem } {
  const levelStmt = db.prepare("SELECT group_concat(hash, '') FROM log_nodes WHERE id >= ? AND id < ?").pluck(true);
  const rowStmt = db.prepare('SELECT id, hash FROM log_nodes WHERE id >= ? AND id < ? ORDER BY id').raw(true);
  let checked = 0;
  for (let level = 0; level < computed.hashes.length; level++) {
    const want = computed.hashes[level] as Buffer;
    const first = computed.first[level] as number;
    const count = want.length / HASH_SIZE;
    const lo = nodeRowId(level, first);
    const hi = nodeRowId(level, first + count);
    const got = levelStmt.get(lo, hi) as string | null;
    checked += count;
    if (got !== null && got.length === count * 2 * HASH_SIZE && Buffer.from(got, 'hex').equals(want)) continue;
    const rows = new Map((rowStmt.all(lo, hi) as [number | bigint, string][]).map(([id, hash]) => [Number(id), hash]));
    for (let k = 0; k < count; k++) {
      const stored = rows.get(lo + k);
      if (stored === undefined) return { checked, error: { level, index: first + k, problem: 'missing' } };
      if (stored !== want.toString('hex', k * HASH_SIZE, (k + 1) * HASH_SIZE)) return { checked, error: { level, index: first + k, problem: 'differs' } };
    }
  }
  return { checked };
}

/** The row key of tree node (level, index), as src/app/log.ts stores it: level·2^47 + index. */
function nodeRowId(level: number, index: number): number {
  return level * 2 ** 47 + index;
}

/**
 * The fast path over one page's blob; false (having pushed nothing) when anything looks off. Each
 * entry's end is found and its head checked (`entryHeadAt`). With the four-at-a-time node hasher
 * the leaves are hashed in the same pass into its memory and the page's subtrees built from them
 * at the end (`pushSubtreesX4`); without it, a second pass pushes leaf by leaf into the builder.
 * Either way the compact range is recorded at each cut (absolute sizes inside the page, sorted).
 */
function fastPage(blob: Buffer, from: number, to: number, builder: RangeBuilder, inspected: { index: number; text: string }[], restricted: number[], cuts: readonly number[], snap: () => void): boolean {
  const count = to - from;
  const hasher = builder.onNode === undefined ? x4 : undefined;
  const ends = hasher ? undefined : new Int32Array(count);
  let mem: Uint8Array | undefined;
  if (hasher) {
    hasher.ensure(X4_DATA_START + count * HASH_SIZE + X4_SLACK);
    mem = hasher.bytes();
  }
  const found: { index: number; text: string }[] = [];
  const foundRestricted: number[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p > blob.length) return false;
    let e = blob.indexOf(NL, p);
    if (e < 0) e = blob.length;
    const actionEnd = entryHeadAt(blob, p, e, from + k);
    if (actionEnd < 0) return false;
    const lead = blob[p + ACTION_START] as number;
    if (INSPECTED_FIRST.has(lead) && INSPECTED_ACTIONS.has(blob.toString('latin1', p + ACTION_START, actionEnd))) {
      found.push({ index: from + k, text: blob.toString('utf8', p, e) });
    } else if (lead === RESTRICTED_FIRST && actionEnd - p - ACTION_START === RESTRICTED_BYTES.length && RESTRICTED_BYTES.equals(blob.subarray(p + ACTION_START, actionEnd))) {
      foundRestricted.push(from + k);
    }
    if (mem !== undefined) {
      // The entry's leaf hash into slot k, read in place: the separator before it becomes the
      // RFC 9162 0x00 prefix (the first entry has none before it: hashed from a copy). A plain
      // Uint8Array view: Buffer#subarray builds a Buffer, which costs more here.
      if (k === 0) sha256Into(leafMessageCopy(blob, 0, e), mem, X4_DATA_START);
      else {
        blob[p - 1] = 0x00;
        sha256Into(new Uint8Array(blob.buffer, blob.byteOffset + p - 1, e - p + 1), mem, X4_DATA_START + k * HASH_SIZE);
      }
    } else (ends as Int32Array)[k] = e;
    p = e + 1;
  }
  if (p !== blob.length + 1) return false; // more pieces than rows: a raw newline inside an entry
  if (hasher !== undefined) pushSubtreesX4(hasher, from, to, builder, cuts, snap);
  else hashPage(blob, ends as Int32Array, from, builder, cuts, snap);
  for (const f of found) inspected.push(f);
  for (const r of foundRestricted) restricted.push(r);
  return true;
}

/** 0x00 ‖ blob[start, end): the leaf message of an entry with no separator before it. */
function leafMessageCopy(blob: Buffer, start: number, end: number): Uint8Array {
  const message = new Uint8Array(end - start + 1);
  message.set(blob.subarray(start, end), 1);
  return message;
}

/** Leaf by leaf into the builder, which hashes each interior node as its right child arrives. */
function hashPage(blob: Buffer, ends: Int32Array, from: number, builder: RangeBuilder, cuts: readonly number[], snap: () => void): void {
  const count = ends.length;
  builder.pushLeafMessage(leafMessageCopy(blob, 0, ends[0] as number));
  let p = (ends[0] as number) + 1;
  let c = 0;
  let cutK = cuts.length > 0 ? (cuts[0] as number) - from : -1;
  for (let k = 1; k < count; k++) {
    if (k === cutK) {
      snap();
      cutK = ++c < cuts.length ? (cuts[c] as number) - from : -1;
    }
    const e = ends[k] as number;
    blob[p - 1] = 0x00; // RFC 9162 leaf prefix, in place of the separator
    builder.pushLeafMessage(new Uint8Array(blob.buffer, blob.byteOffset + p - 1, e - p + 1));
    p = e + 1;
  }
}

/**
 * Leaves [from, to), hashed into the node hasher's memory from `X4_DATA_START`, split at the cuts
 * into aligned perfect subtrees (one, for a full page of an aligned range), each folded four nodes
 * at a time (src/crypto/sha256-x4.ts) and pushed into the builder whole.
 */
function pushSubtreesX4(hasher: NodeHasherX4, from: number, to: number, builder: RangeBuilder, cuts: readonly number[], snap: () => void): void {
  const mem = hasher.bytes();
  let a = from;
  for (let c = 0; c <= cuts.length; c++) {
    const b = c < cuts.length ? (cuts[c] as number) : to;
    while (a < b) {
      // The largest perfect subtree starting at a (aligned to its size) that fits before b.
      let level = 0;
      while (a % 2 ** (level + 1) === 0 && a + 2 ** (level + 1) <= b) level++;
      const at = X4_DATA_START + (a - from) * HASH_SIZE;
      if (level > 0) hasher.subtreeRoot(at, level);
      builder.pushSubtree(level, mem.subarray(at, at + HASH_SIZE));
      a += 2 ** level;
    }
    if (c < cuts.length) snap();
  }
}

/** Row by row, with the auditor's own checks and messages; returns the first problem. */
function slowPage(
  rowStmt: Database.Statement,
  nextStmt: Database.Statement,
  from: number,
  to: number,
  builder: RangeBuilder,
  inspected: { index: number; text: string }[],
  restricted: number[],
  cuts: readonly number[],
  snap: () => void,
): ScanError | undefined {
  const rows = rowStmt.all(from, to) as [number | bigint, string][];
  let c = 0;
  for (let i = from; i < to; i++) {
    if (i === cuts[c]) {
      snap();
      c++;
    }
    // Past the page's last row, the next row the log holds tells a dropped entry ("found entry
    // i+1 where entry i should be") from the log's end, wherever the pages happen to end.
    const row = rows[i - from] ?? (nextStmt.get(i) as [number | bigint, string] | undefined);
    const text = row === undefined ? '' : String(row[1]);
    const problem = entryProblemAt(i, row === undefined ? undefined : { index: Number(row[0]), text });
    if (problem) return { index: i, problem };
    builder.pushLeafHash(treeHasher.hashLeafText ? treeHasher.hashLeafText(text) : treeHasher.hashLeaf(Buffer.from(text)));
    const action = actionOfEntry(text);
    if (action !== undefined && INSPECTED_ACTIONS.has(action)) inspected.push({ index: i, text });
    else if (action === RESTRICTED) restricted.push(i);
  }
  return undefined;
}

/**
 * The worker script: next to this module when built by tsc (dist/store/), beside the chunk the
 * CLI's bundle put this module in (dist/chunks/ → dist/store/), else (running from TypeScript
 * sources in tests) the built one.
 */
function workerScript(): URL {
  for (const candidate of ['./log-scan-worker.js', '../store/log-scan-worker.js', '../../dist/store/log-scan-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error('the log scan worker is not built: run `npm run build`');
}

/** Threads to scan with, this one included: the cores this process may use, at most 8. */
export function scanThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** A read-only connection for scanning (WAL lets it read beside the server's connection). */
export function openScanDatabase(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // Read through a memory map rather than a copy of each page: a fifth faster for this scan. As
  // much of the file as SQLite maps (this build stops at 2 GiB; past that it reads as usual).
  db.pragma('mmap_size = 2147418112');
  return db;
}

/** What the scan's worker threads are given: the ranges, and the shared count of ranges claimed. */
export interface ScanWorkerData {
  readonly file: string;
  readonly ranges: readonly (readonly [number, number])[];
  readonly claimed: SharedArrayBuffer;
  readonly scan: RangeScanOptions;
}

export interface ParallelScanOptions {
  /** Threads scanning in all, this one included (default `scanThreads()`). */
  readonly threads?: number;
  /**
   * Whether this thread scans too (default true). It starts at once, while the workers are still
   * starting up, and with one thread fewer to spawn the cores are not oversubscribed. Tests turn
   * it off to make the workers do every range.
   */
  readonly inMain?: boolean;
  /** Entries per page read from SQLite (default `PAGE`; tests make pages end inside ranges). */
  readonly page?: number;
  /** Sizes (sorted) at which each range records its compact range (`RangeScan.cuts`). */
  readonly cuts?: readonly number[];
  /** Compare the stored tree nodes too (`RangeScan.nodeCheck`). */
  readonly nodes?: boolean;
}

/**
 * Scans the ranges (consecutive, in order) of the SQLite database file in parallel and yields
 * their results in order, each as soon as it and all before it are done. This thread and the
 * worker threads take the next unclaimed range from one shared counter (`Atomics.add`), so no
 * thread waits for another to hand it work; this thread yields to the event loop between its
 * ranges to collect the workers' results. Leaving the loop early stops the workers.
 */
export async function* scanSqliteParallel(file: string, ranges: readonly (readonly [number, number])[], opts: ParallelScanOptions = {}): AsyncGenerator<RangeScan> {
  if (ranges.length === 0) return;
  const inMain = opts.inMain ?? true;
  const threads = Math.max(1, opts.threads ?? scanThreads());
  // This thread takes the first range at once, so the workers can only ever help with the rest.
  const workerCount = inMain ? Math.min(threads - 1, ranges.length - 1) : Math.min(threads, ranges.length);
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  const scan: RangeScanOptions = { ...(opts.page !== undefined ? { page: opts.page } : {}), ...(opts.cuts !== undefined ? { cuts: opts.cuts } : {}), ...(opts.nodes ? { nodes: true } : {}) };
  const results = new Map<number, RangeScan>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const workers: Worker[] = [];
  const script = workerCount > 0 ? workerScript() : undefined;
  for (let t = 0; t < workerCount; t++) {
    const data: ScanWorkerData = { file, ranges, claimed: claimed.buffer as SharedArrayBuffer, scan };
    const w = new Worker(script as URL, { workerData: data });
    w.on('message', (m: { id: number; scan?: RangeScan; error?: string }) => {
      if (m.error !== undefined) failure ??= new Error(`log scan failed: ${m.error}`);
      else if (m.scan) results.set(m.id, { ...m.scan, nodes: m.scan.nodes.map((n) => ({ level: n.level, hash: new Uint8Array(n.hash) })), cuts: m.scan.cuts.map((c) => ({ size: c.size, nodes: c.nodes.map((n) => ({ level: n.level, hash: new Uint8Array(n.hash) })) })) });
      notify();
    });
    w.on('error', (e) => {
      failure ??= e;
      notify();
    });
    w.on('exit', (code) => {
      if (code !== 0) failure ??= new Error(`a log scan worker stopped (exit code ${code})`);
      notify();
    });
    workers.push(w);
  }
  const db = inMain ? openScanDatabase(file) : undefined;
  try {
    let next = 0;
    while (next < ranges.length) {
      const done = results.get(next);
      if (done) {
        results.delete(next++);
        yield done;
        continue;
      }
      if (failure) throw failure;
      const id = db ? Atomics.add(claimed, 0, 1) : ranges.length;
      if (db && id < ranges.length) {
        const [start, end] = ranges[id] as readonly [number, number];
        results.set(id, scanSqliteRange(db, start, end, scan));
        // Let the workers' results in (and the caller's progress out) before the next range.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        // Nothing left to claim: wait for a worker. Every range is claimed by then, so each
        // missing result is on its way (or a failure is).
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    db?.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
