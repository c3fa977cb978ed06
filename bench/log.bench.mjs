// The verifiable log on the real store (SQLite, WAL, synchronous=NORMAL as served):
//  1. what an append adds to the durable transaction of the state change it records;
//  2. inclusion and consistency proofs per second at 1,000,000 entries, with store reads per proof;
//  3. `passage verify --db` throughput next to the raw SHA-256 rate over the same entries.
//
//   node bench/log.bench.mjs [--quick]     (after npm run build)
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { makeRandom as rng } from './deconfliction-workload.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, '..', 'dist');
const imp = (p) => import(pathToFileURL(path.join(dist, p)).href);

const rate = (n, ms) => Math.round((n / ms) * 1000);
const fmt = (n) => n.toLocaleString('en-US');

export async function runLogBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const log = opts.log ?? ((l) => console.log(l));
  const { openStore } = await imp('store/store.js');
  const { defaultDeps, inTransaction } = await imp('app/deps.js');
  const { initialise } = await imp('app/bootstrap.js');
  const { appendLog, nodeRowId, inclusionProof, consistencyProof, databaseLogSource, latestCheckpoint, serverVerifierKey, treeHasher } = await imp('app/log.js');
  const { auditLog } = await imp('app/audit.js');
  const { canonicalJson } = await imp('domain/corridor-terms.js');
  const merkle = await imp('domain/log/merkle.js');
  // On the project's disk, not a RAM-backed /tmp, so durable commits really reach the disk.
  mkdirSync(path.join(here, '..', '.bench-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(here, '..', '.bench-tmp', 'log-'));
  const results = {};
  try {
    // ---- 1. append cost inside a durable transaction --------------------------------------
    // The state change is the real one: the mediator suspending and resuming a guaranteed
    // corridor (`suspendCorridor`/`resumeCorridor`, each one transaction with its log entry).
    // The append's own cost is measured as the difference between a durable transaction that
    // writes one row and the same transaction plus `appendLog`, interleaved so that fsync drift
    // on a shared machine hits both alike.
    const store = await openStore(path.join(dir, 'append.db'));
    const deps = defaultDeps(store);
    await initialise(deps);
    const { suspendCorridor, resumeCorridor, proposeCorridor, submitGuarantee, getTermsText } = await imp('app/corridors.js');
    const { createMember, createParty, registerKey } = await imp('app/parties.js');
    const { CompactSign, exportJWK, generateKeyPair } = await import('jose');
    const n = quick ? 200 : 1000;
    let sink = 0;
    const mediatorAdmin = { memberId: 'system', partyId: 'mediator', partyKind: 'mediator', role: 'admin' };
    const actors = {};
    for (const id of ['ua', 'ru']) {
      await inTransaction(deps, (u) => createParty(u, mediatorAdmin, { id, kind: 'belligerent', name: id }));
      const m = await inTransaction(deps, (u) => createMember(u, null, id, { name: `${id} liaison`, role: 'liaison' }));
      actors[id] = { memberId: m.id, partyId: id, partyKind: 'belligerent', role: 'liaison' };
    }
    const mediator = { memberId: 'mem_med', partyId: 'mediator', partyKind: 'mediator', role: 'liaison' };
    const terms = {
      title: 'bench', route: { type: 'LineString', coordinates: [[34.8, 50.9], [34.55, 49.59]] }, widthM: 2000,
      origin: { name: 'A', coordinates: [34.8, 50.9] }, destination: { name: 'B', coordinates: [34.55, 49.59] }, checkpoints: [],
      direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'],
      windows: [{ start: '2022-03-08T07:00:00Z', end: '2022-03-08T19:00:00Z', timeZone: 'Europe/Kyiv' }],
      capacity: {}, hazards: [], contacts: [], requiredGuarantors: ['ua', 'ru'], agreementId: null, legalBasis: [], notes: '',
    };
    const corridor = await inTransaction(deps, (u) => proposeCorridor(u, actors.ua, terms));
    for (const id of ['ua', 'ru']) {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const x = (await exportJWK(publicKey)).x;
      const key = await inTransaction(deps, (u) => registerKey(u, actors[id], id, { kty: 'OKP', crv: 'Ed25519', x }));
      const { text } = await getTermsText(store.db, corridor.id);
      const jws = await new CompactSign(Buffer.from(text)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(privateKey);
      await inTransaction(deps, (u) => submitGuarantee(u, actors[id], corridor.id, jws));
    }
    const payload = { corridorId: corridor.id, reason: 'shelling reported near the second checkpoint', version: 1, since: '2022-03-05T09:30:00Z' };
    const oneRow = (u, i) => u.tx.insertInto('settings').values({ key: `bench_${i}_${Math.random()}`, value: 'x' }).execute();
    let tUse = 0;
    let tRow = 0;
    let tRowLog = 0;
    for (let i = 0; i < n + 20; i++) {
      const warm = i < 20;
      let t0 = performance.now();
      await inTransaction(deps, (u) => suspendCorridor(u, mediator, corridor.id, { reason: 'bench' }));
      await inTransaction(deps, (u) => resumeCorridor(u, mediator, corridor.id, { reason: 'bench' }));
      const dUse = (performance.now() - t0) / 2;
      t0 = performance.now();
      await inTransaction(deps, (u) => oneRow(u, i));
      const dRow = performance.now() - t0;
      t0 = performance.now();
      await inTransaction(deps, async (u) => {
        await oneRow(u, `${i}l`);
        sink += (await appendLog(u, { actor: 'mem_bench', action: 'corridor.suspended', subject: `corridor/${corridor.id}`, payload })).index;
      });
      const dRowLog = performance.now() - t0;
      if (!warm) {
        tUse += dUse;
        tRow += dRow;
        tRowLog += dRowLog;
      }
    }
    const marginal = (tRowLog - tRow) / n;
    const useCase = tUse / n;
    const overhead = marginal / (useCase - marginal);
    results.append = { useCasesPerSecond: Math.round(1000 / useCase), appendMarginalMs: Math.round(marginal * 1000) / 1000, appendsPerSecond: rate(n, tRowLog), overheadPct: Math.round(overhead * 1000) / 10 };
    log(`append: ${fmt(rate(n, tRowLog))} durable transactions/s each with one log append; the append itself costs ${(marginal * 1000).toFixed(0)} µs of a ${(useCase * 1000).toFixed(0)} µs suspend/resume use case = ${(overhead * 100).toFixed(1)}% on top of the state change (goal < 20%)  [${n} of each, interleaved, WAL synchronous=NORMAL]`);
    if (sink <= 0) throw new Error('no appends happened');
    await store.close();

    // ---- build a 1,000,000-entry log directly (setup, not measured) ------------------------
    const size = quick ? 100_000 : 1_000_000;
    const big = await openStore(path.join(dir, 'big.db'));
    const bigDeps = defaultDeps(big);
    await initialise(bigDeps);
    await big.close();
    const raw = new Database(path.join(dir, 'big.db'));
    raw.pragma('journal_mode = WAL');
    for (const t of ['log_entries_no_update', 'log_nodes_no_update']) raw.exec(`DROP TRIGGER IF EXISTS ${t}`);
    const start = raw.prepare('SELECT size, frontier FROM log_state WHERE id = 1').get();
    let frontier = merkle.frontierFromJson(JSON.parse(start.frontier));
    const insEntry = raw.prepare('INSERT INTO log_entries (idx, time, actor, action, subject, entry) VALUES (?, ?, ?, ?, ?, ?)');
    const insNode = raw.prepare('INSERT INTO log_nodes (id, hash) VALUES (?, ?)');
    const rand = rng(7);
    const entries = [];
    const tBuild = performance.now();
    raw.exec('BEGIN');
    for (let i = Number(start.size); i < size; i++) {
      const p = { corridorId: `cor_${Math.floor(rand() * 1e6)}`, reason: 'routine check-in at the checkpoint', count: Math.floor(rand() * 80), hash: createHash('sha256').update(String(i)).digest('hex') };
      const e = { index: i, time: new Date(1646700000000 + i * 1000).toISOString(), actor: 'mem_bench', action: 'movement.checkin', subject: `movement/mov_${i % 977}`, payload: p };
      const text = canonicalJson(e);
      if (i < 5000 || i % 10 === 0) entries.push(text);
      const res = merkle.appendLeaf(frontier, treeHasher.hashLeaf(Buffer.from(text)), treeHasher);
      frontier = res.frontier;
      insEntry.run(i, e.time, e.actor, e.action, e.subject, text);
      for (const c of res.completed) insNode.run(nodeRowId(c.level, c.index), Buffer.from(c.hash).toString('hex'));
      if (i % 50_000 === 49_999) {
        raw.exec('COMMIT');
        raw.exec('BEGIN');
      }
    }
    raw.prepare('UPDATE log_state SET size = ?, frontier = ? WHERE id = 1').run(frontier.size, JSON.stringify(merkle.frontierToJson(frontier)));
    raw.exec('COMMIT');
    raw.close();
    log(`setup: built a ${fmt(size)}-entry log in ${((performance.now() - tBuild) / 1000).toFixed(1)} s`);

    // ---- 2. proofs at size -------------------------------------------------------------------
    const store2 = await openStore(path.join(dir, 'big.db'));
    const deps2 = defaultDeps(store2);
    const proofs = quick ? 2000 : 10_000;
    const r2 = rng(11);
    const leaves = [];
    let tIncl = performance.now();
    let maxRows = 0;
    let totalRows = 0;
    for (let k = 0; k < proofs; k++) {
      const i = Math.floor(r2() * size);
      const proof = await inclusionProof(store2.db, i, size);
      const rows = merkle.proofNodeIds(merkle.inclusionProofNodes(i, size)).length;
      totalRows += rows;
      maxRows = Math.max(maxRows, rows);
      if (k < 200) leaves.push([i, proof]);
      sink += proof.length;
    }
    tIncl = performance.now() - tIncl;
    let tCons = performance.now();
    let cRows = 0;
    for (let k = 0; k < proofs; k++) {
      const from = 1 + Math.floor(r2() * (size - 1));
      const proof = await consistencyProof(store2.db, from, size);
      cRows += merkle.proofNodeIds(merkle.consistencyProofNodes(from, size)).length;
      sink += proof.length;
    }
    tCons = performance.now() - tCons;
    // Check a sample of them against the signed root, so the benchmark measured real proofs.
    const root = merkle.frontierRoot(frontier, treeHasher);
    for (const [i, proof] of leaves.slice(0, 50)) {
      const row = await store2.db.selectFrom('log_entries').select('entry').where('idx', '=', i).executeTakeFirstOrThrow();
      merkle.verifyInclusion(treeHasher.hashLeaf(Buffer.from(row.entry)), i, size, proof, root, treeHasher);
    }
    results.proofs = { inclusionPerSecond: rate(proofs, tIncl), consistencyPerSecond: rate(proofs, tCons), rowsPerInclusion: totalRows / proofs, maxRowsPerInclusion: maxRows, rowsPerConsistency: cRows / proofs, queriesPerProof: 1 };
    log(`proofs at ${fmt(size)}: inclusion ${fmt(rate(proofs, tIncl))}/s (${(totalRows / proofs).toFixed(1)} node rows per proof, at most ${maxRows}, in 1 query), consistency ${fmt(rate(proofs, tCons))}/s (${(cRows / proofs).toFixed(1)} rows per proof)`);

    // ---- 3. verify throughput vs raw SHA-256 ---------------------------------------------------
    // The raw rate is measured in worker threads of this process that each read their share of
    // the entries into Buffers of their own: the million Buffers stay out of this thread's heap,
    // which `verify` shares (its own thread scans too), as it would in `passage verify`'s process.
    const { scanThreads } = await imp('store/log-scan.js');
    const threads = scanThreads();
    const { Worker } = await import('node:worker_threads');
    const { createRequire } = await import('node:module');
    const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
    const hasher = (start, end) => {
      const w = new Worker(`const { parentPort, workerData } = require('node:worker_threads');
        const { hash, createHash } = require('node:crypto');
        const Database = require(workerData.sqlitePath);
        // The fastest way this process can hash each entry once (one-shot crypto.hash where Node has it).
        const one = hash ?? ((a, d, e) => createHash(a).update(d).digest(e));
        const db = new Database(workerData.file, { readonly: true });
        const bufs = db.prepare('SELECT entry FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck().all(workerData.start, workerData.end).map((e) => Buffer.from(e));
        db.close();
        parentPort.on('message', (enc) => {
          let s = 0;
          const t0 = performance.now();
          for (const b of bufs) s += one('sha256', b, enc).charCodeAt(0);
          parentPort.postMessage({ ms: performance.now() - t0, s });
        });
        parentPort.postMessage({ entries: bufs.length });`, { eval: true, workerData: { sqlitePath, file: path.join(dir, 'big.db'), start, end } });
      let pending;
      let failed;
      w.on('message', (m) => {
        const p = pending;
        pending = undefined;
        p?.res(m);
      });
      w.on('error', (e) => {
        failed = e;
        pending?.rej(e);
      });
      w.on('exit', () => pending?.rej(failed ?? new Error('the hashing worker stopped')));
      const ask = (msg) => new Promise((res, rej) => {
        if (failed) return rej(failed);
        pending = { res, rej };
        if (msg !== undefined) w.postMessage(msg);
      });
      return { ready: ask(), hash: (enc) => ask(enc), close: () => w.terminate() };
    };
    const whole = hasher(0, size);
    if ((await whole.ready).entries !== size) throw new Error('the log does not hold the entries it should');
    // Output as a hex or latin1 string, whichever is faster here (a Buffer output is slower).
    const rawHashMs = async () => Math.min((await whole.hash('hex')).ms, (await whole.hash('latin1')).ms);
    // The same hashing spread over as many threads as verify uses: the limit for a parallel verifier.
    const hashInThreads = async () => {
      const per = Math.ceil(size / threads);
      const parts = [];
      for (let t = 0; t < threads; t++) parts.push(hasher(t * per, Math.min(size, (t + 1) * per)));
      await Promise.all(parts.map((h) => h.ready));
      const t0 = performance.now();
      await Promise.all(parts.map((h) => h.hash('latin1')));
      const ms = performance.now() - t0;
      await Promise.all(parts.map((h) => h.close()));
      return ms;
    };
    const tHashAll = await hashInThreads();
    const key = await serverVerifierKey(store2.db);
    // The server signs the whole log (as when a member first asks for the checkpoint): `verify
    // --db` checks the heads the server signed, and signs none itself.
    await latestCheckpoint(deps2);
    // Rounds of (raw hashing, verify), a few seconds each: the host's other tenants move timings
    // by ±15 % from one minute to the next, so each round's ratio compares like with like, and
    // the median round is the figure.
    const rounds = [];
    for (let k = 0; k < (quick ? 1 : 5); k++) {
      const tHash = await rawHashMs();
      const t0 = performance.now();
      const report = await auditLog(databaseLogSource(deps2), { logKey: key });
      const tVerify = performance.now() - t0;
      if (report.size !== size) throw new Error(`verified ${report.size}, expected ${size}`);
      rounds.push({ hashRate: rate(size, tHash), verifyRate: rate(size, tVerify), ratio: tHash / tVerify });
    }
    const byRatio = [...rounds].sort((x, y) => x.ratio - y.ratio);
    const median = byRatio[byRatio.length >> 1];
    await whole.close();
    const hashAllRate = rate(size, tHashAll);
    results.verify = {
      entriesPerSecond: median.verifyRate, rawSha256PerSecond: median.hashRate, ratio: Math.round(median.ratio * 1000) / 1000, threads, rawSha256AllThreadsPerSecond: hashAllRate,
      rounds: rounds.map((r) => ({ ...r, ratio: Math.round(r.ratio * 1000) / 1000 })),
    };
    const { WORKERS_FROM } = await imp('app/audit.js');
    const how = size >= WORKERS_FROM ? `${threads} threads: the auditor's and ${threads - 1} worker${threads > 2 ? 's' : ''}` : `one thread: below ${fmt(WORKERS_FROM)} entries workers do not pay off`;
    log(`verify --db over ${fmt(size)} entries (${how}), median of ${rounds.length} rounds: ${fmt(median.verifyRate)} entries/s; raw one-shot SHA-256 of the same entries in one thread: ${fmt(median.hashRate)}/s; ratio ${median.ratio.toFixed(2)} (goal ≥ 0.50)`);
    log(`  every round's ratio, in order: ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')} (verify ${rounds.map((r) => fmt(r.verifyRate)).join(', ')} entries/s; raw ${rounds.map((r) => fmt(r.hashRate)).join(', ')}/s)`);
    log(`  the same raw hashing in ${threads} threads: ${fmt(hashAllRate)}/s; verify at ${(median.verifyRate / hashAllRate).toFixed(2)} of it`);
    // A party's view: the same audit through the HTTP API (pages of 1,000 entries as JSON), server
    // and auditor in this one process — what a liaison officer's `passage verify --url` does.
    {
      const { buildServer } = await imp('http/server.js');
      const { httpLogSource } = await imp('cli/log-commands.js');
      const { ApiClient } = await imp('cli/client.js');
      const { createMember, issueToken } = await imp('app/parties.js');
      const member = await inTransaction(deps2, (u) => createMember(u, null, 'mediator', { name: 'auditor', role: 'viewer' }));
      const token = (await inTransaction(deps2, (u) => issueToken(u, null, member.id))).token;
      const app = await buildServer(deps2);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      let tUrl = performance.now();
      const viaUrl = await auditLog(httpLogSource(new ApiClient({ url, token })), { logKey: key });
      tUrl = performance.now() - tUrl;
      await app.close();
      results.verifyUrl = { entries: viaUrl.size, entriesPerSecond: rate(viaUrl.size, tUrl) };
      log(`verify --url over ${fmt(viaUrl.size)} entries (HTTP pages of 1,000, server in the same process): ${fmt(rate(viaUrl.size, tUrl))} entries/s`);
    }
    await store2.close();
    if (sink === 0) log('(sink 0)');
    return results;
  } finally {
    if (!process.env.PASSAGE_BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runLogBench({ quick: process.argv.includes('--quick') });
}
