/**
 * SHA-256 (FIPS 180-4) in pure JS. Two uses:
 * - `hashChildrenInto`: RFC 9162 interior nodes, SHA-256(0x01 ‖ left ‖ right), a fixed 65-byte
 *   message (two blocks) computed in place in a caller's buffer without allocation. On Node 20 a
 *   call into OpenSSL costs more than these two blocks do in JS, so this is what lets streaming
 *   verification approach the raw hashing rate (src/crypto wires it in).
 * - `sha256Js`: general SHA-256 for tests and as an independent cross-check of native hashing.
 * Pure computation: no I/O, no node:*.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const H = new Int32Array(8);

function compress(): void {
  const w = W;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

function word(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

/**
 * Writes SHA-256(0x01 ‖ buf[left..left+32] ‖ buf[right..right+32]) to buf[out..out+32].
 * `out` may overlap the inputs (they are read completely before the output is written).
 */
export function hashChildrenInto(buf: Uint8Array, left: number, right: number, out: number): void {
  H.set(IV);
  // Block 1: 0x01, left[0..32], right[0..31].
  W[0] = (0x01 << 24) | (buf[left]! << 16) | (buf[left + 1]! << 8) | buf[left + 2]!;
  for (let i = 1; i < 8; i++) W[i] = word(buf, left + 4 * i - 1);
  W[8] = (buf[left + 31]! << 24) | (buf[right]! << 16) | (buf[right + 1]! << 8) | buf[right + 2]!;
  for (let i = 9; i < 16; i++) W[i] = word(buf, right + 4 * (i - 8) - 1);
  const last = buf[right + 31]!;
  compress();
  // Block 2: right[31], 0x80 padding, zeros, bit length 520.
  W[0] = (last << 24) | 0x800000;
  W.fill(0, 1, 15);
  W[15] = 65 * 8;
  compress();
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    const o = out + 4 * i;
    buf[o] = v >>> 24;
    buf[o + 1] = (v >>> 16) & 0xff;
    buf[o + 2] = (v >>> 8) & 0xff;
    buf[o + 3] = v & 0xff;
  }
}

/** SHA-256(0x01 ‖ left ‖ right) for 32-byte inputs, in JS. */
export function hashChildrenJs(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(96);
  buf.set(left, 0);
  buf.set(right, 32);
  hashChildrenInto(buf, 0, 32, 64);
  return buf.slice(64);
}

/** SHA-256 of any message, in JS (slow path: for tests and cross-checks). */
export function sha256Js(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  view.setUint32(padded.length - 4, bitLen % 2 ** 32);
  H.set(IV);
  for (let o = 0; o < padded.length; o += 64) {
    for (let i = 0; i < 16; i++) W[i] = word(padded, o + 4 * i);
    compress();
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}
