// The deconfliction engine through HTTP: points per second through POST /api/v1/deconfliction/check
// in batches of 10,000 (JSON parsing, validation, the index, serialisation), next to the engine
// alone on the same points. The corridors are written straight into a SQLite store (setup only).
//
//   node bench/deconfliction-http.bench.mjs [--quick]     (after npm run build)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { makeCorridors, makePoints } from './deconfliction-workload.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const imp = (p) => import(pathToFileURL(path.join(here, '..', 'dist', p)).href);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

export async function runDeconflictionHttpBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const log = opts.log ?? ((l) => console.log(l));
  const nCorridors = quick ? 300 : 1000;
  const batches = quick ? 5 : 20;
  const batch = 10_000;
  const { openStore } = await imp('store/store.js');
  const { defaultDeps, inTransaction } = await imp('app/deps.js');
  const { initialise } = await imp('app/bootstrap.js');
  const { createMember, issueToken } = await imp('app/parties.js');
  const { buildServer } = await imp('http/server.js');
  const { canonicalJson } = await imp('domain/corridor-terms.js');
  const { geoIndexFor } = await imp('app/geo.js');
  mkdirSync(path.join(here, '..', '.bench-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(here, '..', '.bench-tmp', 'geo-http-'));
  try {
    const file = path.join(dir, 'p.db');
    let store = await openStore(file);
    const deps0 = defaultDeps(store);
    await initialise(deps0);
    const member = await inTransaction(deps0, (u) => createMember(u, null, 'mediator', { name: 'bench', role: 'viewer' }));
    const { token } = await inTransaction(deps0, (u) => issueToken(u, null, member.id));
    await store.close();
    // Setup: corridors written directly, each guaranteed by the mediator party, windows = the workload's intervals.
    const corridors = makeCorridors(nCorridors, 1);
    const raw = new Database(file);
    const insC = raw.prepare("INSERT INTO corridors (id, state, current_version, proposer_party_id, title, created_at, updated_at) VALUES (?, 'guaranteed', 1, 'mediator', ?, 'x', 'x')");
    const insV = raw.prepare("INSERT INTO corridor_versions (corridor_id, version, terms, created_at, created_by) VALUES (?, 1, ?, 'x', 'bench')");
    const insG = raw.prepare("INSERT INTO guarantees (id, corridor_id, version, party_id, member_id, kid, jws, created_at) VALUES (?, ?, 1, 'mediator', 'bench', 'k', 'x', 'x')");
    raw.exec('BEGIN');
    for (const c of corridors) {
      const terms = {
        type: 'passage.corridor-terms/v1', corridorId: c.id, version: 1, title: c.id, route: { type: 'LineString', coordinates: c.route }, widthM: c.widthM,
        origin: { name: 'a', coordinates: c.route[0] }, destination: { name: 'b', coordinates: c.route.at(-1) }, checkpoints: [], direction: 'outbound',
        purposes: ['evacuation'], eligibility: ['civilians'], capacity: {}, hazards: [], contacts: [], requiredGuarantors: ['mediator'], agreementId: null, legalBasis: [], notes: '',
        windows: c.active.map(([s, e]) => ({ start: new Date(s).toISOString(), end: new Date(e).toISOString(), timeZone: 'Europe/Kyiv' })),
      };
      insC.run(c.id, c.id);
      insV.run(c.id, canonicalJson(terms));
      insG.run(`g${c.id}`, c.id);
    }
    raw.exec('COMMIT');
    raw.close();
    store = await openStore(file);
    const deps = defaultDeps(store);
    const app = await buildServer(deps);
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const points = makePoints(batch * 2, corridors, 3);
    const bodies = [0, 1].map((k) => JSON.stringify({ points: points.slice(k * batch, (k + 1) * batch).map((p) => ({ lon: p.lon, lat: p.lat, at: new Date(p.at).toISOString() })) }));
    const post = async (body) => {
      const res = await fetch(`${address}/api/v1/deconfliction/check`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      return res.json();
    };
    const first = await post(bodies[0]); // also builds the index
    const hits = first.results.reduce((n, r) => n + r.corridors.length, 0);
    if (hits === 0) throw new Error('the benchmark points hit no corridor: it would measure nothing');
    // Same answers in-process and over HTTP.
    const idx = geoIndexFor(deps);
    const local = idx.checkNow(points.slice(0, batch), { viewer: { partyId: 'mediator', partyKind: 'mediator' } });
    for (let i = 0; i < batch; i += 97) if (JSON.stringify(local[i].corridors) !== JSON.stringify(first.results[i].corridors)) throw new Error(`HTTP and engine differ at point ${i}`);
    let t0 = performance.now();
    for (let k = 0; k < batches; k++) await post(bodies[k % 2]);
    const httpRate = (batches * batch) / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (let k = 0; k < batches; k++) idx.checkNow(points.slice((k % 2) * batch, ((k % 2) + 1) * batch), { viewer: { partyId: 'mediator', partyKind: 'mediator' } });
    const engineRate = (batches * batch) / ((performance.now() - t0) / 1000);
    log(`HTTP round trip: ${fmt(httpRate)} points/s through POST /api/v1/deconfliction/check in batches of ${fmt(batch)} (${nCorridors} corridors, ${(hits / batch).toFixed(2)} zone hits per point, one connection); the engine alone on the same points: ${fmt(engineRate)}/s`);
    await app.close();
    await store.close();
    return { httpRate, engineRate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runDeconflictionHttpBench({ quick: process.argv.includes('--quick') });
}
