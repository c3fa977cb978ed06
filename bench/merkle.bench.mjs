// Merkle log micro-benchmark: raw SHA-256 vs streaming RFC 9162 root over the same entries,
// appends with the tree maintained (pure tree maths, no storage), and inclusion/consistency proof
// generation + verification at 1,000,000 leaves with an in-memory node store (counting node reads).
//
//   node bench/merkle.bench.mjs [--quick] [--entries N] [--dist DIR]
//
// Imports the compiled modules from ../dist (npm run build); --dist or PASSAGE_DIST overrides.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);

async function load(distDir) {
  const dir = path.resolve(distDir ?? process.env.PASSAGE_DIST ?? path.join(here, '..', 'dist'));
  const merkle = await import(pathToFileURL(path.join(dir, 'domain/log/merkle.js')).href);
  const sha = await import(pathToFileURL(path.join(dir, 'crypto/sha256.js')).href);
  return { merkle, sha };
}

/** Deterministic PRNG (xorshift32) so runs are comparable. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** ~300-byte entries shaped like the log's canonical JSON, packed in one buffer. */
function makeEntries(n) {
  const rand = rng(42);
  const actions = ['corridor.terms.propose', 'guarantee.sign', 'incident.report', 'window.open', 'movement.checkin'];
  const chunks = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const payloadHash = Buffer.alloc(32);
    for (let j = 0; j < 32; j++) payloadHash[j] = (rand() * 256) | 0;
    const pad = 'x'.repeat(45 + ((rand() * 90) | 0));
    const s = JSON.stringify({
      action: actions[i % actions.length],
      actor: `party-${(rand() * 7) | 0}/member-${(rand() * 1000) | 0}`,
      index: i,
      note: pad,
      payloadHash: payloadHash.toString('base64'),
      subject: `corridor/${(rand() * 500) | 0}/v${(rand() * 20) | 0}`,
      time: new Date(Date.UTC(2022, 2, 3) + i * 1000).toISOString(),
    });
    const b = Buffer.from(s);
    chunks.push(b);
    total += b.length;
  }
  const big = Buffer.concat(chunks, total);
  const views = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    views[i] = new Uint8Array(big.buffer, big.byteOffset + off, chunks[i].length);
    off += chunks[i].length;
  }
  return { views, bytes: total };
}

function time(f) {
  const t0 = process.hrtime.bigint();
  const r = f();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');

export async function runMerkleBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const n = opts.entries ?? (quick ? 100_000 : 1_000_000);
  const proofTree = opts.proofTreeSize ?? (quick ? 100_000 : 1_000_000);
  const proofCount = opts.proofs ?? (quick ? 5_000 : 50_000);
  const rounds = opts.rounds ?? (quick ? 2 : 3);
  const log = opts.log ?? ((line) => console.log(line));
  const { merkle, sha } = await load(opts.dist);
  const { sha256, createNodeTreeHasher } = sha;
  const { StreamingRoot, createTreeHasher } = merkle;

  log(`# Merkle log benchmark (${quick ? 'quick' : 'full'}; node ${process.version})`);
  const { views, bytes } = makeEntries(n);
  log(`entries: ${fmt(n)}, mean size ${(bytes / n).toFixed(0)} bytes`);

  // --- Raw SHA-256 vs streaming root, alternating rounds, best of each (the machine is shared). ---
  const fast = createNodeTreeHasher();
  const generic = createTreeHasher(sha256);
  let bestRaw = Infinity;
  let bestStream = Infinity;
  let bestGeneric = Infinity;
  let root;
  for (let r = 0; r < rounds; r++) {
    bestRaw = Math.min(bestRaw, time(() => { for (let i = 0; i < n; i++) sha256(views[i]); }).ms);
    const s = time(() => {
      const st = new StreamingRoot(fast);
      for (let i = 0; i < n; i++) st.pushEntry(views[i]);
      return st.root();
    });
    bestStream = Math.min(bestStream, s.ms);
    root = s.r;
    const g = time(() => {
      const st = new StreamingRoot(generic);
      for (let i = 0; i < n; i++) st.pushEntry(views[i]);
      return st.root();
    });
    bestGeneric = Math.min(bestGeneric, g.ms);
    if (Buffer.compare(Buffer.from(g.r), Buffer.from(s.r)) !== 0) throw new Error('hashers disagree on the root');
  }
  const rawRate = (n / bestRaw) * 1000;
  const streamRate = (n / bestStream) * 1000;
  const genericRate = (n / bestGeneric) * 1000;
  const ratio = streamRate / rawRate;
  log(`raw SHA-256 of each entry:           ${fmt(rawRate)} entries/s (${((bytes / bestRaw) * 1000 / 2 ** 20).toFixed(0)} MiB/s)`);
  log(`streaming RFC 9162 root (fast):      ${fmt(streamRate)} entries/s = ${(ratio * 100).toFixed(1)}% of raw (goal ≥ 50%)`);
  log(`streaming RFC 9162 root (generic):   ${fmt(genericRate)} entries/s = ${((genericRate / rawRate) * 100).toFixed(1)}% of raw`);
  log(`root of ${fmt(n)} entries: ${Buffer.from(root).toString('base64')}`);

  // --- Appends with the tree maintained, building the in-memory node store for proofs. ---
  const leafHashes = new Array(proofTree);
  for (let i = 0; i < proofTree; i++) leafHashes[i] = fast.hashLeaf(views[i % n]);
  const levels = []; // levels[level][index] = hash: what storage keeps, one row per completed node
  let frontier = merkle.EMPTY_FRONTIER;
  let rows = 0;
  const app = time(() => {
    for (let i = 0; i < proofTree; i++) {
      const res = merkle.appendLeaf(frontier, leafHashes[i], fast);
      frontier = res.frontier;
      for (const c of res.completed) {
        (levels[c.level] ??= [])[c.index] = c.hash;
        rows++;
      }
    }
  });
  log(`appendLeaf (tree maths only):        ${fmt((proofTree / app.ms) * 1000)} appends/s, ${(rows / proofTree).toFixed(2)} node rows per append`);

  let reads = 0;
  let maxReads = 0;
  const lookup = (id) => {
    reads++;
    return levels[id.level][id.index];
  };
  const size = proofTree;
  const rootAt = merkle.frontierRoot(frontier, fast);
  const rand = rng(7);

  // Inclusion proofs at the full size (random leaves).
  reads = 0;
  const inc = time(() => {
    for (let k = 0; k < proofCount; k++) {
      const index = Math.floor(rand() * size);
      const before = reads;
      const steps = merkle.inclusionProofNodes(index, size);
      const ids = merkle.proofNodeIds(steps);
      const map = new Map();
      for (const id of ids) map.set(merkle.nodeKey(id), lookup(id));
      const proof = merkle.assembleProof(steps, map, fast);
      maxReads = Math.max(maxReads, reads - before);
      merkle.verifyInclusion(leafHashes[index], index, size, proof, rootAt, fast);
    }
  });
  const incReads = reads / proofCount;
  const incMax = maxReads;
  log(`inclusion proof gen+verify @${fmt(size)}: ${fmt((proofCount / inc.ms) * 1000)} proofs/s, node reads per proof: mean ${incReads.toFixed(1)}, max ${incMax}`);

  // Consistency proofs from random earlier sizes to the full size.
  reads = 0;
  maxReads = 0;
  const earlierRoots = new Map();
  const consPairs = [];
  for (let k = 0; k < Math.min(proofCount, 2000); k++) {
    const from = 1 + Math.floor(rand() * (size - 1));
    if (!earlierRoots.has(from)) {
      const ids = merkle.frontierNodeIds(from);
      earlierRoots.set(from, merkle.frontierRoot(merkle.frontierFromNodes(from, ids.map((id) => levels[id.level][id.index])), fast));
    }
    consPairs.push(from);
  }
  const cons = time(() => {
    for (let k = 0; k < proofCount; k++) {
      const from = consPairs[k % consPairs.length];
      const before = reads;
      const steps = merkle.consistencyProofNodes(from, size);
      const ids = merkle.proofNodeIds(steps);
      const map = new Map();
      for (const id of ids) map.set(merkle.nodeKey(id), lookup(id));
      const proof = merkle.assembleProof(steps, map, fast);
      maxReads = Math.max(maxReads, reads - before);
      merkle.verifyConsistency(from, size, proof, earlierRoots.get(from), rootAt, fast);
    }
  });
  const consReads = reads / proofCount;
  log(`consistency proof gen+verify @${fmt(size)}: ${fmt((proofCount / cons.ms) * 1000)} proofs/s, node reads per proof: mean ${consReads.toFixed(1)}, max ${maxReads}`);
  log(`(log2(${fmt(size)}) = ${Math.log2(size).toFixed(1)}: reads are O(log n))`);

  return {
    entries: n,
    meanEntryBytes: bytes / n,
    rawSha256PerSec: rawRate,
    streamingRootPerSec: streamRate,
    streamingGenericPerSec: genericRate,
    streamingToRawRatio: ratio,
    appendsPerSec: (proofTree / app.ms) * 1000,
    nodeRowsPerAppend: rows / proofTree,
    inclusion: { treeSize: size, perSec: (proofCount / inc.ms) * 1000, meanReads: incReads, maxReads: incMax },
    consistency: { treeSize: size, perSec: (proofCount / cons.ms) * 1000, meanReads: consReads, maxReads },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const get = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const entries = get('--entries');
  runMerkleBench({ quick: args.includes('--quick'), entries: entries ? Number(entries) : undefined, dist: get('--dist') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
