// Position ingest (issue 5), all in one run so the ratios compare like with like:
//  (i)   a raw better-sqlite3 insert loop of the same rows (WAL, synchronous=NORMAL, transactions of 1,000);
//  (ii)  the obvious server: a Fastify route that parses the batch and inserts it in one transaction, no rules;
//  (iii) Passage's POST /api/v1/positions with every live rule on, durable before the 200 (group commit);
//  (iv)  OsmAnd single-fix requests at 100 connections: the obvious server (parse, insert one row,
//        autocommit) and Passage's listener (device lookup, rules, group commit);
//  (v)   memory (RSS before/after) while 1,000 devices report once a second over OsmAnd.
// Servers run in a worker thread, autocannon in the main thread.
//
//   node bench/positions.bench.mjs [--quick]     (after npm run build)
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(here, '..', 'dist');
const imp = (p) => import(pathToFileURL(path.join(dist, p)).href);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const BASE = Date.parse('2022-03-08T08:00:00Z');
const A = [34.8, 50.9];
const B = [34.55, 49.59];

// The table exactly as Passage keeps it (migration 0009): keyed by (time, device), indexed by (movement, time).
const DDL = `CREATE TABLE IF NOT EXISTS positions (device_id TEXT NOT NULL, at TEXT NOT NULL, movement_id TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
  speed REAL, bearing REAL, altitude REAL, accuracy REAL, battery REAL, attributes TEXT, received_at TEXT NOT NULL, PRIMARY KEY (at, device_id)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS positions_movement_time ON positions (movement_id, at)`;

/** Batch k: `devices` devices × (size / devices) consecutive seconds, unique per k. */
function batch(k, size, devices, prefix = 'bd') {
  const per = size / devices;
  const fixes = new Array(size);
  let i = 0;
  for (let d = 0; d < devices; d++) {
    for (let j = 0; j < per; j++) {
      const s = k * per + j;
      const f = (s % 3600) / 3600;
      fixes[i++] = { deviceId: `${prefix}-${d}`, at: new Date(BASE + s * 1000).toISOString(), lat: A[1] + (B[1] - A[1]) * f, lon: A[0] + (B[0] - A[0]) * f, speed: 15, bearing: 190 };
    }
  }
  return fixes;
}

// ---------------------------------------------------------------------------------------- worker
export async function serverMain({ kind, dir, devices }) {
  if (kind === 'hello') {
    // The load generator's own ceiling: an HTTP server that does nothing but answer 200.
    const { createServer } = await import('node:http');
    const s = createServer((req, res) => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    return { osmand: `http://127.0.0.1:${s.address().port}` };
  }
  if (kind === 'obvious') {
    const Fastify = (await import('fastify')).default;
    const db = new Database(path.join(dir, 'obvious.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(DDL);
    const stmt = db.prepare('INSERT OR IGNORE INTO positions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)');
    const insert = db.transaction((fixes, now) => {
      for (const f of fixes) stmt.run(f.deviceId, f.at, 'mov', f.lat, f.lon, f.speed ?? null, f.bearing ?? null, now);
    });
    const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
    app.post('/api/v1/positions', async (req) => {
      insert(req.body.fixes, new Date().toISOString());
      return { accepted: req.body.fixes.length };
    });
    app.get('/', async (req) => {
      const q = req.query;
      stmt.run(q.id, new Date(Number(q.timestamp) * 1000).toISOString(), 'mov', Number(q.lat), Number(q.lon), Number(q.speed) * 0.514444, Number(q.bearing), new Date().toISOString());
      return '';
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { url: `http://127.0.0.1:${app.server.address().port}`, osmand: `http://127.0.0.1:${app.server.address().port}` };
  }
  const { openStore } = await imp('store/store.js');
  const { defaultDeps, inTransaction } = await imp('app/deps.js');
  const { initialise } = await imp('app/bootstrap.js');
  const { proposeCorridor, submitGuarantee, getTermsText } = await imp('app/corridors.js');
  const { createMember, createParty, registerKey, issueToken } = await imp('app/parties.js');
  const { departMovement, notifyMovement } = await imp('app/movements.js');
  const { buildServer } = await imp('http/server.js');
  const { startOsmandListener } = await imp('http/osmand.js');
  const { CompactSign, exportJWK, generateKeyPair } = await import('jose');
  const store = await openStore(path.join(dir, 'passage.db'));
  const deps = defaultDeps(store);
  await initialise(deps);
  const sys = { memberId: 'system', partyId: 'mediator', partyKind: 'mediator', role: 'admin' };
  const actors = {};
  for (const [id, kind, role] of [['ua', 'belligerent', 'liaison'], ['ru', 'belligerent', 'liaison'], ['aid', 'humanitarian', 'operator']]) {
    await inTransaction(deps, (u) => createParty(u, sys, { id, kind, name: id }));
    const m = await inTransaction(deps, (u) => createMember(u, null, id, { name: `${id} ${role}`, role }));
    actors[id] = { memberId: m.id, partyId: id, partyKind: kind, role };
  }
  const token = (await inTransaction(deps, (u) => issueToken(u, null, actors.aid.memberId))).token;
  const terms = {
    title: 'bench', route: { type: 'LineString', coordinates: [A, B] }, widthM: 4000, origin: { name: 'A', coordinates: A }, destination: { name: 'B', coordinates: B },
    checkpoints: [], direction: 'outbound', purposes: ['evacuation'], eligibility: ['civilians'],
    windows: [{ start: '2022-03-08T07:00:00Z', end: '2022-03-20T19:00:00Z', timeZone: 'Europe/Kyiv' }],
    capacity: {}, hazards: [], contacts: [], requiredGuarantors: ['ua', 'ru'], agreementId: null, legalBasis: [], notes: '',
  };
  const c = await inTransaction(deps, (u) => proposeCorridor(u, actors.ua, terms));
  for (const id of ['ua', 'ru']) {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const x = (await exportJWK(publicKey)).x;
    const key = await inTransaction(deps, (u) => registerKey(u, actors[id], id, { kty: 'OKP', crv: 'Ed25519', x }));
    const { text } = await getTermsText(store.db, c.id);
    const jws = await new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).sign(privateKey);
    await inTransaction(deps, (u) => submitGuarantee(u, actors[id], c.id, jws));
  }
  for (const [prefix, n] of Object.entries(devices)) {
    for (let start = 0; start < n; start += 500) {
      const vehicles = [];
      for (let d = start; d < Math.min(n, start + 500); d++) vehicles.push({ plate: `${prefix}-${d}`, type: 'bus', trackerDeviceId: `${prefix}-${d}` });
      const m = await inTransaction(deps, (u) => notifyMovement(u, actors.aid, { corridorId: c.id, title: 'bench', plannedDeparture: '2022-03-08T08:00:00Z', vehicles, manifest: { people: { adults: 1 }, cargo: [] }, distribution: ['ua'], rules: {}, notes: '' }));
      // Departed: the live rules judge a convoy's fixes from its departure on.
      await inTransaction(deps, (u) => departMovement(u, actors.aid, m.id, { at: '2022-03-08T08:00:00Z', notes: '' }));
    }
  }
  const app = await buildServer(deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const osm = await startOsmandListener(deps, { host: '127.0.0.1', port: 0 });
  return { url, osmand: osm.address, token };
}

if (!isMainThread && workerData?.bench === 'positions') {
  const info = await serverMain(workerData);
  parentPort.on('message', (m) => {
    if (m === 'rss') parentPort.postMessage({ rss: process.memoryUsage().rss });
  });
  parentPort.postMessage(info);
}

// ------------------------------------------------------------------------------------------ main
function startServer(data) {
  const w = new Worker(new URL(import.meta.url), { workerData: { bench: 'positions', ...data } });
  return new Promise((res, rej) => {
    w.once('message', (info) => res({ ...info, worker: w }));
    w.once('error', rej);
  });
}

async function cannon(opts) {
  const autocannon = (await import('autocannon')).default;
  return new Promise((res, rej) => autocannon(opts, (err, r) => (err ? rej(err) : res(r))));
}

function jsonLoad(url, token, connections, seconds, size, devices, prefix) {
  let k = 0;
  return cannon({
    url: `${url}/api/v1/positions`,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ fixes: batch(k++, size, devices, prefix) }) }) }],
  });
}

function osmandLoad(url, connections, seconds, devices, prefix, overallRate) {
  let k = 0;
  return cannon({
    url,
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    requests: [{
      method: 'GET',
      setupRequest: (req) => {
        const i = k++;
        const d = i % devices;
        const s = Math.floor(i / devices);
        const f = (s % 3600) / 3600;
        return { ...req, path: `/?id=${prefix}-${d}&timestamp=${Math.floor(BASE / 1000) + s}&lat=${(A[1] + (B[1] - A[1]) * f).toFixed(6)}&lon=${(A[0] + (B[0] - A[0]) * f).toFixed(6)}&speed=30&bearing=190` };
      },
    }],
  });
}

function rawLoop(dir, total, size) {
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(DDL);
  const stmt = db.prepare('INSERT OR IGNORE INTO positions VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)');
  const tx = db.transaction((fixes, now) => {
    for (const f of fixes) stmt.run(f.deviceId, f.at, 'mov', f.lat, f.lon, f.speed, f.bearing, now);
  });
  const batches = [];
  for (let k = 0; k < total / size; k++) batches.push(batch(k, size, 100));
  const t0 = performance.now();
  for (const b of batches) tx(b, new Date().toISOString());
  const ms = performance.now() - t0;
  db.close();
  return (total / ms) * 1000;
}

export async function runPositionsBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const log = opts.log ?? ((l) => console.log(l));
  const secs = quick ? 5 : 15;
  mkdirSync(path.join(here, '..', '.bench-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(here, '..', '.bench-tmp', 'positions-'));
  const results = {};
  const line = (name, r, perReq = 1) => {
    const rps = r.requests.average;
    log(`${name.padEnd(52)} ${fmt(rps * perReq).padStart(9)} ${perReq > 1 ? 'fixes/s' : 'req/s  '}  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  errors ${r.errors + r.non2xx}`);
    return { perSec: rps * perReq, p99: r.latency.p99, errors: r.errors + r.non2xx };
  };

  log(`positions: batches of 1,000 fixes (100 devices × 10 s); ${secs} s per autocannon run; SQLite WAL, synchronous=NORMAL (durable)`);
  results.raw = rawLoop(dir, quick ? 50_000 : 200_000, 1000);
  log(`${'(i) raw better-sqlite3 insert loop, tx of 1,000'.padEnd(52)} ${fmt(results.raw).padStart(9)} rows/s`);

  const obvious = await startServer({ kind: 'obvious', dir });
  results.obvious1 = line('(ii) obvious Fastify route, 1 connection', await jsonLoad(obvious.url, undefined, 1, secs, 1000, 100, 'bd'), 1000);
  results.obvious4 = line('(ii) obvious Fastify route, 4 connections', await jsonLoad(obvious.url, undefined, 4, secs, 1000, 100, 'bd'), 1000);
  results.obviousOsm = line('(iv) obvious OsmAnd server, 100 connections', await osmandLoad(obvious.osmand, 100, secs, 1000, 'od'), 1);
  await obvious.worker.terminate();
  const hello = await startServer({ kind: 'hello', dir });
  results.helloOsm = line('(iv) bare node:http answering 200 (ceiling), 100 conns', await osmandLoad(hello.osmand, 100, secs, 1000, 'od'), 1);
  await hello.worker.terminate();

  const passage = await startServer({ kind: 'passage', dir, devices: { bd: 100, od: 1000, md: 1000 } });
  results.passage1 = line('(iii) Passage POST /positions, rules on, 1 connection', await jsonLoad(passage.url, passage.token, 1, secs, 1000, 100, 'bd'), 1000);
  results.passage4 = line('(iii) Passage POST /positions, rules on, 4 connections', await jsonLoad(passage.url, passage.token, 4, secs, 1000, 100, 'bd'), 1000);
  log(`    vs raw insert loop: ${(results.passage4.perSec / results.raw).toFixed(2)}× (goal ≥ 0.8×);  vs obvious server on 4 connections: ${(results.passage4.perSec / results.obvious4.perSec).toFixed(2)}× (goal > 1×);  goal ≥ 100,000 fixes/s, p99 < 50 ms`);
  results.passageOsm = line('(iv) Passage OsmAnd listener, 100 connections', await osmandLoad(passage.osmand, 100, secs, 1000, 'od'), 1);
  log(`    goal ≥ 20,000 req/s, p99 < 15 ms`);

  const memSecs = quick ? 20 : 600;
  const rss = () => new Promise((res) => {
    passage.worker.once('message', (m) => res(m.rss));
    passage.worker.postMessage('rss');
  });
  const before = await rss();
  const r = await osmandLoad(passage.osmand, 50, memSecs, 1000, 'md', 1000);
  const after = await rss();
  log(`(v) 1,000 devices × 1 fix/s over OsmAnd for ${memSecs} s: ${fmt(r.requests.total)} requests, p99 ${r.latency.p99} ms; server process RSS ${fmt(before / 2 ** 20)} MiB before, ${fmt(after / 2 ** 20)} MiB after`);
  results.memory = { before, after, seconds: memSecs };
  await passage.worker.terminate();
  return results;
}

if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runPositionsBench({ quick: process.argv.includes('--quick') });
}
