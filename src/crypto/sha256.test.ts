import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { sha256, createNodeTreeHasher, hashLeaves } from './sha256.js';
import { sha256Js } from '../domain/log/sha256-js.js';
import { StreamingRoot, computeRootNaive, createTreeHasher, hashChildren, hashLeaf } from '../domain/log/merkle.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('sha256', () => {
  it('matches FIPS 180-4 examples', () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(Buffer.from('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('the pure-JS SHA-256 agrees with OpenSSL on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(toHex(sha256Js(data))).toBe(toHex(sha256(data)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('node tree hasher', () => {
  const fast = createNodeTreeHasher();
  it('agrees with the generic RFC 9162 hasher', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (e, l, r) => {
        expect(toHex(fast.hashLeaf(e))).toBe(toHex(hashLeaf(e, sha256)));
        expect(toHex(fast.hashChildren(l, r))).toBe(toHex(hashChildren(l, r, sha256)));
      }),
      { numRuns: 200 },
    );
    expect(toHex(fast.emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('streams the same roots as the naive MTH', () => {
    const entries = Array.from({ length: 200 }, (_, i) => Buffer.from(`entry ${i}`));
    const leaves = hashLeaves(entries, fast);
    const stream = new StreamingRoot(fast);
    const generic = createTreeHasher(sha256);
    entries.forEach((e, i) => {
      stream.pushEntry(e);
      if (i % 17 === 0 || i === 199) expect(toHex(stream.root())).toBe(toHex(computeRootNaive(leaves.slice(0, i + 1), generic)));
    });
  });
});

describe('hashLeafText', () => {
  it('equals hashLeaf of the UTF-8 bytes, for ASCII, Cyrillic, emoji and long texts', () => {
    const h = createNodeTreeHasher();
    for (const text of ['', 'a', '{"action":"corridor.proposed"}', 'Суми → Полтава', '🚌'.repeat(10), 'x'.repeat(20_000)]) {
      const a = h.hashLeafText?.(text);
      const b = h.hashLeaf(new TextEncoder().encode(text));
      expect(a && Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    }
  });
});
