/** SHA-256 and the RFC 9162 tree hasher on node:crypto (OpenSSL). */
import * as nodeCrypto from 'node:crypto';
import type { Sha256, TreeHasher } from '../domain/log/merkle.js';
import { hashChildrenInto as hashChildrenIntoJs } from '../domain/log/sha256-js.js';

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string;
// crypto.hash (Node ≥ 20.12) skips the Hash object. Its digest is asked for as a latin1 string
// (one character per byte) and copied out: on Node 20 handing the 32 bytes back as a Buffer costs
// more than the hashing itself (measured: a 297-byte entry 0.6–0.8 M/s as a Buffer, 1.5–2.0 M/s
// as a string), and that is most of what `passage verify` does per entry.
const oneShot = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;

/** Writes SHA-256(data) to out[at..at+32]. */
export const sha256Into: (data: Uint8Array, out: Uint8Array, at: number) => void =
  oneShot !== undefined
    ? (data, out, at) => {
        const digest = oneShot('sha256', data, 'latin1');
        for (let i = 0; i < 32; i++) out[at + i] = digest.charCodeAt(i);
      }
    : (data, out, at) => out.set(nodeCrypto.createHash('sha256').update(data).digest(), at);

/** SHA-256 of `data`. */
export const sha256: Sha256 = (data) => {
  const out = new Uint8Array(32);
  sha256Into(data, out, 0);
  return out;
};

const EMPTY = sha256(new Uint8Array(0));
const encoder = new TextEncoder();

/**
 * The fastest RFC 9162 hasher on this runtime: leaves and interior nodes through OpenSSL, the
 * 0x00 / 0x01 prefix written into reused scratch buffers, node hashes written in place. Where
 * crypto.hash is missing (Node < 20.12) interior nodes are hashed in JS (src/domain/log/sha256-js.ts),
 * which beats a Hash object per node. Not re-entrant across async boundaries (there are none inside).
 */
export function createNodeTreeHasher(): TreeHasher {
  let scratch = new Uint8Array(4096);
  // Views of the scratch buffer by length: creating a view per call costs as much as hashing.
  const viewsFor = (size: number): (Uint8Array | undefined)[] => new Array<Uint8Array | undefined>(Math.min(size, 65536) + 1).fill(undefined);
  let views = viewsFor(scratch.length);
  const viewOf = (n: number): Uint8Array => {
    let view = views[n];
    if (view === undefined) {
      view = new Uint8Array(scratch.buffer, 0, n);
      if (n < views.length) views[n] = view;
    }
    return view;
  };
  const nodeMsg = new Uint8Array(65);
  nodeMsg[0] = 0x01;
  const nodeBuf = new Uint8Array(96);
  const hashChildrenInto =
    oneShot !== undefined
      ? (buf: Uint8Array, left: number, right: number, out: number): void => {
          // Copied byte by byte: two subarray views per node would cost more than the copy.
          for (let k = 0; k < 32; k++) {
            nodeMsg[1 + k] = buf[left + k] as number;
            nodeMsg[33 + k] = buf[right + k] as number;
          }
          sha256Into(nodeMsg, buf, out);
        }
      : hashChildrenIntoJs;
  return {
    emptyRoot: () => EMPTY.slice(),
    hashLeaf(entry) {
      const n = entry.length + 1;
      if (n > scratch.length) {
        scratch = new Uint8Array(Math.max(n, scratch.length * 2));
        views = viewsFor(scratch.length);
      }
      scratch[0] = 0x00;
      scratch.set(entry, 1);
      return sha256(viewOf(n));
    },
    hashLeafText(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: encode straight into the scratch buffer.
      if (text.length * 3 + 1 > scratch.length) {
        scratch = new Uint8Array(Math.max(text.length * 3 + 1, scratch.length * 2));
        views = viewsFor(scratch.length);
      }
      scratch[0] = 0x00;
      const n = encoder.encodeInto(text, scratch.subarray(1)).written + 1;
      return sha256(viewOf(n));
    },
    hashChildren(left, right) {
      nodeBuf.set(left, 0);
      nodeBuf.set(right, 32);
      hashChildrenInto(nodeBuf, 0, 32, 64);
      return nodeBuf.slice(64);
    },
    hashChildrenInto,
    sha256Into,
  };
}

/** Leaf hashes of many entries at once (same bytes as hashing each with hashLeaf). */
export function hashLeaves(entries: readonly Uint8Array[], hasher: TreeHasher = createNodeTreeHasher()): Uint8Array[] {
  return entries.map((e) => hasher.hashLeaf(e));
}
