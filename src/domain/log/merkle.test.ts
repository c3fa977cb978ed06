import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_FRONTIER,
  StreamingRoot,
  RangeBuilder,
  appendLeaf,
  assembleProof,
  computeRoot,
  computeRootNaive,
  consistencyProofNodes,
  createTreeHasher,
  decodeFrontier,
  emptyRoot,
  encodeFrontier,
  frontierFromJson,
  frontierNodeIds,
  frontierRoot,
  frontierToJson,
  hashChildren,
  hashLeaf,
  inclusionProofNodes,
  isConsistencyValid,
  isInclusionValid,
  nodeKey,
  nodesCompletedBy,
  proofNodeIds,
  rangeNodes,
  readConsistencyProof,
  readInclusionProof,
  readRoot,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type NodeId,
  type TreeHasher,
} from './merkle.js';
import { sha256Js as sha, hashChildrenInto } from './sha256-js.js';
import { LogError } from './log-error.js';
import { encodeUtf8 } from './encoding.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const hasher = createTreeHasher(sha);

// --- Published vectors: transparency-dev/merkle (rfc6962/rfc6962_test.go, proof/verify_test.go) ---

const EMPTY_TREE = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);

/** ROOTS[n - 1] is the root of the tree of the first n leaves. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Inclusion vectors: 1-based leaf number, tree size, audit path. */
const INCLUSION: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

// --- An in-memory node store fed the way storage will be fed: the nodes completed per append ---

class MemoryTree {
  readonly nodes = new Map<string, Uint8Array>();
  frontier: Frontier = EMPTY_FRONTIER;
  reads = 0;
  constructor(private readonly h: TreeHasher) {}
  append(leafHash: Uint8Array): void {
    const { frontier, completed } = appendLeaf(this.frontier, leafHash, this.h);
    this.frontier = frontier;
    for (const n of completed) this.nodes.set(nodeKey(n), n.hash);
  }
  read = (ids: readonly NodeId[]): Uint8Array[] => {
    this.reads += ids.length;
    return ids.map((id) => {
      const v = this.nodes.get(nodeKey(id));
      if (v === undefined) throw new Error(`missing ${nodeKey(id)}`);
      return v;
    });
  };
  inclusion(index: number, size: number): Uint8Array[] {
    const steps = inclusionProofNodes(index, size);
    return assembleProof(steps, this.nodes, this.h);
  }
  consistency(from: number, to: number): Uint8Array[] {
    return assembleProof(consistencyProofNodes(from, to), this.nodes, this.h);
  }
}

function referenceTree(): { tree: MemoryTree; leafHashes: Uint8Array[] } {
  const tree = new MemoryTree(hasher);
  const leafHashes = LEAVES.map((l) => hashLeaf(l, sha));
  leafHashes.forEach((h) => tree.append(h));
  return { tree, leafHashes };
}

function flip(b: Uint8Array, byte: number, mask: number): Uint8Array {
  const c = b.slice();
  c[byte] = c[byte]! ^ mask;
  return c;
}

describe('RFC 9162 hashing', () => {
  it('matches the rfc6962 hasher vectors', () => {
    expect(toHex(emptyRoot(sha))).toBe(EMPTY_TREE);
    expect(toHex(hashLeaf(new Uint8Array(0), sha))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(toHex(hashLeaf(encodeUtf8('L123456'), sha))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    expect(toHex(hashChildren(encodeUtf8('N123'), encodeUtf8('N456'), sha))).toBe(
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
    expect(toHex(hasher.hashLeaf(encodeUtf8('L123456')))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
  });

  it('separates leaves from nodes and depends on child order', () => {
    const a = hashLeaf(encodeUtf8('Hello'), sha);
    const b = hashLeaf(encodeUtf8('World'), sha);
    const node = hashChildren(a, b, sha);
    const concat = new Uint8Array(64);
    concat.set(a);
    concat.set(b, 32);
    expect(toHex(node)).not.toBe(toHex(hashLeaf(concat, sha)));
    expect(toHex(node)).not.toBe(toHex(hashChildren(b, a, sha)));
  });

  it('the in-place JS node hash equals SHA-256(0x01 ‖ l ‖ r), also when output overlaps input', () => {
    const l = sha(encodeUtf8('left'));
    const r = sha(encodeUtf8('right'));
    const want = hashChildren(l, r, sha);
    const buf = new Uint8Array(64);
    buf.set(l);
    buf.set(r, 32);
    hashChildrenInto(buf, 0, 32, 0);
    expect(toHex(buf.subarray(0, 32))).toBe(toHex(want));
  });
});

describe('roots of the 8-leaf reference tree', () => {
  it('every way of computing the root gives the published roots', () => {
    const leafHashes = LEAVES.map((l) => hashLeaf(l, sha));
    let frontier = EMPTY_FRONTIER;
    const stream = new StreamingRoot(hasher);
    expect(toHex(frontierRoot(frontier, sha))).toBe(EMPTY_TREE);
    expect(toHex(stream.root())).toBe(EMPTY_TREE);
    expect(toHex(computeRoot([], sha))).toBe(EMPTY_TREE);
    for (let n = 1; n <= 8; n++) {
      const want = ROOTS[n - 1];
      expect(toHex(computeRoot(leafHashes.slice(0, n), sha))).toBe(want);
      expect(toHex(computeRootNaive(leafHashes.slice(0, n), sha))).toBe(want);
      frontier = appendLeaf(frontier, leafHashes[n - 1]!, sha).frontier;
      expect(toHex(frontierRoot(frontier, sha))).toBe(want);
      stream.pushEntry(LEAVES[n - 1]!);
      expect(stream.size).toBe(n);
      expect(toHex(stream.root())).toBe(want);
    }
  });

  it('streaming without an in-place hasher gives the same roots', () => {
    const plain: TreeHasher = { emptyRoot: () => emptyRoot(sha), hashLeaf: (e) => hashLeaf(e, sha), hashChildren: (l, r) => hashChildren(l, r, sha) };
    const stream = new StreamingRoot(plain);
    LEAVES.forEach((l, i) => {
      stream.pushEntry(l);
      expect(toHex(stream.root())).toBe(ROOTS[i]);
    });
  });

  it('resumes streaming from a saved frontier', () => {
    const leafHashes = LEAVES.map((l) => hashLeaf(l, sha));
    const first = new StreamingRoot(hasher);
    leafHashes.slice(0, 5).forEach((h) => first.pushLeafHash(h));
    const resumed = new StreamingRoot(hasher, decodeFrontier(encodeFrontier(first.frontier())));
    leafHashes.slice(5).forEach((h) => resumed.pushLeafHash(h));
    expect(toHex(resumed.root())).toBe(ROOTS[7]);
  });
});

describe('proof generation reproduces the published proofs', () => {
  const { tree, leafHashes } = referenceTree();

  it.each(INCLUSION)('inclusion of leaf $leaf in size $size', ({ leaf, size, proof }) => {
    expect(tree.inclusion(leaf - 1, size).map(toHex)).toEqual(proof);
    verifyInclusion(leafHashes[leaf - 1]!, leaf - 1, size, proof.map(hex), hex(ROOTS[size - 1]!), sha);
  });

  it.each(CONSISTENCY)('consistency $size1 → $size2', ({ size1, size2, proof }) => {
    expect(tree.consistency(size1, size2).map(toHex)).toEqual(proof);
    verifyConsistency(size1, size2, proof.map(hex), hex(ROOTS[size1 - 1]!), hex(ROOTS[size2 - 1]!), sha);
  });

  it('reads proofs through a batched node reader', async () => {
    const p = await readInclusionProof(5, 8, tree.read, hasher);
    expect(p.map(toHex)).toEqual(INCLUSION[2]!.proof);
    const c = await readConsistencyProof(6, 7, async (ids) => tree.read(ids), hasher);
    expect(c.map(toHex)).toEqual(CONSISTENCY[4]!.proof);
    for (let n = 0; n <= 8; n++) expect(toHex(await readRoot(n, tree.read, hasher))).toBe(n === 0 ? EMPTY_TREE : ROOTS[n - 1]);
  });

  it('names a missing node', () => {
    expect(() => assembleProof(inclusionProofNodes(0, 8), new Map(), sha)).toThrow(
      expect.objectContaining({ code: 'node_missing' }) as unknown as Error,
    );
  });
});

// --- Attack probes in the style of transparency-dev/merkle verify tests ---

function inclusionProbes(index: number, size: number, proof: Uint8Array[], root: Uint8Array, leaf: Uint8Array) {
  const probes: { desc: string; index: number; size: number; leaf: Uint8Array; proof: Uint8Array[]; root: Uint8Array }[] = [
    { desc: 'index - 1', index: index - 1, size, leaf, proof, root },
    { desc: 'index + 1', index: index + 1, size, leaf, proof, root },
    { desc: 'index ^ 2', index: index ^ 2, size, leaf, proof, root },
    { desc: 'size * 2', index, size: size * 2, leaf, proof, root },
    { desc: 'size / 2', index, size: Math.floor(size / 2), leaf, proof, root },
    { desc: 'wrong leaf', index, size, leaf: encodeUtf8('WrongLeaf'), proof, root },
    { desc: 'other leaf hash', index, size, leaf: sha(encodeUtf8('WrongLeaf')), proof, root },
    { desc: 'empty root', index, size, leaf, proof, root: hex(EMPTY_TREE) },
    { desc: 'random root', index, size, leaf, proof, root: SOME_HASH },
    { desc: 'trailing garbage', index, size, leaf, proof: [...proof, new Uint8Array(0)], root },
    { desc: 'trailing root', index, size, leaf, proof: [...proof, root], root },
    { desc: 'preceding garbage', index, size, leaf, proof: [new Uint8Array(0), ...proof], root },
    { desc: 'preceding root', index, size, leaf, proof: [root, ...proof], root },
  ];
  proof.forEach((_, i) => {
    for (const [byte, mask] of [
      [0, 8],
      [31, 1],
      [17, 0x80],
    ] as const) {
      const p = proof.slice();
      p[i] = flip(p[i]!, byte, mask);
      probes.push({ desc: `proof[${i}] byte ${byte} ^ ${mask}`, index, size, leaf, proof: p, root });
    }
  });
  if (proof.length > 0) probes.push({ desc: 'removed component', index, size, leaf, proof: proof.slice(0, -1), root });
  if (proof.length > 1) probes.push({ desc: 'inserted component', index, size, leaf, proof: [proof[0]!, SOME_HASH, ...proof.slice(1)], root });
  if (proof.length > 1) probes.push({ desc: 'swapped components', index, size, leaf, proof: [proof[1]!, proof[0]!, ...proof.slice(2)], root });
  return probes;
}

function consistencyProbes(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]) {
  const probes: { desc: string; size1: number; size2: number; root1: Uint8Array; root2: Uint8Array; proof: Uint8Array[] }[] = [
    { desc: 'size1 - 1', size1: size1 - 1, size2, root1, root2, proof },
    { desc: 'size1 + 1', size1: size1 + 1, size2, root1, root2, proof },
    { desc: 'size1 ^ 2', size1: size1 ^ 2, size2, root1, root2, proof },
    { desc: 'size2 * 2', size1, size2: size2 * 2, root1, root2, proof },
    { desc: 'size2 / 2', size1, size2: Math.floor(size2 / 2), root1, root2, proof },
    { desc: 'wrong root1', size1, size2, root1: encodeUtf8('WrongRoot'), root2, proof },
    { desc: 'wrong root2', size1, size2, root1, root2: encodeUtf8('WrongRoot'), proof },
    { desc: 'other root1', size1, size2, root1: SOME_HASH, root2, proof },
    { desc: 'other root2', size1, size2, root1, root2: SOME_HASH, proof },
    { desc: 'swapped roots', size1, size2, root1: root2, root2: root1, proof },
    { desc: 'empty proof', size1, size2, root1, root2, proof: [] },
    { desc: 'trailing garbage', size1, size2, root1, root2, proof: [...proof, new Uint8Array(0)] },
    { desc: 'trailing root1', size1, size2, root1, root2, proof: [...proof, root1] },
    { desc: 'trailing root2', size1, size2, root1, root2, proof: [...proof, root2] },
    { desc: 'preceding garbage', size1, size2, root1, root2, proof: [new Uint8Array(0), ...proof] },
    { desc: 'preceding root1', size1, size2, root1, root2, proof: [root1, ...proof] },
    { desc: 'preceding root2', size1, size2, root1, root2, proof: [root2, ...proof] },
    { desc: 'preceding proof[0]', size1, size2, root1, root2, proof: [proof[0]!, ...proof] },
    { desc: 'truncated proof', size1, size2, root1, root2, proof: proof.slice(0, -1) },
    { desc: 'reversed proof', size1, size2, root1, root2, proof: proof.slice().reverse() },
  ];
  proof.forEach((_, i) => {
    for (const [byte, mask] of [
      [0, 16],
      [31, 1],
      [9, 0x40],
    ] as const) {
      const p = proof.slice();
      p[i] = flip(p[i]!, byte, mask);
      probes.push({ desc: `proof[${i}] byte ${byte} ^ ${mask}`, size1, size2, root1, root2, proof: p });
    }
  });
  return probes;
}

describe('attacks on inclusion verification', () => {
  const { leafHashes } = referenceTree();
  for (const v of INCLUSION) {
    it(`no corruption of leaf ${v.leaf} in size ${v.size} verifies`, () => {
      const index = v.leaf - 1;
      const root = hex(ROOTS[v.size - 1]!);
      const proof = v.proof.map(hex);
      expect(toHex(rootFromInclusionProof(leafHashes[index]!, index, v.size, proof, sha))).toBe(ROOTS[v.size - 1]);
      const wrong = inclusionProbes(index, v.size, proof, root, leafHashes[index]!)
        .filter((p) => isInclusionValid(p.leaf, p.index, p.size, p.proof, p.root, sha))
        .map((p) => p.desc);
      expect(wrong).toEqual([]);
    });
  }

  it('single-entry tree: leaf is root, only the right hashes verify', () => {
    const h = hashLeaf(encodeUtf8('data'), sha);
    expect(isInclusionValid(h, 0, 1, [], h, sha)).toBe(true);
    expect(isInclusionValid(h, 0, 1, [], new Uint8Array(0), sha)).toBe(false);
    expect(isInclusionValid(new Uint8Array(0), 0, 1, [], h, sha)).toBe(false);
    expect(isInclusionValid(new Uint8Array(0), 0, 1, [], new Uint8Array(0), sha)).toBe(false);
  });

  it('rejects impossible (index, size) pairs', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [1, 1],
      [-1, 4],
      [0.5, 4],
    ] as const) {
      expect(isInclusionValid(SOME_HASH, index, size, [], hex(EMPTY_TREE), sha)).toBe(false);
      expect(isInclusionValid(hex(EMPTY_TREE), index, size, [], hex(EMPTY_TREE), sha)).toBe(false);
    }
  });

  it('throws typed errors', () => {
    const { leafHashes: lh } = referenceTree();
    try {
      verifyInclusion(lh[0]!, 0, 8, [], hex(ROOTS[7]!), sha);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LogError);
      expect((e as LogError).code).toBe('proof_invalid');
    }
    expect(() => inclusionProofNodes(8, 8)).toThrow(expect.objectContaining({ code: 'index_out_of_range' }) as unknown as Error);
  });
});

describe('attacks on consistency verification', () => {
  for (const v of CONSISTENCY.filter((c) => c.proof.length > 0)) {
    it(`no corruption of ${v.size1} → ${v.size2} verifies`, () => {
      const root1 = hex(ROOTS[v.size1 - 1]!);
      const root2 = hex(ROOTS[v.size2 - 1]!);
      const proof = v.proof.map(hex);
      expect(isConsistencyValid(v.size1, v.size2, proof, root1, root2, sha)).toBe(true);
      const wrong = consistencyProbes(v.size1, v.size2, root1, root2, proof)
        .filter((p) => isConsistencyValid(p.size1, p.size2, p.proof, p.root1, p.root2, sha))
        .map((p) => p.desc);
      expect(wrong).toEqual([]);
    });
  }

  it('edge cases (transparency-dev table; size 0 decided strictly)', () => {
    const r1 = sha(encodeUtf8("don't care 1"));
    const r2 = sha(encodeUtf8("don't care 2"));
    const empty = hex(EMPTY_TREE);
    const cases: [number, number, Uint8Array, Uint8Array, Uint8Array[], boolean][] = [
      [0, 0, r1, r2, [], false],
      [1, 1, r1, r2, [], false],
      [0, 0, r1, r1, [], true],
      [1, 1, r2, r2, [], true],
      [0, 1, empty, r2, [], true],
      // transparency-dev accepts any root1 at size 0; we require the empty-tree hash.
      [0, 1, r1, r2, [], false],
      [1, 0, r1, r2, [], false],
      [2, 1, r1, r2, [], false],
      [1, 2, r1, r2, [], false],
      [0, 0, empty, r2, [], false],
      [1, 1, empty, r2, [], false],
      [0, 0, empty, empty, [empty], false],
      [0, 1, empty, empty, [empty], false],
      [1, 1, empty, empty, [empty], false],
    ];
    for (const [s1, s2, a, b, p, ok] of cases) expect([s1, s2, ok, isConsistencyValid(s1, s2, p, a, b, sha)]).toEqual([s1, s2, ok, ok]);
  });

  it('a forked history is caught: same size, different root', () => {
    const { tree } = referenceTree();
    const forked = new MemoryTree(hasher);
    LEAVES.forEach((l, i) => forked.append(hashLeaf(i === 3 ? encodeUtf8('rewritten') : l, sha)));
    const forkRoot = frontierRoot(forked.frontier, sha);
    // The honest tree at size 4 cannot be proven a prefix of the forked tree at size 8.
    const proof = tree.consistency(4, 8);
    expect(isConsistencyValid(4, 8, proof, hex(ROOTS[3]!), forkRoot, sha)).toBe(false);
    expect(isConsistencyValid(4, 8, forked.consistency(4, 8), hex(ROOTS[3]!), forkRoot, sha)).toBe(false);
  });
});

describe('frontier', () => {
  it('completed nodes are exactly the planned ones, and the frontier nodes are stored', () => {
    const tree = new MemoryTree(hasher);
    for (let i = 0; i < 70; i++) {
      const { completed } = appendLeaf(tree.frontier, sha(Uint8Array.of(i)), hasher);
      expect(completed.map(nodeKey)).toEqual(nodesCompletedBy(i).map(nodeKey));
      tree.append(sha(Uint8Array.of(i)));
      const ids = frontierNodeIds(i + 1);
      expect(ids.map((id) => toHex(tree.nodes.get(nodeKey(id))!))).toEqual(tree.frontier.hashes.map(toHex));
    }
    expect(tree.nodes.size).toBe(2 * 70 - 3); // 70 leaves + perfect interior nodes: n - popcount(n)
  });

  it('serialises to JSON and bytes and back; rejects malformed frontiers', () => {
    let f = EMPTY_FRONTIER;
    for (let i = 0; i < 13; i++) f = appendLeaf(f, sha(Uint8Array.of(i)), sha).frontier;
    const json = JSON.parse(JSON.stringify(frontierToJson(f))) as unknown;
    expect(frontierFromJson(json)).toEqual(f);
    expect(decodeFrontier(encodeFrontier(f))).toEqual(f);
    expect(encodeFrontier(f).length).toBe(8 + 3 * 32);
    const bad = [
      { size: 13, hashes: f.hashes.slice(1) },
      { size: 12, hashes: f.hashes },
      { size: -1, hashes: [] },
      { size: 1, hashes: [new Uint8Array(31)] },
    ];
    for (const b of bad) expect(() => frontierRoot(b, sha)).toThrow(expect.objectContaining({ code: 'frontier_invalid' }) as unknown as Error);
    expect(() => decodeFrontier(new Uint8Array(9))).toThrow(LogError);
    expect(() => frontierFromJson({ size: 1, hashes: ['not base64!'] })).toThrow(LogError);
  });

  it('range decomposition', () => {
    expect(rangeNodes(0, 13).map(nodeKey)).toEqual(['3/0', '2/2', '0/12']);
    expect(rangeNodes(8, 13).map(nodeKey)).toEqual(['2/2', '0/12']);
    expect(rangeNodes(5, 5)).toEqual([]);
  });
});

describe('properties', () => {
  const leafHash = (i: number): Uint8Array => hashLeaf(Uint8Array.of(i & 255, i >>> 8), sha);
  const bigTree = new MemoryTree(hasher);
  const bigLeaves: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) {
    bigLeaves.push(leafHash(i));
    bigTree.append(bigLeaves[i]!);
  }
  const roots = [emptyRoot(sha)];
  for (let n = 1; n <= 300; n++) roots.push(computeRootNaive(bigLeaves.slice(0, n), sha));

  it('every generated proof verifies, and the frontier root equals the naive MTH', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((size) => fc.tuple(fc.constant(size), fc.nat(size - 1), fc.nat(size))),
        ([size, index, from]) => {
          let f = EMPTY_FRONTIER;
          for (let i = 0; i < size; i++) f = appendLeaf(f, bigLeaves[i]!, hasher).frontier;
          expect(toHex(frontierRoot(f, hasher))).toBe(toHex(roots[size]!));
          const inclusion = bigTree.inclusion(index, size);
          verifyInclusion(bigLeaves[index]!, index, size, inclusion, roots[size]!, hasher);
          const steps = inclusionProofNodes(index, size);
          expect(proofNodeIds(steps).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)));
          const consistency = bigTree.consistency(from, size);
          verifyConsistency(from, size, consistency, roots[from]!, roots[size]!, hasher);
          expect(proofNodeIds(consistencyProofNodes(from, size)).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)) + 1);
          // A proof for one leaf never verifies another.
          if (size > 1) {
            const other = (index + 1) % size;
            expect(isInclusionValid(bigLeaves[other]!, index, size, inclusion, roots[size]!, hasher)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('exhaustively for sizes ≤ 64', () => {
    for (let size = 1; size <= 64; size++) {
      for (let i = 0; i < size; i++) verifyInclusion(bigLeaves[i]!, i, size, bigTree.inclusion(i, size), roots[size]!, hasher);
      for (let from = 0; from <= size; from++) verifyConsistency(from, size, bigTree.consistency(from, size), roots[from]!, roots[size]!, hasher);
    }
  });

  it('sizes beyond 2^32 keep exact arithmetic (uniform virtual tree)', () => {
    // Every leaf has the same hash, so the hash of a perfect subtree depends only on its level.
    const levelHash: Uint8Array[] = [sha(encodeUtf8('leaf'))];
    for (let l = 1; l < 53; l++) levelHash.push(hasher.hashChildren(levelHash[l - 1]!, levelHash[l - 1]!));
    const lookup = (n: NodeId): Uint8Array => levelHash[n.level]!;
    const rootOf = (size: number): Uint8Array => {
      const ids = frontierNodeIds(size);
      return frontierRoot({ size, hashes: ids.map(lookup) }, hasher);
    };
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 31, max: 2 ** 50 }), fc.double({ min: 0, max: 1, noNaN: true }), (size, frac) => {
        const index = Math.min(size - 1, Math.floor(frac * size));
        const from = Math.max(1, Math.min(size, Math.floor(frac * size)));
        const root = rootOf(size);
        const p = assembleProof(inclusionProofNodes(index, size), lookup, hasher);
        verifyInclusion(levelHash[0]!, index, size, p, root, hasher);
        const c = assembleProof(consistencyProofNodes(from, size), lookup, hasher);
        verifyConsistency(from, size, c, rootOf(from), root, hasher);
        // (Wrong sizes are not probed here: in a uniform tree many shapes collide by design.)
        const bad = p.slice();
        bad[0] = flip(bad[0]!, 5, 4);
        expect(isInclusionValid(levelHash[0]!, index, size, bad, root, hasher)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('compact ranges (RangeBuilder) folded into a StreamingRoot (pushSubtree)', () => {
  const leafOf = (i: number): Uint8Array => sha(new TextEncoder().encode(`leaf ${i}`));

  it('give the same root as every leaf pushed in turn, for any sizes and cut points', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.integer({ min: 1, max: 299 }), { maxLength: 6 }), (n, rawCuts) => {
        const whole = new StreamingRoot(sha);
        for (let i = 0; i < n; i++) whole.pushLeafHash(leafOf(i));
        const cuts = [...new Set([...rawCuts.filter((c) => c < n), n])].sort((a, b) => a - b);
        const folded = new StreamingRoot(sha);
        let from = 0;
        for (const to of cuts) {
          const range = new RangeBuilder(sha, from);
          for (let i = from; i < to; i++) range.pushLeafHash(leafOf(i));
          expect(range.end).toBe(to);
          const nodes = range.nodes();
          // A compact range has at most two nodes per level, each aligned to its own size.
          expect(nodes.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(to - from + 1)) + 1);
          for (const node of nodes) expect(node.start % 2 ** node.level).toBe(0);
          for (const node of nodes) folded.pushSubtree(node.level, node.hash);
          from = to;
        }
        expect(folded.size).toBe(n);
        expect(Buffer.from(folded.root()).toString('hex')).toBe(Buffer.from(whole.root()).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('hashes leaf messages (0x00 ‖ entry) in place to the same nodes, with or without a raw SHA-256 on the hasher', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 140 }), (from, n) => {
        const entries = Array.from({ length: n }, (_, k) => new TextEncoder().encode(`entry ${from + k}`));
        const byHash = new RangeBuilder(sha, from);
        for (const e of entries) byHash.pushLeafHash(hashLeaf(e, sha));
        const { sha256Into: _raw, ...withoutRaw } = createTreeHasher(sha);
        for (const hasher of [createTreeHasher(sha), withoutRaw]) {
          const byMessage = new RangeBuilder(hasher, from);
          for (const e of entries) {
            const message = new Uint8Array(e.length + 1);
            message.set(e, 1);
            byMessage.pushLeafMessage(message);
          }
          expect(byMessage.end).toBe(from + n);
          expect(byMessage.nodes()).toEqual(byHash.nodes());
        }
      }),
      { numRuns: 100 },
    );
    expect(() => new RangeBuilder(sha, 0).pushLeafMessage(Uint8Array.of(1, 2))).toThrow(/0x00 prefix/);
  });

  it('keeps a right child whose sibling lies before the range as a node of its own', () => {
    const range = new RangeBuilder(sha, 3);
    for (let i = 3; i < 8; i++) range.pushLeafHash(leafOf(i));
    expect(range.nodes().map((x) => [x.level, x.start])).toEqual([[0, 3], [2, 4]]);
    expect(range.nodes()[0]!.hash).toEqual(leafOf(3));
  });

  it('an aligned full range is one node: the subtree hash of the tree itself', () => {
    const range = new RangeBuilder(sha, 8);
    for (let i = 8; i < 16; i++) range.pushLeafHash(leafOf(i));
    const nodes = range.nodes();
    expect(nodes.map((x) => [x.level, x.start])).toEqual([[3, 8]]);
    const sub = new StreamingRoot(sha);
    for (let i = 8; i < 16; i++) sub.pushLeafHash(leafOf(i));
    expect(nodes[0]!.hash).toEqual(sub.root());
  });

  it('tell every node they compute, once, with the hash the tree stores for it; a clone gives the root at a cut and tells nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: 1, max: 199 }), { maxLength: 4 }), (n, rawCuts) => {
        // What storage holds: every node completed by an append (src/app/log.ts), by "level/index".
        const stored = new Map<string, string>();
        let f: Frontier = EMPTY_FRONTIER;
        for (let i = 0; i < n; i++) {
          const r = appendLeaf(f, leafOf(i), sha);
          f = r.frontier;
          for (const c of r.completed) stored.set(nodeKey(c), Buffer.from(c.hash).toString('hex'));
        }
        const told = new Map<string, string>();
        const tell = (level: number, index: number, buf: Uint8Array, at: number): void => {
          const k = nodeKey({ level, index });
          expect(told.has(k), k).toBe(false);
          told.set(k, Buffer.from(buf.subarray(at, at + 32)).toString('hex'));
        };
        // Leaf by leaf.
        const whole = new StreamingRoot(sha);
        whole.onNode = tell;
        for (let i = 0; i < n; i++) whole.pushLeafHash(leafOf(i));
        expect(told).toEqual(stored);
        // By ranges: the ranges tell the nodes inside them, the root the ones it merges across them.
        told.clear();
        const cuts = [...new Set([...rawCuts.filter((c) => c < n), n])].sort((a, b) => a - b);
        const folded = new StreamingRoot(sha);
        folded.onNode = tell;
        let from = 0;
        for (const to of cuts) {
          const range = new RangeBuilder(sha, from);
          range.onNode = tell;
          const mid = from + Math.floor((to - from) / 2);
          let atMid: Uint8Array | undefined;
          for (let i = from; i < to; i++) {
            if (i === mid) {
              const c = folded.clone();
              for (const node of range.nodes()) c.pushSubtree(node.level, node.hash);
              atMid = c.root();
            }
            range.pushLeafHash(leafOf(i));
          }
          if (atMid !== undefined) expect(atMid).toEqual(computeRoot(Array.from({ length: mid }, (_, i) => leafOf(i)), sha));
          for (const node of range.nodes()) folded.pushSubtree(node.level, node.hash);
          from = to;
        }
        expect(told).toEqual(stored);
        expect(folded.root()).toEqual(whole.root());
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a subtree that would not be a node of the tree', () => {
    const r = new StreamingRoot(sha);
    r.pushLeafHash(leafOf(0));
    expect(() => r.pushSubtree(1, leafOf(1))).toThrow(/cannot start at 1/);
    expect(() => r.pushSubtree(0, new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => new RangeBuilder(sha, -1)).toThrow(/not a leaf index/);
    const range = new RangeBuilder(sha, 3);
    expect(() => range.pushSubtree(1, leafOf(3))).toThrow(/cannot start at 3/);
    expect(() => range.pushSubtree(0, new Uint8Array(33))).toThrow(/32 bytes/);
    expect(() => range.pushSubtree(-1, leafOf(3))).toThrow(/out of range/);
  });

  it('take whole aligned subtrees (RangeBuilder.pushSubtree) to the same nodes as their leaves one by one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 160 }), (from, n) => {
        const byLeaf = new RangeBuilder(sha, from);
        for (let i = from; i < from + n; i++) byLeaf.pushLeafHash(leafOf(i));
        // The leaves of [from, from+n) as the largest aligned subtrees, left to right.
        const bySubtree = new RangeBuilder(sha, from);
        for (let a = from; a < from + n; ) {
          let level = 0;
          while (a % 2 ** (level + 1) === 0 && a + 2 ** (level + 1) <= from + n) level++;
          const sub = new StreamingRoot(sha);
          for (let i = a; i < a + 2 ** level; i++) sub.pushLeafHash(leafOf(i));
          bySubtree.pushSubtree(level, sub.root());
          a += 2 ** level;
        }
        expect(bySubtree.end).toBe(from + n);
        expect(bySubtree.nodes()).toEqual(byLeaf.nodes());
      }),
      { numRuns: 200 },
    );
  });
});
