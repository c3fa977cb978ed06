/**
 * RFC 9162 interior nodes, SHA-256(0x01 ‖ left ‖ right), four at a time in WebAssembly SIMD.
 *
 * Why hand-written: `passage verify` hashes one interior node per entry, and through OpenSSL each
 * of those 65-byte messages costs a call into C++ and a digest handed back to JavaScript — most of
 * a node's cost, and about a third of verify's per-entry work (docs/benchmarks.md). The nodes of
 * one tree level are independent of each other, so four messages go through the rounds side by
 * side, one per 32-bit lane of a v128, with no call per node. No npm package does multi-message
 * SHA-256; the module is assembled here (a few dozen opcodes of the WebAssembly 2.0 binary
 * format) rather than shipped as an opaque binary, and checked against OpenSSL in tests.
 *
 * The second block of a 65-byte message is the right child's last byte, 0x80, zeros and the
 * length 520, so only 256 such blocks exist: their message schedules (plus K) sit in a table, and
 * each lane's round constant is loaded from its own row.
 */

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** Bytes of the tail table: 256 rows of 64 words (K + W of the second block), little-endian. */
const TAIL_BYTES = 256 * 64 * 4;
/** A group's four digests, for levels of fewer than four nodes. */
const SCRATCH = TAIL_BYTES;
/** Where callers' data starts in the module's memory: after the tail table, the scratch group and a spare byte (word 0 is read from one byte before a message). */
export const X4_DATA_START = TAIL_BYTES + 192;
/** Bytes past the end of callers' data that a group may read: keep them inside the memory. */
export const X4_SLACK = 256;

// ---------------------------------------------------------------------------------------------
// A minimal assembler for the opcodes used.

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const memarg = (offset: number): number[] => [0x00, ...uleb(offset)];

const OP = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32const: (n: number) => [0x41, ...sleb(n | 0)],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32eqz: [0x45],
  i32load8u: (offset: number) => [0x2d, ...memarg(offset)],
  i32shl: [0x74],
  v128const: (w: readonly number[]) => [...simd(0x0c), ...w.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff])],
  shuffle: (lanes: readonly number[]) => [...simd(0x0d), ...lanes],
  load32zero: (offset: number) => [...simd(0x5c), ...memarg(offset)],
  load32lane: (offset: number, lane: number) => [...simd(0x56), ...memarg(offset), lane],
  store32lane: (offset: number, lane: number) => [...simd(0x5a), ...memarg(offset), lane],
  and: simd(0x4e),
  or: simd(0x50),
  xor: simd(0x51),
  bitselect: simd(0x52),
  shl: simd(0xab),
  shrU: simd(0xad),
  add: simd(0xae),
};

// Locals of the function: params 0 src, 1 dst, 2 groups; i32 3 row0..6 row3; v128 from 7.
const SRC = 0;
const DST = 1;
const GROUPS = 2;
const ROW = 3; // four i32 locals: each lane's tail-table row address
const V = 7; // v128 locals start here
const A = V; // a..h: V..V+7
const W0 = V + 8; // w0..w15
const H0 = V + 24; // state after the first block
const T1 = V + 32;
const T2 = V + 33;
const V128_LOCALS = 34;

/** Byte-reverses each 32-bit lane (message words are big-endian). */
const BSWAP = OP.shuffle([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);

const rotr = (n: number): number[] => [
  // x on the stack, saved in T2 by the caller: (x >>> n) | (x << 32 - n)
  ...OP.i32const(n),
  ...OP.shrU,
  ...OP.localGet(T2),
  ...OP.i32const(32 - n),
  ...OP.shl,
  ...OP.or,
];

/** Σ(x) = rotr(x, r1) ^ rotr(x, r2) ^ rotr(x, r3), x in local `x`. */
function bigSigma(x: number, r: readonly [number, number, number]): number[] {
  return [
    ...OP.localGet(x),
    ...OP.localSet(T2),
    ...OP.localGet(T2),
    ...rotr(r[0]),
    ...OP.localGet(T2),
    ...rotr(r[1]),
    ...OP.xor,
    ...OP.localGet(T2),
    ...rotr(r[2]),
    ...OP.xor,
  ];
}

/** σ(x) = rotr(x, r1) ^ rotr(x, r2) ^ (x >>> s), x in local `x`. */
function smallSigma(x: number, r1: number, r2: number, s: number): number[] {
  return [...OP.localGet(x), ...OP.localSet(T2), ...OP.localGet(T2), ...rotr(r1), ...OP.localGet(T2), ...rotr(r2), ...OP.xor, ...OP.localGet(T2), ...OP.i32const(s), ...OP.shrU, ...OP.xor];
}

/**
 * One round, the working variables named by rotation `i` (a = A + (−i mod 8) …): the value of
 * K[i] + W[i] is pushed by `kw`.
 */
function round(i: number, kw: number[]): number[] {
  const v = (k: number): number => A + ((k - i + 64) % 8);
  const [a, b, c, d, e, f, g, h] = [v(0), v(1), v(2), v(3), v(4), v(5), v(6), v(7)];
  return [
    // T1 = h + Σ1(e) + Ch(e, f, g) + K + W
    ...OP.localGet(h),
    ...bigSigma(e, [6, 11, 25]),
    ...OP.add,
    ...OP.localGet(f),
    ...OP.localGet(g),
    ...OP.localGet(e),
    ...OP.bitselect,
    ...OP.add,
    ...kw,
    ...OP.add,
    ...OP.localSet(T1),
    // d += T1
    ...OP.localGet(d),
    ...OP.localGet(T1),
    ...OP.add,
    ...OP.localSet(d),
    // h = T1 + Σ0(a) + Maj(a, b, c); Maj = bitselect(b, c, a ^ c)
    ...OP.localGet(T1),
    ...bigSigma(a, [2, 13, 22]),
    ...OP.add,
    ...OP.localGet(b),
    ...OP.localGet(c),
    ...OP.localGet(a),
    ...OP.localGet(c),
    ...OP.xor,
    ...OP.bitselect,
    ...OP.add,
    ...OP.localSet(h),
  ];
}

const splat4 = (x: number): number[] => [x, x, x, x];

/** The function body: `groups` times, four node messages from src (64 bytes of children each) to four digests at dst. */
function body(): number[] {
  const code: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) code.push(...p);
  };
  // block $done (loop $next ( if groups == 0 break; … ; src += 256; dst += 128; groups -= 1; br $next ))
  emit([0x02, 0x40], [0x03, 0x40], OP.localGet(GROUPS), OP.i32eqz, [0x0d, 0x01]);
  // First block: words from the children, one message per lane. Word t of a message is bytes
  // 4t−1 … 4t+2 of its children (byte −1 being the 0x01 prefix): loaded from src − 1 (never
  // below the data start), byte-swapped, and word 0's top byte replaced by the prefix.
  for (let t = 0; t < 16; t++) {
    emit(OP.localGet(SRC), OP.i32const(1), OP.i32sub, OP.load32zero(4 * t));
    for (let j = 1; j < 4; j++) {
      emit(OP.localSet(T1), OP.localGet(SRC), OP.i32const(1), OP.i32sub, OP.localGet(T1), OP.load32lane(64 * j + 4 * t, j));
    }
    emit(OP.localTee(T1), OP.localGet(T1), BSWAP);
    if (t === 0) emit(OP.v128const(splat4(0x00ffffff)), OP.and, OP.v128const(splat4(0x01000000)), OP.or);
    emit(OP.localSet(W0 + t));
  }
  for (let k = 0; k < 8; k++) emit(OP.v128const(splat4(IV[k] as number)), OP.localSet(A + k));
  for (let i = 0; i < 64; i++) {
    const w = W0 + (i % 16);
    if (i >= 16) {
      // w[i] = σ1(w[i−2]) + w[i−7] + σ0(w[i−15]) + w[i−16]
      emit(smallSigma(W0 + ((i - 2) % 16), 17, 19, 10), OP.localGet(W0 + ((i - 7) % 16)), OP.add, smallSigma(W0 + ((i - 15) % 16), 7, 18, 3), OP.add, OP.localGet(w), OP.add, OP.localSet(w));
    }
    emit(round(i, [...OP.localGet(w), ...OP.v128const(splat4(K[i] as number)), ...OP.add]));
  }
  // After 64 rounds the names have come full circle: a..h are A..A+7 again.
  for (let k = 0; k < 8; k++) emit(OP.localGet(A + k), OP.v128const(splat4(IV[k] as number)), OP.add, OP.localTee(H0 + k), OP.localSet(A + k));
  // Second block: each lane's row of the tail table, picked by its message's last byte.
  for (let j = 0; j < 4; j++) emit(OP.localGet(SRC), OP.i32load8u(64 * j + 63), OP.i32const(8), OP.i32shl, OP.localSet(ROW + j));
  for (let i = 0; i < 64; i++) {
    const kw = [...OP.localGet(ROW), ...OP.load32zero(4 * i)];
    for (let j = 1; j < 4; j++) kw.push(...OP.localSet(T1), ...OP.localGet(ROW + j), ...OP.localGet(T1), ...OP.load32lane(4 * i, j));
    emit(round(i, kw));
  }
  // Digest words, big-endian, lane j to dst + 32j.
  for (let k = 0; k < 8; k++) {
    emit(OP.localGet(A + k), OP.localGet(H0 + k), OP.add, OP.localTee(T1), OP.localGet(T1), BSWAP, OP.localSet(T1));
    for (let j = 0; j < 4; j++) emit(OP.localGet(DST), OP.localGet(T1), OP.store32lane(32 * j + 4 * k, j));
  }
  emit(OP.localGet(SRC), OP.i32const(256), OP.i32add, OP.localSet(SRC));
  emit(OP.localGet(DST), OP.i32const(128), OP.i32add, OP.localSet(DST));
  emit(OP.localGet(GROUPS), OP.i32const(1), OP.i32sub, OP.localSet(GROUPS));
  emit([0x0c, 0x00], [0x0b], [0x0b]); // br $next; end loop; end block
  return code;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fnBody = body();
  // locals: 4 i32 (0x7f), then v128 (0x7b)
  const locals = vec([
    [4, 0x7f],
    [...uleb(V128_LOCALS), 0x7b],
  ]);
  const code = [...locals, ...fnBody, 0x0b];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f]]), ...vec([])]])), // type: (i32 i32 i32) -> ()
    ...section(3, vec([[0x00]])), // function 0 has type 0
    ...section(5, vec([[0x00, ...uleb(Math.ceil((X4_DATA_START + 1) / 65536))]])), // memory, min pages
    ...section(
      7,
      vec([
        [...name('nodes'), 0x00, 0x00],
        [...name('memory'), 0x02, 0x00],
      ]),
    ),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ];
  return new Uint8Array(bytes);
}

/** K + W of the second block of every 65-byte message, by its last byte (see `sha256-js.ts`). */
function tailTable(): Uint32Array {
  const table = new Uint32Array(256 * 64);
  const w = new Uint32Array(64);
  for (let last = 0; last < 256; last++) {
    w.fill(0);
    w[0] = ((last << 24) | 0x800000) >>> 0;
    w[15] = 65 * 8;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number;
      const y = w[i - 2] as number;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    for (let i = 0; i < 64; i++) table[last * 64 + i] = ((w[i] as number) + (K[i] as number)) >>> 0;
  }
  return table;
}

/** A hasher of interior nodes, four at a time: its memory holds the callers' children and digests from `X4_DATA_START`. */
export interface NodeHasherX4 {
  readonly memory: WebAssembly.Memory;
  /** The memory's bytes (a new view after `ensure` grew it). */
  bytes(): Uint8Array;
  /** Makes room for data up to byte `end` of the memory. */
  ensure(end: number): void;
  /**
   * Hashes 4·groups nodes: node k's children are the 64 bytes at src + 64k, its digest goes to
   * dst + 32k. src ≥ X4_DATA_START; dst may be src (a level is hashed in place into its first half).
   */
  nodes(src: number, dst: number, groups: number): void;
  /**
   * Replaces the 2^level leaf hashes at `at` by the root of their perfect subtree (RFC 9162's
   * MTH), written at `at`; the memory past them up to `X4_SLACK` bytes is read, not changed.
   */
  subtreeRoot(at: number, level: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** A new instance (one per thread that hashes), or undefined where WebAssembly SIMD is missing. */
export function createNodeHasherX4(): NodeHasherX4 | undefined {
  try {
    compiled ??= new WebAssembly.Module(moduleBytes());
  } catch {
    return undefined;
  }
  const instance = new WebAssembly.Instance(compiled, {});
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  const fn = instance.exports['nodes'] as (src: number, dst: number, groups: number) => void;
  const table = tailTable();
  new Uint8Array(memory.buffer).set(new Uint8Array(table.buffer), 0);
  let view = new Uint8Array(memory.buffer);
  return {
    memory,
    bytes: () => (view.buffer === memory.buffer ? view : (view = new Uint8Array(memory.buffer))),
    ensure(end) {
      const have = memory.buffer.byteLength;
      if (end > have) memory.grow(Math.ceil((end - have) / 65536));
    },
    nodes(src, dst, groups) {
      if (src < X4_DATA_START || dst < X4_DATA_START) throw new RangeError('node data lies below the data start');
      fn(src, dst, groups);
    },
    subtreeRoot(at, level) {
      if (at < X4_DATA_START) throw new RangeError('node data lies below the data start');
      // Level by level in place: node k's digest overwrites the first half of its children's
      // 64 bytes' position k·32, which no later node reads. A level's last 1–3 nodes go through
      // one group hashed into the scratch (its other lanes read what follows: harmless).
      for (let count = 2 ** level / 2; count >= 1; count /= 2) {
        const groups = count >>> 2;
        if (groups > 0) fn(at, at, groups);
        const rest = count & 3;
        if (rest > 0) {
          const done = groups * 4;
          fn(at + 64 * done, SCRATCH, 1);
          const mem = new Uint8Array(memory.buffer);
          mem.copyWithin(at + 32 * done, SCRATCH, SCRATCH + 32 * rest);
        }
      }
    },
  };
}
