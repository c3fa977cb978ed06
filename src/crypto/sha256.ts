/** SHA-256 and the RFC 9162 tree hasher on node:crypto (OpenSSL). */
import * as nodeCrypto from 'node:crypto';
import type { Sha256, TreeHasher } from '../domain/log/merkle.js';
import { hashChildrenInto } from '../domain/log/sha256-js.js';

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Buffer;
// crypto.hash (Node ≥ 20.12) skips the Hash object and is about twice as fast for small inputs.
const oneShot = (nodeCrypto as unknown as { hash?: OneShotHash }).hash;

/** SHA-256 of `data`. */
export const sha256: Sha256 =
  oneShot !== undefined
    ? (data) => oneShot('sha256', data, 'buffer')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest();

const EMPTY = sha256(new Uint8Array(0));
const encoder = new TextEncoder();

/**
 * The fastest RFC 9162 hasher on this runtime: leaves through OpenSSL (one call, the 0x00 prefix
 * written into a reused scratch buffer), interior nodes in JS, in place, without allocation.
 * Not re-entrant across async boundaries (there are none inside it).
 */
export function createNodeTreeHasher(): TreeHasher {
  let scratch = new Uint8Array(4096);
  // Views of the scratch buffer by length: creating a view per call costs as much as hashing.
  const viewsFor = (size: number): (Uint8Array | undefined)[] => new Array<Uint8Array | undefined>(Math.min(size, 65536) + 1).fill(undefined);
  let views = viewsFor(scratch.length);
  const nodeBuf = new Uint8Array(96);
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
      let view = views[n];
      if (view === undefined) {
        view = new Uint8Array(scratch.buffer, 0, n);
        if (n < views.length) views[n] = view;
      }
      return sha256(view);
    },
    hashLeafText(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: encode straight into the scratch buffer.
      if (text.length * 3 + 1 > scratch.length) {
        scratch = new Uint8Array(Math.max(text.length * 3 + 1, scratch.length * 2));
        views = viewsFor(scratch.length);
      }
      scratch[0] = 0x00;
      const n = encoder.encodeInto(text, scratch.subarray(1)).written + 1;
      let view = views[n];
      if (view === undefined) {
        view = new Uint8Array(scratch.buffer, 0, n);
        if (n < views.length) views[n] = view;
      }
      return sha256(view);
    },
    hashChildren(left, right) {
      nodeBuf.set(left, 0);
      nodeBuf.set(right, 32);
      hashChildrenInto(nodeBuf, 0, 32, 64);
      return nodeBuf.slice(64);
    },
    hashChildrenInto,
  };
}

/** Leaf hashes of many entries at once (same bytes as hashing each with hashLeaf). */
export function hashLeaves(entries: readonly Uint8Array[], hasher: TreeHasher = createNodeTreeHasher()): Uint8Array[] {
  return entries.map((e) => hasher.hashLeaf(e));
}
