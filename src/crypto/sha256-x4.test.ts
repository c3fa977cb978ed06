import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { createNodeHasherX4, X4_DATA_START, X4_SLACK } from './sha256-x4.js';
import { computeRootNaive } from '../domain/log/merkle.js';
import { sha256 } from './sha256.js';

const hasher = createNodeHasherX4();
const node = (children: Uint8Array): string => createHash('sha256').update(Uint8Array.of(1)).update(children).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('interior nodes four at a time (WebAssembly SIMD)', () => {
  it('is available on this runtime (Node 20 has WebAssembly SIMD)', () => {
    expect(hasher).toBeDefined();
  });

  it('agrees with OpenSSL on every node, whatever the children (each last byte picks its own tail row)', () => {
    const h = hasher!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 7 }), (groups, offset) => {
        const n = groups * 4;
        const src = X4_DATA_START + offset;
        const dst = src + n * 64 + 3;
        h.ensure(dst + n * 32 + X4_SLACK);
        const mem = h.bytes();
        const children = randomBytes(n * 64);
        mem.set(children, src);
        h.nodes(src, dst, groups);
        for (let k = 0; k < n; k++) expect(hex(mem.subarray(dst + 32 * k, dst + 32 * k + 32))).toBe(node(children.subarray(64 * k, 64 * k + 64)));
      }),
      { numRuns: 50 },
    );
    // All 256 tail rows, lane by lane.
    const children = randomBytes(256 * 64);
    for (let last = 0; last < 256; last++) children[64 * last + 63] = last;
    h.ensure(X4_DATA_START + 256 * 96 + X4_SLACK);
    h.bytes().set(children, X4_DATA_START);
    h.nodes(X4_DATA_START, X4_DATA_START + 256 * 64, 64);
    const out = h.bytes();
    for (let k = 0; k < 256; k++) expect(hex(out.subarray(X4_DATA_START + 256 * 64 + 32 * k, X4_DATA_START + 256 * 64 + 32 * (k + 1)))).toBe(node(children.subarray(64 * k, 64 * k + 64)));
  });

  it('hashes a level in place and folds any perfect subtree to its RFC 9162 root, leaving what follows untouched', () => {
    const h = hasher!;
    for (let level = 0; level <= 11; level++) {
      const leaves = Array.from({ length: 2 ** level }, () => new Uint8Array(randomBytes(32)));
      const at = X4_DATA_START + 32;
      h.ensure(at + 2 ** level * 32 + X4_SLACK);
      const mem = h.bytes();
      leaves.forEach((leaf, k) => mem.set(leaf, at + 32 * k));
      const after = randomBytes(64);
      mem.set(after, at + 2 ** level * 32);
      h.subtreeRoot(at, level);
      expect(hex(mem.subarray(at, at + 32)), `level ${level}`).toBe(hex(computeRootNaive(leaves, sha256)));
      expect(hex(mem.subarray(at + 2 ** level * 32, at + 2 ** level * 32 + 64))).toBe(hex(after));
    }
  });

  it('refuses data below its start (word 0 reads the byte before a message)', () => {
    expect(() => hasher!.nodes(X4_DATA_START - 1, X4_DATA_START, 1)).toThrow(RangeError);
    expect(() => hasher!.subtreeRoot(0, 2)).toThrow(RangeError);
  });
});
