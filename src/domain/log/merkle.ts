/**
 * RFC 9162 §2.1 Merkle Tree Hash, compact ranges (the right frontier), proof planning and
 * verification. Pure: hashing is passed in (`Sha256` or a `TreeHasher`), no I/O, no clock.
 *
 * Tree sizes and indices are JavaScript numbers (safe integers, up to 2^53 - 1); the code
 * never uses 32-bit bit operators on them.
 *
 * Node addressing: node (level, index) is the root of the perfect subtree over leaves
 * [index·2^level, (index+1)·2^level). Level 0 nodes are leaf hashes. Such a node exists in
 * every tree of size ≥ (index+1)·2^level and never changes, so storage can write it once,
 * when the leaf that completes it is appended (see `appendLeaf`).
 */
import { LogError } from './log-error.js';
import { equalBytes, encodeBase64, decodeBase64 } from './encoding.js';

export type Sha256 = (data: Uint8Array) => Uint8Array;

export const HASH_SIZE = 32;
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

/** RFC 9162 hashing bound to one SHA-256 implementation. */
export interface TreeHasher {
  /** SHA-256 of the empty string: the root of the empty tree. */
  emptyRoot(): Uint8Array;
  /** SHA-256(0x00 ‖ entry). */
  hashLeaf(entry: Uint8Array): Uint8Array;
  /** SHA-256(0x01 ‖ left ‖ right). */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array;
  /** Optional: SHA-256(0x00 ‖ UTF-8 of text), without first copying the text into a buffer of its own. */
  hashLeafText?(text: string): Uint8Array;
  /**
   * Optional allocation-free form used by hot loops: writes SHA-256(0x01 ‖ buf[left..left+32] ‖
   * buf[right..right+32]) to buf[out..out+32]. `out` may equal `left` or `right`.
   */
  hashChildrenInto?(buf: Uint8Array, left: number, right: number, out: number): void;
  /**
   * Optional: writes SHA-256(data) — plain, no prefix added — to out[at..at+32]. Lets a caller
   * that already holds the prefixed message (0x00 ‖ entry, 0x01 ‖ left ‖ right) hash it in place.
   */
  sha256Into?(data: Uint8Array, out: Uint8Array, at: number): void;
}

/** A generic TreeHasher over any SHA-256 function; reuses scratch buffers, so not re-entrant across hashers. */
export function createTreeHasher(sha: Sha256): TreeHasher {
  let leafScratch = new Uint8Array(1024);
  const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
  nodeScratch[0] = 0x01;
  return {
    emptyRoot: () => sha(new Uint8Array(0)),
    hashLeaf(entry) {
      if (entry.length + 1 > leafScratch.length) {
        leafScratch = new Uint8Array(Math.max(entry.length + 1, leafScratch.length * 2));
      }
      leafScratch[0] = 0x00;
      leafScratch.set(entry, 1);
      return sha(leafScratch.subarray(0, entry.length + 1));
    },
    hashChildren(left, right) {
      nodeScratch.set(left, 1);
      nodeScratch.set(right, 1 + HASH_SIZE);
      return sha(nodeScratch);
    },
    sha256Into: (data, out, at) => out.set(sha(data), at),
  };
}

function toHasher(h: TreeHasher | Sha256): TreeHasher {
  return typeof h === 'function' ? createTreeHasher(h) : h;
}

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ entry). */
export function hashLeaf(entry: Uint8Array, sha: Sha256): Uint8Array {
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return sha(buf);
}

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array, sha: Sha256): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha(buf);
}

/** Root of the empty tree: SHA-256(""). */
export function emptyRoot(sha: Sha256): Uint8Array {
  return sha(new Uint8Array(0));
}

// ---------------------------------------------------------------------------------------------
// Integer helpers that stay exact up to 2^53 (no 32-bit bit operators on sizes).

function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new LogError('invalid_argument', `${what} must be a non-negative safe integer, got ${String(n)}`);
  }
}

function assertHash(h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new LogError('invalid_argument', `${what} must be ${HASH_SIZE} bytes`);
  }
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  if (n <= 0x80000000) return 2 ** (31 - Math.clz32(n - 1));
  let k = 0x80000000;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Number of one bits in a safe integer. */
function popcount(n: number): number {
  let c = 0;
  while (n > 0) {
    if (n % 2 === 1) c++;
    n = Math.floor(n / 2);
  }
  return c;
}

/** Number of trailing one bits. */
function trailingOnes(n: number): number {
  let c = 0;
  while (n % 2 === 1) {
    c++;
    n = (n - 1) / 2;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Node addresses.

export interface NodeId {
  /** Height above the leaves: 0 for a leaf hash. */
  readonly level: number;
  /** Position among the nodes of that level, from the left. */
  readonly index: number;
}

export interface NodeWithHash extends NodeId {
  readonly hash: Uint8Array;
}

/** A stable string key, "level/index", for maps and SQL IN lists. */
export function nodeKey(node: NodeId): string {
  return `${node.level}/${node.index}`;
}

/** The leaf range [start, end) that a node covers. */
export function nodeRange(node: NodeId): { start: number; end: number } {
  const width = 2 ** node.level;
  return { start: node.index * width, end: (node.index + 1) * width };
}

/**
 * Splits [start, end) into maximal aligned perfect subtrees, left to right. For the ranges used
 * by RFC 9162 proofs and roots (start aligned to a power of two ≥ end - start), folding their
 * hashes from the right with hashChildren yields MTH(D[start:end]).
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  assertSize(start, 'start');
  assertSize(end, 'end');
  if (end < start) throw new LogError('invalid_argument', `range end ${end} < start ${start}`);
  const out: NodeId[] = [];
  let a = start;
  while (a < end) {
    let level = 0;
    let width = 1;
    while (a % (width * 2) === 0 && a + width * 2 <= end) {
      width *= 2;
      level++;
    }
    out.push({ level, index: a / width });
    a += width;
  }
  return out;
}

/** The perfect subtrees whose roots make up the frontier (compact range [0, size)), left to right. */
export function frontierNodeIds(size: number): NodeId[] {
  return rangeNodes(0, size);
}

/**
 * The nodes that become complete when the leaf with index `leafIndex` is appended (that is, when
 * the tree grows from leafIndex to leafIndex + 1 leaves): always (0, leafIndex), then one more per
 * trailing one bit of leafIndex. Storage writes exactly these rows per append (2 on average).
 */
export function nodesCompletedBy(leafIndex: number): NodeId[] {
  assertSize(leafIndex, 'leafIndex');
  const out: NodeId[] = [];
  const levels = trailingOnes(leafIndex);
  let index = leafIndex;
  for (let level = 0; level <= levels; level++) {
    out.push({ level, index });
    index = Math.floor(index / 2);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MTH over a list of leaf hashes.

/** RFC 9162 MTH of a list of leaf hashes (not entries). O(n) hashes, O(log n) memory. */
export function computeRoot(leafHashes: readonly Uint8Array[], hasher: TreeHasher | Sha256): Uint8Array {
  const h = toHasher(hasher);
  const stream = new StreamingRoot(h);
  for (const leaf of leafHashes) stream.pushLeafHash(leaf);
  return stream.root();
}

/** RFC 9162 MTH computed by the literal recursive definition; slow, for tests and cross-checks. */
export function computeRootNaive(leafHashes: readonly Uint8Array[], hasher: TreeHasher | Sha256): Uint8Array {
  const h = toHasher(hasher);
  const rec = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leafHashes[lo]!;
    const k = splitPoint(hi - lo);
    return h.hashChildren(rec(lo, lo + k), rec(lo + k, hi));
  };
  return leafHashes.length === 0 ? h.emptyRoot() : rec(0, leafHashes.length);
}

// ---------------------------------------------------------------------------------------------
// Frontier (compact range [0, size)).

/**
 * The right frontier of a tree: the roots of the perfect subtrees of `frontierNodeIds(size)`,
 * left (largest) to right (smallest). `hashes.length` equals the number of one bits of `size`.
 * Immutable: `appendLeaf` returns a new value, so a failed transaction keeps the old one.
 */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, hashes: Object.freeze([]) as readonly Uint8Array[] });

function checkFrontier(f: Frontier): void {
  if (!Number.isSafeInteger(f.size) || f.size < 0) {
    throw new LogError('frontier_invalid', `frontier size ${String(f.size)} is not a non-negative safe integer`);
  }
  const want = popcount(f.size);
  if (f.hashes.length !== want) {
    throw new LogError('frontier_invalid', `frontier of size ${f.size} needs ${want} hashes, has ${f.hashes.length}`);
  }
  for (const h of f.hashes) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new LogError('frontier_invalid', `frontier hash is not ${HASH_SIZE} bytes`);
    }
  }
}

export interface AppendResult {
  readonly frontier: Frontier;
  /** Nodes completed by this leaf (level 0 = the leaf hash first), with their hashes: store these. */
  readonly completed: readonly NodeWithHash[];
}

/** Appends one leaf hash in O(log n) hashes (amortised 1). */
export function appendLeaf(frontier: Frontier, leafHash: Uint8Array, hasher: TreeHasher | Sha256): AppendResult {
  checkFrontier(frontier);
  assertHash(leafHash, 'leaf hash');
  if (frontier.size >= MAX_TREE_SIZE) throw new LogError('invalid_argument', 'tree is full');
  const h = toHasher(hasher);
  const hashes = frontier.hashes.slice();
  const completed: NodeWithHash[] = [];
  let index = frontier.size;
  let level = 0;
  let node = leafHash;
  completed.push({ level, index, hash: node });
  while (index % 2 === 1) {
    const left = hashes.pop()!;
    node = h.hashChildren(left, node);
    index = (index - 1) / 2;
    level++;
    completed.push({ level, index, hash: node });
  }
  hashes.push(node);
  return { frontier: { size: frontier.size + 1, hashes }, completed };
}

/** The root of the tree the frontier describes (SHA-256("") when empty). */
export function frontierRoot(frontier: Frontier, hasher: TreeHasher | Sha256): Uint8Array {
  checkFrontier(frontier);
  const h = toHasher(hasher);
  const n = frontier.hashes.length;
  if (n === 0) return h.emptyRoot();
  let root = frontier.hashes[n - 1]!;
  for (let i = n - 2; i >= 0; i--) root = h.hashChildren(frontier.hashes[i]!, root);
  return root;
}

/** Builds a frontier from stored node hashes, in the order of `frontierNodeIds(size)`. */
export function frontierFromNodes(size: number, hashes: readonly Uint8Array[]): Frontier {
  const f = { size, hashes: hashes.slice() };
  checkFrontier(f);
  return f;
}

export interface FrontierJson {
  size: number;
  hashes: string[];
}

export function frontierToJson(frontier: Frontier): FrontierJson {
  checkFrontier(frontier);
  return { size: frontier.size, hashes: frontier.hashes.map(encodeBase64) };
}

export function frontierFromJson(json: unknown): Frontier {
  if (typeof json !== 'object' || json === null) throw new LogError('frontier_invalid', 'frontier JSON is not an object');
  const { size, hashes } = json as { size?: unknown; hashes?: unknown };
  if (typeof size !== 'number' || !Array.isArray(hashes) || !hashes.every((x) => typeof x === 'string')) {
    throw new LogError('frontier_invalid', 'frontier JSON needs {size: number, hashes: string[]}');
  }
  const f = { size, hashes: (hashes as string[]).map((s) => decodeBase64(s, 'frontier_invalid', 'frontier hash')) };
  checkFrontier(f);
  return f;
}

/** Bytes: 8-byte big-endian size, then the hashes (32 bytes each). */
export function encodeFrontier(frontier: Frontier): Uint8Array {
  checkFrontier(frontier);
  const out = new Uint8Array(8 + HASH_SIZE * frontier.hashes.length);
  const hi = Math.floor(frontier.size / 2 ** 32);
  const lo = frontier.size % 2 ** 32;
  const view = new DataView(out.buffer);
  view.setUint32(0, hi);
  view.setUint32(4, lo);
  frontier.hashes.forEach((h, i) => out.set(h, 8 + HASH_SIZE * i));
  return out;
}

export function decodeFrontier(bytes: Uint8Array): Frontier {
  if (bytes.length < 8 || (bytes.length - 8) % HASH_SIZE !== 0) {
    throw new LogError('frontier_invalid', `frontier encoding has bad length ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  const hashes: Uint8Array[] = [];
  for (let o = 8; o < bytes.length; o += HASH_SIZE) hashes.push(bytes.slice(o, o + HASH_SIZE));
  const f = { size, hashes };
  checkFrontier(f);
  return f;
}

// ---------------------------------------------------------------------------------------------
// Streaming root: millions of leaves, O(log n) memory, no allocation per interior node.

const MAX_DEPTH = 64;

/**
 * Pushes leaf hashes (or entries) one at a time and gives the root at the current size at any
 * moment. This is what `passage verify` uses to recompute the tree.
 */
export class StreamingRoot {
  private readonly hasher: TreeHasher;
  /** Frontier hashes packed left to right, 32 bytes each. */
  private readonly buf = new Uint8Array((MAX_DEPTH + 1) * HASH_SIZE);
  private depth = 0;
  private count = 0;
  /**
   * Told of every node this root computes — each leaf pushed and each interior node it merges,
   * not the subtrees pushed whole — for an auditor that compares them with a store's nodes.
   */
  onNode: NodeSink | undefined;

  constructor(hasher: TreeHasher | Sha256, start: Frontier = EMPTY_FRONTIER) {
    this.hasher = toHasher(hasher);
    checkFrontier(start);
    start.hashes.forEach((h, i) => this.buf.set(h, i * HASH_SIZE));
    this.depth = start.hashes.length;
    this.count = start.size;
  }

  get size(): number {
    return this.count;
  }

  /** Appends an entry (hashing it as a leaf) and returns its leaf hash. */
  pushEntry(entry: Uint8Array): Uint8Array {
    const leaf = this.hasher.hashLeaf(entry);
    this.pushLeafHash(leaf);
    return leaf;
  }

  pushLeafHash(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_SIZE) throw new LogError('invalid_argument', `leaf hash must be ${HASH_SIZE} bytes`);
    const buf = this.buf;
    let d = this.depth;
    buf.set(leafHash, d * HASH_SIZE);
    d++;
    let s = this.count;
    const sink = this.onNode;
    if (sink !== undefined) {
      sink(0, s, buf, (d - 1) * HASH_SIZE);
      this.mergeTold(sink, d, s, 0);
      return;
    }
    const into = this.hasher.hashChildrenInto;
    if (into !== undefined) {
      while (s % 2 === 1) {
        const right = (d - 1) * HASH_SIZE;
        const left = right - HASH_SIZE;
        into.call(this.hasher, buf, left, right, left);
        d--;
        s = (s - 1) / 2;
      }
    } else {
      while (s % 2 === 1) {
        const right = (d - 1) * HASH_SIZE;
        const left = right - HASH_SIZE;
        buf.set(this.hasher.hashChildren(buf.subarray(left, right), buf.subarray(right, right + HASH_SIZE)), left);
        d--;
        s = (s - 1) / 2;
      }
    }
    this.depth = d;
    this.count++;
  }

  /** The merges after pushing a node of `level` at index s (depth d), each told to `sink`. */
  private mergeTold(sink: NodeSink, d: number, s: number, level: number): void {
    const buf = this.buf;
    const width = 2 ** level;
    while (s % 2 === 1) {
      const right = (d - 1) * HASH_SIZE;
      const left = right - HASH_SIZE;
      mergeInto(this.hasher, buf, left, right);
      d--;
      s = (s - 1) / 2;
      level++;
      sink(level, s, buf, left);
    }
    this.depth = d;
    this.count += width;
  }

  /** A copy at the same size (without `onNode`): to take the root at a size inside a range without disturbing this one. */
  clone(): StreamingRoot {
    const c = new StreamingRoot(this.hasher);
    c.buf.set(this.buf.subarray(0, this.depth * HASH_SIZE));
    c.depth = this.depth;
    c.count = this.count;
    return c;
  }

  /**
   * Appends a whole perfect subtree of 2^level leaves by its hash: what a compact range of the
   * next leaves (see `RangeBuilder`) contributes. The tree's size must be a multiple of 2^level,
   * which is what makes the subtree a node of the final tree.
   */
  pushSubtree(level: number, hash: Uint8Array): void {
    const width = 2 ** level;
    if (!Number.isInteger(level) || level < 0 || level >= MAX_DEPTH) throw new LogError('invalid_argument', `subtree level ${level} is out of range`);
    if (this.count % width !== 0) throw new LogError('invalid_argument', `a subtree of 2^${level} leaves cannot start at ${this.count}`);
    if (hash.length !== HASH_SIZE) throw new LogError('invalid_argument', `subtree hash must be ${HASH_SIZE} bytes`);
    const buf = this.buf;
    let d = this.depth;
    buf.set(hash, d * HASH_SIZE);
    d++;
    let s = this.count / width;
    if (this.onNode !== undefined) {
      this.mergeTold(this.onNode, d, s, level);
      return;
    }
    while (s % 2 === 1) {
      const right = (d - 1) * HASH_SIZE;
      const left = right - HASH_SIZE;
      mergeInto(this.hasher, buf, left, right);
      d--;
      s = (s - 1) / 2;
    }
    this.depth = d;
    this.count += width;
  }

  /** The root at the current size. */
  root(): Uint8Array {
    if (this.depth === 0) return this.hasher.emptyRoot();
    let root: Uint8Array = this.buf.slice((this.depth - 1) * HASH_SIZE, this.depth * HASH_SIZE);
    for (let i = this.depth - 2; i >= 0; i--) {
      root = this.hasher.hashChildren(this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), root);
    }
    return root;
  }

  /** A snapshot of the current frontier. */
  frontier(): Frontier {
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < this.depth; i++) hashes.push(this.buf.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    return { size: this.count, hashes };
  }
}

/** buf[left..left+32] = node(buf[left..], buf[right..]), in place when the hasher can. */
function mergeInto(hasher: TreeHasher, buf: Uint8Array, left: number, right: number): void {
  if (hasher.hashChildrenInto !== undefined) hasher.hashChildrenInto(buf, left, right, left);
  else buf.set(hasher.hashChildren(buf.subarray(left, left + HASH_SIZE), buf.subarray(right, right + HASH_SIZE)), left);
}

/**
 * Told of a node as it is computed: node (level, index) — the perfect subtree over leaves
 * [index·2^level, (index+1)·2^level) — whose hash is buf[at..at+32] for the duration of the call.
 */
export type NodeSink = (level: number, index: number, buf: Uint8Array, at: number) => void;

/** One node of a compact range: the perfect subtree of 2^level leaves starting at leaf `start`. */
export interface RangeNode {
  readonly level: number;
  readonly start: number;
  readonly hash: Uint8Array;
}

/** Bytes of one node message: 0x01 ‖ left ‖ right. */
const NODE_MSG = 1 + 2 * HASH_SIZE;

/**
 * The compact range of leaves [begin, end) (RFC 9162 §2.1.2's perfect subtrees, as in
 * transparency-dev/merkle's compact.Range), built by pushing leaves in order. Several builders
 * over consecutive ranges can run apart (in worker threads) and their nodes, pushed in order into
 * a `StreamingRoot` with `pushSubtree`, give the same root as pushing every leaf there.
 *
 * This is `passage verify`'s inner loop, so nothing is copied: each level keeps the message of
 * its next interior node, 0x01 ‖ left ‖ right. A node's hash is written straight into its half of
 * its parent's message, and the right half completing a message hashes it into the level above.
 * A right child whose left sibling lies before `begin` never merges; it is kept as an edge node.
 */
export class RangeBuilder {
  private readonly leafInto: (msg: Uint8Array, out: Uint8Array, at: number) => void;
  private readonly nodeInto: (msg: Uint8Array, out: Uint8Array, at: number) => void;
  /** Level l's node message at l·65: 0x01, the pending left child, the right child. */
  private readonly msgs = new Uint8Array((MAX_DEPTH + 1) * NODE_MSG);
  private readonly views: Uint8Array[] = [];
  /** Level l holds a left child waiting for its sibling: that child's index at its level, else -1. */
  private readonly pending: number[] = new Array<number>(MAX_DEPTH + 1).fill(-1);
  private readonly edge: RangeNode[] = [];
  private readonly scratch = new Uint8Array(HASH_SIZE);
  private next: number;
  /** Told of every node the range computes, leaves included: each lies wholly inside the range. */
  onNode: NodeSink | undefined;

  constructor(
    hasher: TreeHasher | Sha256,
    readonly begin: number,
  ) {
    if (!Number.isSafeInteger(begin) || begin < 0) throw new LogError('invalid_argument', `range start ${begin} is not a leaf index`);
    const h = toHasher(hasher);
    const raw = h.sha256Into;
    this.leafInto = raw ? raw.bind(h) : (msg, out, at) => out.set(h.hashLeaf(msg.subarray(1)), at);
    this.nodeInto = raw ? raw.bind(h) : (msg, out, at) => out.set(h.hashChildren(msg.subarray(1, 1 + HASH_SIZE), msg.subarray(1 + HASH_SIZE)), at);
    for (let l = 0; l <= MAX_DEPTH; l++) {
      this.msgs[l * NODE_MSG] = 0x01;
      this.views.push(this.msgs.subarray(l * NODE_MSG, (l + 1) * NODE_MSG));
    }
    this.next = begin;
  }

  /** The index one past the last leaf pushed. */
  get end(): number {
    return this.next;
  }

  pushLeafHash(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_SIZE) throw new LogError('invalid_argument', `leaf hash must be ${HASH_SIZE} bytes`);
    const at = this.slot(0, this.next);
    if (at < 0) this.scratch.set(leafHash);
    else this.msgs.set(leafHash, at);
    this.placed(0, this.next++, at);
  }

  /** Pushes the leaf of an entry given as its leaf message, 0x00 ‖ entry bytes, hashed in place. */
  pushLeafMessage(message: Uint8Array): void {
    if (message[0] !== 0x00) throw new LogError('invalid_argument', 'a leaf message starts with the 0x00 prefix');
    const at = this.slot(0, this.next);
    if (at < 0) this.leafInto(message, this.scratch, 0);
    else this.leafInto(message, this.msgs, at);
    this.placed(0, this.next++, at);
  }

  /**
   * Pushes a whole perfect subtree of 2^level leaves by its hash (computed elsewhere, e.g. four
   * nodes at a time). The range must be at a multiple of 2^level, so the subtree is a node of the
   * tree; `onNode` is told of that node only, not of the nodes inside it.
   */
  pushSubtree(level: number, hash: Uint8Array): void {
    const width = 2 ** level;
    if (!Number.isInteger(level) || level < 0 || level >= MAX_DEPTH) throw new LogError('invalid_argument', `subtree level ${level} is out of range`);
    if (this.next % width !== 0) throw new LogError('invalid_argument', `a subtree of 2^${level} leaves cannot start at ${this.next}`);
    if (hash.length !== HASH_SIZE) throw new LogError('invalid_argument', `subtree hash must be ${HASH_SIZE} bytes`);
    // Aligned, so no level below holds a left child waiting for a sibling (that sibling would end
    // at a multiple of 2^(l+1) ≥ this.next): the subtree lands as node next/2^level of its level.
    const j = this.next / width;
    const at = this.slot(level, j);
    if (at < 0) this.scratch.set(hash);
    else this.msgs.set(hash, at);
    this.next += width;
    this.placed(level, j, at);
  }

  /** The range's perfect subtrees, left to right. */
  nodes(): RangeNode[] {
    const out = [...this.edge];
    for (let l = MAX_DEPTH; l >= 0; l--) {
      const j = this.pending[l] as number;
      if (j >= 0) out.push({ level: l, start: j * 2 ** l, hash: this.msgs.slice(l * NODE_MSG + 1, l * NODE_MSG + 1 + HASH_SIZE) });
    }
    return out;
  }

  /** Where node j of level l is to be written: its half of the parent's message, or -1 (scratch) for an edge node. */
  private slot(level: number, j: number): number {
    if (j % 2 === 0) return level * NODE_MSG + 1;
    return this.pending[level] === j - 1 ? level * NODE_MSG + 1 + HASH_SIZE : -1;
  }

  /** Node j of level l has been written at `at`: wait for its sibling, keep it as an edge node, or merge upwards. */
  private placed(level: number, j: number, at: number): void {
    const sink = this.onNode;
    for (;;) {
      if (sink !== undefined) sink(level, j, at < 0 ? this.scratch : this.msgs, at < 0 ? 0 : at);
      if (at < 0) {
        this.edge.push({ level, start: j * 2 ** level, hash: this.scratch.slice() });
        return;
      }
      if (j % 2 === 0) {
        this.pending[level] = j;
        return;
      }
      this.pending[level] = -1;
      const parent = (j - 1) / 2;
      const up = this.slot(level + 1, parent);
      if (up < 0) this.nodeInto(this.views[level] as Uint8Array, this.scratch, 0);
      else this.nodeInto(this.views[level] as Uint8Array, this.msgs, up);
      level++;
      j = parent;
      at = up;
    }
  }
}

export function createStreamingRoot(hasher: TreeHasher | Sha256, start?: Frontier): StreamingRoot {
  return new StreamingRoot(hasher, start);
}

// ---------------------------------------------------------------------------------------------
// Proof planning: which stored nodes a proof needs.

/**
 * One element of an RFC 9162 audit path: MTH(D[start:end]). `nodes` are the perfect subtrees
 * (left to right) whose hashes fold from the right into it; usually one node, several only for
 * the element that covers the ragged right edge of the tree.
 */
export interface ProofStep {
  readonly start: number;
  readonly end: number;
  readonly nodes: readonly NodeId[];
}

function step(start: number, end: number): ProofStep {
  return { start, end, nodes: rangeNodes(start, end) };
}

/** The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1), as ranges and nodes. */
export function inclusionProofNodes(index: number, size: number): ProofStep[] {
  assertSize(index, 'index');
  assertSize(size, 'size');
  if (index >= size) throw new LogError('index_out_of_range', `leaf index ${index} is not below tree size ${size}`);
  // PATH(m, D[off:off+n]) = PATH(m, D[off:off+k]) : MTH(D[off+k:off+n])   if m < k
  //                       = PATH(m-k, D[off+k:off+n]) : MTH(D[off:off+k]) otherwise
  const topDown: ProofStep[] = [];
  let m = index;
  let off = 0;
  let n = size;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      topDown.push(step(off + k, off + n));
      n = k;
    } else {
      topDown.push(step(off, off + k));
      m -= k;
      off += k;
      n -= k;
    }
  }
  return topDown.reverse();
}

/** The consistency proof from `from` to `to` leaves (RFC 9162 §2.1.4.1), as ranges and nodes. */
export function consistencyProofNodes(from: number, to: number): ProofStep[] {
  assertSize(from, 'from');
  assertSize(to, 'to');
  if (from > to) throw new LogError('index_out_of_range', `consistency from ${from} > to ${to}`);
  if (from === 0 || from === to) return [];
  // SUBPROOF(m, D[off:off+n], b):
  //   m == n: [] if b, else [MTH(D[off:off+m])]
  //   m <= k: SUBPROOF(m, D[off:off+k], b) : MTH(D[off+k:off+n])
  //   m > k:  SUBPROOF(m-k, D[off+k:off+n], false) : MTH(D[off:off+k])
  const topDown: ProofStep[] = [];
  let m = from;
  let off = 0;
  let n = to;
  let b = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      topDown.push(step(off + k, off + n));
      n = k;
    } else {
      topDown.push(step(off, off + k));
      m -= k;
      off += k;
      n -= k;
      b = false;
    }
  }
  if (!b) topDown.push(step(off, off + m));
  return topDown.reverse();
}

/** The distinct nodes a set of proof steps needs, in first-use order: fetch these from storage. */
export function proofNodeIds(steps: readonly ProofStep[]): NodeId[] {
  const seen = new Set<string>();
  const out: NodeId[] = [];
  for (const s of steps) {
    for (const n of s.nodes) {
      const k = nodeKey(n);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(n);
      }
    }
  }
  return out;
}

export type NodeLookup = ReadonlyMap<string, Uint8Array> | ((node: NodeId) => Uint8Array | undefined);

/**
 * Turns fetched node hashes into the RFC 9162 audit path. `nodes` maps `nodeKey(node)` to its
 * hash (or is a lookup function). Multi-node steps are folded from the right with hashChildren.
 */
export function assembleProof(steps: readonly ProofStep[], nodes: NodeLookup, hasher: TreeHasher | Sha256): Uint8Array[] {
  const h = toHasher(hasher);
  const get = (n: NodeId): Uint8Array => {
    const v = typeof nodes === 'function' ? nodes(n) : nodes.get(nodeKey(n));
    if (v === undefined) throw new LogError('node_missing', `tree node ${nodeKey(n)} is missing from storage`);
    if (v.length !== HASH_SIZE) throw new LogError('node_missing', `tree node ${nodeKey(n)} is not ${HASH_SIZE} bytes`);
    return v;
  };
  return steps.map((s) => {
    let acc = get(s.nodes[s.nodes.length - 1]!);
    for (let i = s.nodes.length - 2; i >= 0; i--) acc = h.hashChildren(get(s.nodes[i]!), acc);
    return acc;
  });
}

/** Reads node hashes in one batch, in the order asked. Sync (better-sqlite3) or async (pg). */
export type NodeReader = (ids: readonly NodeId[]) => readonly Uint8Array[] | Promise<readonly Uint8Array[]>;

async function readAndAssemble(steps: ProofStep[], read: NodeReader, hasher: TreeHasher | Sha256): Promise<Uint8Array[]> {
  const ids = proofNodeIds(steps);
  const hashes = await read(ids);
  if (hashes.length !== ids.length) throw new LogError('node_missing', `asked storage for ${ids.length} nodes, got ${hashes.length}`);
  const map = new Map<string, Uint8Array>();
  ids.forEach((id, i) => map.set(nodeKey(id), hashes[i]!));
  return assembleProof(steps, map, hasher);
}

/** Plans, reads (one batch of ≤ 2·log2(size) nodes) and assembles an inclusion proof. */
export function readInclusionProof(index: number, size: number, read: NodeReader, hasher: TreeHasher | Sha256): Promise<Uint8Array[]> {
  return readAndAssemble(inclusionProofNodes(index, size), read, hasher);
}

/** Plans, reads and assembles a consistency proof. */
export function readConsistencyProof(from: number, to: number, read: NodeReader, hasher: TreeHasher | Sha256): Promise<Uint8Array[]> {
  return readAndAssemble(consistencyProofNodes(from, to), read, hasher);
}

/** The root of the tree at any past size from stored nodes (reads popcount(size) nodes). */
export async function readRoot(size: number, read: NodeReader, hasher: TreeHasher | Sha256): Promise<Uint8Array> {
  const ids = frontierNodeIds(size);
  const hashes = await read(ids);
  return frontierRoot(frontierFromNodes(size, hashes), hasher);
}

// ---------------------------------------------------------------------------------------------
// Verification, exactly RFC 9162 §2.1.3.2 and §2.1.4.2.

function checkProofShape(proof: readonly Uint8Array[]): void {
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i]!;
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) {
      throw new LogError('proof_invalid', `proof element ${i} is not ${HASH_SIZE} bytes`);
    }
  }
}

/**
 * RFC 9162 §2.1.3.2: the root implied by an inclusion proof. Throws `proof_invalid` if the proof
 * has the wrong length or shape for (index, size); does not compare against any root.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  hasher: TreeHasher | Sha256,
): Uint8Array {
  assertSize(index, 'index');
  assertSize(size, 'size');
  if (index >= size) throw new LogError('index_out_of_range', `leaf index ${index} is not below tree size ${size}`);
  if (leafHash.length !== HASH_SIZE) throw new LogError('proof_invalid', `leaf hash is not ${HASH_SIZE} bytes`);
  checkProofShape(proof);
  const h = toHasher(hasher);
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new LogError('proof_invalid', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = h.hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = h.hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new LogError('proof_invalid', 'inclusion proof is too short');
  return r;
}

/** RFC 9162 §2.1.3.2. Throws LogError('proof_invalid') unless the proof shows the leaf at `index` in the tree with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  hasher: TreeHasher | Sha256,
): void {
  if (root.length !== HASH_SIZE) throw new LogError('proof_invalid', `root is not ${HASH_SIZE} bytes`);
  const got = rootFromInclusionProof(leafHash, index, size, proof, hasher);
  if (!equalBytes(got, root)) throw new LogError('proof_invalid', `inclusion proof for leaf ${index} does not lead to the root of size ${size}`);
}

/**
 * RFC 9162 §2.1.4.2. Throws LogError('proof_invalid') unless `proof` shows that the tree of size2
 * with root2 extends the tree of size1 with root1.
 *
 * Edge cases the RFC leaves open, decided strictly: size1 == size2 needs an empty proof and equal
 * roots; size1 == 0 needs an empty proof and root1 == SHA-256("") (the empty tree's root).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
  hasher: TreeHasher | Sha256,
): void {
  assertSize(size1, 'size1');
  assertSize(size2, 'size2');
  if (size1 > size2) throw new LogError('proof_invalid', `size1 ${size1} > size2 ${size2}`);
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) throw new LogError('proof_invalid', `roots must be ${HASH_SIZE} bytes`);
  checkProofShape(proof);
  const h = toHasher(hasher);
  if (size1 === size2) {
    if (proof.length !== 0) throw new LogError('proof_invalid', 'consistency proof between equal sizes must be empty');
    if (!equalBytes(root1, root2)) throw new LogError('proof_invalid', `two different roots for size ${size1}`);
    return;
  }
  if (size1 === 0) {
    if (proof.length !== 0) throw new LogError('proof_invalid', 'consistency proof from the empty tree must be empty');
    if (!equalBytes(root1, h.emptyRoot())) throw new LogError('proof_invalid', 'root of size 0 is not the empty-tree hash');
    return;
  }
  // 1. If consistency_path is empty, fail.
  if (proof.length === 0) throw new LogError('proof_invalid', 'consistency proof is empty');
  // 2. If first is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw new LogError('proof_invalid', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = h.hashChildren(c, fr);
      sr = h.hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = h.hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // 7.
  if (sn !== 0) throw new LogError('proof_invalid', 'consistency proof is too short');
  if (!equalBytes(fr, root1)) throw new LogError('proof_invalid', `consistency proof does not lead to the root of size ${size1}`);
  if (!equalBytes(sr, root2)) throw new LogError('proof_invalid', `consistency proof does not lead to the root of size ${size2}`);
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** Boolean forms, for callers that only branch. */
export function isInclusionValid(...args: Parameters<typeof verifyInclusion>): boolean {
  try {
    verifyInclusion(...args);
    return true;
  } catch (e) {
    if (e instanceof LogError) return false;
    throw e;
  }
}

export function isConsistencyValid(...args: Parameters<typeof verifyConsistency>): boolean {
  try {
    verifyConsistency(...args);
    return true;
  } catch (e) {
    if (e instanceof LogError) return false;
    throw e;
  }
}
