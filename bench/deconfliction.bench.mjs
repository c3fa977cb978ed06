// Deconfliction benchmark (issue 4): Passage's engine vs the naive Turf approach vs PostGIS,
// on the same seeded workload, in the same run.
//
//   node bench/deconfliction.bench.mjs [--quick] [--no-postgis] [--dist DIR]
//
// Imports the compiled engine from ../dist (npm run build); --dist or PASSAGE_DIST overrides.
// PostGIS: postgres://127.0.0.1:5432/test (or DECONFLICTION_PG_URL); skipped when unavailable.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import buffer from '@turf/buffer';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { lineString, point as turfPoint } from '@turf/helpers';
import { makeCorridors, makePoints, makeSites, PARTIES } from './deconfliction-workload.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const fmt = (x) => Math.round(x).toLocaleString('en-US');
const mb = (b) => (b / 1e6).toFixed(1);

async function load(distDir) {
  const dir = path.resolve(distDir ?? process.env.PASSAGE_DIST ?? path.join(here, '..', 'dist'));
  const engine = await import(pathToFileURL(path.join(dir, 'domain/geo/deconfliction-engine.js')).href);
  const reference = await import(pathToFileURL(path.join(dir, 'domain/geo/reference.js')).href);
  return { engine, reference };
}

/** A working gc() even without --expose-gc, so heap deltas mean something. */
function getGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

function heapNow(gc) {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bboxOf(route, metres) {
  let x0 = 180, x1 = -180, y0 = 90, y1 = -90;
  for (const [x, y] of route) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const dy = metres / 110_000;
  const dx = metres / (110_000 * Math.cos((Math.max(Math.abs(y0), Math.abs(y1)) + dy) * Math.PI / 180));
  return [x0 - dx, y0 - dy, x1 + dx, y1 + dy];
}

const activeAt = (c, t) => c.active.some(([s, e]) => t >= s && t < e);

/** Engine vs the geodesic reference on a sample: every answer must match unless within 1 m of a boundary. */
function assertAgainstReference(engine, reference, corridors, sites, points, log) {
  const boxes = corridors.map((c) => bboxOf(c.route, c.widthM / 2 + 2000));
  const siteBoxes = sites.map((s) => bboxOf(s.center ? [s.center] : s.polygon[0], (s.radiusM ?? 0) + 2000));
  const got = engine.check(points, { distances: true });
  let compared = 0, boundary = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    for (let k = 0; k < corridors.length; k++) {
      const b = boxes[k];
      const c = corridors[k];
      const inEngine = got[i].corridors.includes(c.id);
      if (!(p.lon >= b[0] && p.lon <= b[2] && p.lat >= b[1] && p.lat <= b[3])) {
        if (inEngine) throw new Error(`engine says ${c.id} at ${JSON.stringify(p)}, far outside its box`);
        continue;
      }
      const h = c.widthM / 2;
      const d = reference.referenceDistanceToRoute(c.route, [p.lon, p.lat], h + 5);
      if (Math.abs(d - h) <= 1) { boundary++; continue; }
      const expected = d <= h && activeAt(c, p.at);
      if (expected !== inEngine) throw new Error(`engine and reference disagree: ${c.id} at ${JSON.stringify(p)}, reference ${d} m, half-width ${h} m`);
      if (inEngine && Math.abs(got[i].distances[c.id] - d) > 0.5) throw new Error(`distance off: ${got[i].distances[c.id]} vs ${d}`);
      compared++;
    }
    // sites whose box is far from the point cannot contain it; the reference judges the rest
    const near = sites.filter((s, k) => {
      const b = siteBoxes[k];
      return p.lon >= b[0] && p.lon <= b[2] && p.lat >= b[1] && p.lat <= b[3];
    });
    const ref = reference.referenceCheck([], near, p);
    const a = [...got[i].sites].sort().join();
    if (a !== [...ref.sites].sort().join()) {
      // allowed only on a site boundary
      for (const s of sites) {
        const inE = got[i].sites.includes(s.id), inR = ref.sites.includes(s.id);
        if (inE === inR) continue;
        if (s.center && Math.abs(reference.referenceDistance([p.lon, p.lat], s.center) - s.radiusM) <= 1) continue;
        throw new Error(`sites disagree at ${JSON.stringify(p)}: ${a} vs ${ref.sites}`);
      }
    }
  }
  log(`  agreement with the geodesic reference: ${points.length} points × nearby corridors = ${fmt(compared)} answers equal (${boundary} within ±1 m of a boundary, either way allowed)`);
}

/** The naive approach: @turf/buffer polygons + bbox pre-check + point-in-polygon, over every corridor. */
function runTurf(corridors, sites, points) {
  const t0 = performance.now();
  const polys = corridors.map((c) => ({ c, poly: buffer(lineString(c.route), c.widthM / 2, { units: 'meters' }), box: bboxOf(c.route, c.widthM / 2 + 50) }));
  const buildMs = performance.now() - t0;
  const circles = sites.filter((s) => s.center);
  const t1 = performance.now();
  const answers = points.map((p) => {
    const out = [];
    const pt = turfPoint([p.lon, p.lat]);
    for (const { c, poly, box } of polys) {
      if (p.lon < box[0] || p.lon > box[2] || p.lat < box[1] || p.lat > box[3]) continue;
      if (!activeAt(c, p.at)) continue;
      if (booleanPointInPolygon(pt, poly)) out.push(c.id);
    }
    for (const s of circles) {
      // haversine, as turf/distance would: the naive site check
      const dy = (p.lat - s.center[1]) * Math.PI / 180, dx = (p.lon - s.center[0]) * Math.PI / 180;
      const a = Math.sin(dy / 2) ** 2 + Math.cos(p.lat * Math.PI / 180) * Math.cos(s.center[1] * Math.PI / 180) * Math.sin(dx / 2) ** 2;
      if (2 * 6371008.8 * Math.asin(Math.sqrt(a)) <= s.radiusM) out.push(s.id);
    }
    return out;
  });
  const queryMs = performance.now() - t1;
  return { buildMs, queryMs, answers };
}

async function connectPostgis(log) {
  let pg;
  try {
    pg = (await import('pg')).default;
  } catch {
    log('PostGIS unavailable (no pg module)');
    return null;
  }
  // postgres://127.0.0.1:5432/test with trust auth; the URL names no user, so say who we are
  const url = new URL(process.env.DECONFLICTION_PG_URL ?? 'postgres://127.0.0.1:5432/test');
  if (!url.username) url.username = process.env.PGUSER ?? os.userInfo().username;
  const client = new pg.Client({ connectionString: url.href });
  try {
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    return client;
  } catch (e) {
    log(`PostGIS unavailable (${e.message.split('\n')[0]})`);
    try { await client.end(); } catch { /* already closed */ }
    return null;
  }
}

/** PostGIS: routes cut into 8-segment pieces as geography with a GiST index; ST_DWithin, batched. */
async function loadPostgis(client, corridors, sites) {
  const t0 = performance.now();
  await client.query('DROP TABLE IF EXISTS bench_deconfliction_piece, bench_deconfliction_site');
  await client.query(`CREATE TABLE bench_deconfliction_piece (id text, half_w float8, starts float8[], ends float8[], geog geography(LineString, 4326))`);
  await client.query(`CREATE TABLE bench_deconfliction_site (id text, radius float8, geog geography(Geometry, 4326))`);
  const ids = [], hw = [], st = [], en = [], wkt = [];
  for (const c of corridors) {
    for (let i = 0; i + 1 < c.route.length; i += 8) {
      const piece = c.route.slice(i, Math.min(c.route.length, i + 9));
      ids.push(c.id); hw.push(c.widthM / 2);
      st.push(`{${c.active.map((w) => w[0]).join(',')}}`); en.push(`{${c.active.map((w) => w[1]).join(',')}}`);
      wkt.push(`LINESTRING(${piece.map(([x, y]) => `${x} ${y}`).join(',')})`);
    }
  }
  for (let i = 0; i < ids.length; i += 20_000) {
    await client.query(
      `INSERT INTO bench_deconfliction_piece SELECT id, hw, s::float8[], e::float8[], ST_GeogFromText('SRID=4326;' || w)
       FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[]) AS t(id, hw, s, e, w)`,
      [ids.slice(i, i + 20_000), hw.slice(i, i + 20_000), st.slice(i, i + 20_000), en.slice(i, i + 20_000), wkt.slice(i, i + 20_000)],
    );
  }
  const sid = [], sr = [], sw = [];
  for (const s of sites) {
    sid.push(s.id);
    sr.push(s.radiusM ?? 0);
    sw.push(s.center ? `POINT(${s.center[0]} ${s.center[1]})` : `POLYGON(${s.polygon.map((r) => `(${r.map(([x, y]) => `${x} ${y}`).join(',')})`).join(',')})`);
  }
  await client.query(`INSERT INTO bench_deconfliction_site SELECT id, r, ST_GeogFromText('SRID=4326;' || w) FROM unnest($1::text[], $2::float8[], $3::text[]) AS t(id, r, w)`, [sid, sr, sw]);
  await client.query('CREATE INDEX ON bench_deconfliction_piece USING gist (geog)');
  await client.query('CREATE INDEX ON bench_deconfliction_site USING gist (geog)');
  await client.query('ANALYZE bench_deconfliction_piece');
  await client.query('ANALYZE bench_deconfliction_site');
  return { loadMs: performance.now() - t0, pieces: ids.length };
}

async function queryPostgis(client, points, batch, maxHalfW, maxRadius) {
  const answers = points.map(() => []);
  const t0 = performance.now();
  for (let b = 0; b < points.length; b += batch) {
    const part = points.slice(b, b + batch);
    const args = [part.map((p) => p.lon), part.map((p) => p.lat), part.map((p) => p.at), maxHalfW, maxRadius];
    // the constant radius lets the GiST index serve ST_DWithin; the row's own radius then decides
    const res = await client.query(
      `WITH q AS (SELECT i, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography AS g, at FROM unnest($1::float8[], $2::float8[], $3::float8[]) WITH ORDINALITY AS t(lon, lat, at, i))
       SELECT q.i, c.id FROM q JOIN bench_deconfliction_piece c ON ST_DWithin(c.geog, q.g, $4) AND ST_DWithin(c.geog, q.g, c.half_w)
         AND EXISTS (SELECT 1 FROM unnest(c.starts, c.ends) AS w(s, e) WHERE q.at >= w.s AND q.at < w.e)
       UNION
       SELECT q.i, s.id FROM q JOIN bench_deconfliction_site s ON s.radius > 0 AND ST_DWithin(s.geog, q.g, $5) AND ST_DWithin(s.geog, q.g, s.radius)
       UNION
       SELECT q.i, s.id FROM q JOIN bench_deconfliction_site s ON s.radius = 0 AND ST_Covers(s.geog, q.g)`,
      args,
    );
    for (const row of res.rows) answers[b + Number(row.i) - 1].push(row.id);
  }
  return { queryMs: performance.now() - t0, answers };
}

/** Compares two answer lists; disagreements must sit within `tol` metres of a boundary (judged by the reference). */
function compareAnswers(name, engineAnswers, other, points, corridorsById, sitesById, reference, tol, log) {
  let differ = 0, worst = 0;
  for (let i = 0; i < points.length; i++) {
    const a = new Set(engineAnswers[i]);
    const b = new Set(other[i]);
    for (const id of new Set([...a, ...b])) {
      if (a.has(id) === b.has(id)) continue;
      differ++;
      const p = [points[i].lon, points[i].lat];
      let off;
      const c = corridorsById.get(id);
      if (c) off = Math.abs(reference.referenceDistanceToRoute(c.route, p) - c.widthM / 2);
      else {
        const s = sitesById.get(id);
        off = s.center ? Math.abs(reference.referenceDistance(p, s.center) - s.radiusM) : 0;
      }
      worst = Math.max(worst, off);
    }
  }
  log(`  agreement engine vs ${name}: ${differ} differing answers on ${fmt(points.length)} points, farthest ${worst.toFixed(2)} m from a boundary`);
  if (worst > tol) throw new Error(`${name} disagrees with the engine ${worst.toFixed(1)} m from a boundary (tolerance ${tol} m)`);
  return { differ, worst };
}

async function runCase(mod, opts, nCorridors, log, pg) {
  const { engine: E, reference } = mod;
  const gc = getGc();
  const nPoints = opts.points ?? (opts.quick ? 200_000 : 1_000_000);
  const nSites = opts.sites ?? (opts.quick ? 2_000 : 10_000);
  log(`\n## ${fmt(nCorridors)} corridors, ${fmt(nSites)} sites, ${fmt(nPoints)} points`);
  const corridors = makeCorridors(nCorridors, 1);
  const sites = makeSites(nSites, 2);
  const points = makePoints(nPoints, corridors, 3);
  const batchSize = 100_000;
  const batches = [];
  for (let i = 0; i < points.length; i += batchSize) batches.push(points.slice(i, i + batchSize));

  const before = heapNow(gc);
  const t0 = performance.now();
  const engine = new E.DeconflictionEngine(corridors, sites);
  const buildMs = performance.now() - t0;
  const heapBytes = heapNow(gc) - before;
  const stats = engine.stats();
  log(`  engine index: built in ${(buildMs / 1000).toFixed(2)} s, heap +${mb(heapBytes)} MB (typed arrays ${mb(stats.bytes)} MB), ${fmt(stats.cells)} cells, ${fmt(stats.entries)} entries (${fmt(stats.runs)} edge runs), ${fmt(stats.vertices)} vertices`);

  // correctness before timing
  const refSample = points.slice(0, opts.quick ? 60 : 200);
  assertAgainstReference(engine, reference, corridors, sites, refSample, log);

  // timing: warm-up, then whole passes over the points in batches of 100,000; median pass
  const viewer = opts.viewerPartyId; // undefined = mediator: every site, the most work
  for (const b of batches.slice(0, 2)) engine.check(b, { viewerPartyId: viewer });
  const rates = [];
  let hits = 0, siteHits = 0, geoPasses = opts.quick ? 3 : 5;
  for (let pass = 0; pass < geoPasses; pass++) {
    const t = performance.now();
    for (const b of batches) {
      const res = engine.check(b, { viewerPartyId: viewer });
      if (pass === 0) for (const r of res) { hits += r.corridors.length; siteHits += r.sites.length; }
    }
    rates.push((points.length / (performance.now() - t)) * 1000);
  }
  const engineRate = median(rates);
  // geometric hits (every corridor active) give the density the issue's workload is described by
  const always = new E.DeconflictionEngine(corridors.map((c) => ({ ...c, active: [[0, 8.64e15]] })), []);
  let geo = 0;
  for (const r of always.check(batches[0])) geo += r.corridors.length;
  log(`  workload: ${(geo / batches[0].length).toFixed(1)} zone hits per point in space, ${(hits / points.length).toFixed(2)} in space and time, ${(siteHits / points.length).toFixed(3)} site hits`);
  log(`  engine: ${fmt(engineRate)} checks/s on one core (median of ${geoPasses} passes: ${rates.map(fmt).join(', ')})`);

  const corridorsById = new Map(corridors.map((c) => [c.id, c]));
  const sitesById = new Map(sites.map((s) => [s.id, s]));
  const result = { corridors: nCorridors, sites: nSites, points: nPoints, buildMs, heapBytes, indexBytes: stats.bytes, engineRate, zoneHitsPerPoint: geo / batches[0].length };

  // (a) Turf on a subset of corridors and points, extrapolated linearly in corridors
  const turfCorr = opts.turfCorridors ?? (opts.quick ? 20 : 100);
  const turfPts = points.slice(0, opts.turfPoints ?? (opts.quick ? 500 : 2_000));
  const subset = corridors.slice(0, turfCorr);
  const subsetSites = sites.slice(0, Math.round((nSites * turfCorr) / nCorridors));
  const turf = runTurf(subset, subsetSites, turfPts);
  const subEngine = new E.DeconflictionEngine(subset, subsetSites);
  const subAnswers = subEngine.check(turfPts).map((r) => [...r.corridors, ...r.sites]);
  const turfCmp = compareAnswers('Turf', subAnswers, turf.answers, turfPts, corridorsById, sitesById, reference, 200, log);
  const turfRate = (turfPts.length / turf.queryMs) * 1000 * (turfCorr / nCorridors);
  const turfBuildS = (turf.buildMs / turfCorr) * nCorridors / 1000;
  log(`  (a) Turf buffer + bbox + point-in-polygon: measured ${fmt((turfPts.length / turf.queryMs) * 1000)} checks/s over ${turfCorr} corridors and ${fmt(turfPts.length)} points; extrapolated to ${fmt(nCorridors)} corridors: ${fmt(turfRate)} checks/s, buffers built in ≈ ${turfBuildS.toFixed(0)} s (${(turf.buildMs / turfCorr).toFixed(0)} ms a corridor)`);
  Object.assign(result, { turfRate, turfBuildS, turfWorstM: turfCmp.worst });

  // (b) PostGIS with every corridor and site, on a sample of points, batched
  if (pg) {
    const load = await loadPostgis(pg, corridors, sites);
    const pgPts = points.slice(0, opts.postgisPoints ?? (opts.quick ? 2_000 : 10_000));
    const maxHalfW = Math.max(...corridors.map((c) => c.widthM / 2));
    const maxRadius = Math.max(0, ...sites.map((s) => s.radiusM ?? 0));
    await queryPostgis(pg, pgPts.slice(0, 200), 200, maxHalfW, maxRadius); // warm-up
    const q = await queryPostgis(pg, pgPts, 1_000, maxHalfW, maxRadius);
    const engAnswers = engine.check(pgPts).map((r) => [...r.corridors, ...r.sites]);
    const pgCmp = compareAnswers('PostGIS', engAnswers, q.answers, pgPts, corridorsById, sitesById, reference, 2, log);
    const pgRate = (pgPts.length / q.queryMs) * 1000;
    log(`  (b) PostGIS ST_DWithin(geography) + GiST, ${fmt(load.pieces)} pieces of ≤ 8 segments, batches of 1,000: ${fmt(pgRate)} checks/s over ${fmt(pgPts.length)} points (load + index ${(load.loadMs / 1000).toFixed(1)} s)`);
    Object.assign(result, { postgisRate: pgRate, postgisWorstM: pgCmp.worst });
  } else {
    log('  (b) PostGIS: skipped');
  }
  // last, since it changes the engine the comparisons above used
  // updates without a rebuild: each must show in the very next answer
  const extra = makeCorridors(20, 99);
  const probe = (c) => {
    const v = c.route[Math.floor(c.route.length / 2)];
    return { lon: v[0], lat: v[1], at: c.active[0][0] };
  };
  const tUp = [];
  for (const [k, c] of extra.entries()) {
    const added = { ...c, id: `new${k}` };
    const t = performance.now();
    engine.upsertCorridor(added);
    tUp.push(performance.now() - t);
    if (!engine.check([probe(added)])[0].corridors.includes(added.id)) throw new Error('upserted corridor not in the next answer');
  }
  const amended = { ...corridors[0], version: 2, widthM: corridors[0].widthM + 500 };
  let t = performance.now();
  engine.upsertCorridor(amended);
  const tAmend = performance.now() - t;
  t = performance.now();
  engine.setCorridorActive(amended.id, []); // suspended
  const tSuspend = performance.now() - t;
  if (engine.check([probe(amended)])[0].corridors.includes(amended.id)) throw new Error('suspension not in the next answer');
  engine.setCorridorActive(amended.id, amended.active);
  t = performance.now();
  engine.compact();
  const tCompact = performance.now() - t;
  Object.assign(result, { upsertMs: median(tUp), suspendMs: tSuspend });
  log(`  updates: new corridor in ${median(tUp).toFixed(1)} ms (median of ${tUp.length}, max ${Math.max(...tUp).toFixed(1)} ms), amended in ${tAmend.toFixed(1)} ms, suspension ${(tSuspend * 1000).toFixed(0)} µs, all in the very next answer; compaction ${tCompact.toFixed(0)} ms`);

  log(`  ratios: engine = ${fmt(engineRate / turfRate)}× Turf${result.postgisRate ? `, ${fmt(engineRate / result.postgisRate)}× PostGIS` : ''}`);
  return result;
}

export async function runDeconflictionBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const log = opts.log ?? ((line) => console.log(line));
  const mod = await load(opts.dist);
  log(`# Deconfliction benchmark (${quick ? 'quick' : 'full'}; node ${process.version}; ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'})`);
  const pg = opts.postgis === false ? null : await connectPostgis(log);
  const results = [];
  try {
    for (const n of opts.corridorCounts ?? (quick ? [1_000] : [10_000, 1_000])) results.push(await runCase(mod, { ...opts, quick }, n, log, pg));
  } finally {
    if (pg) {
      await pg.query('DROP TABLE IF EXISTS bench_deconfliction_piece, bench_deconfliction_site');
      await pg.end();
    }
  }
  log('\n| corridors | engine checks/s | goal | build s | index MB (heap) | Turf checks/s | PostGIS checks/s | × Turf | × PostGIS |');
  log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const goal = r.corridors >= 10_000 ? 500_000 : r.corridors >= 1_000 ? 2_000_000 : undefined;
    log(`| ${fmt(r.corridors)} | ${fmt(r.engineRate)} | ${goal ? `≥ ${fmt(goal)} ${r.engineRate >= goal ? '✓' : '✗'}` : '–'} | ${(r.buildMs / 1000).toFixed(2)} | ${mb(r.heapBytes)} | ${fmt(r.turfRate)} | ${r.postgisRate ? fmt(r.postgisRate) : 'n/a'} | ${fmt(r.engineRate / r.turfRate)} | ${r.postgisRate ? fmt(r.engineRate / r.postgisRate) : 'n/a'} |`);
  }
  void PARTIES;
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const distAt = args.indexOf('--dist');
  await runDeconflictionBench({ quick: args.includes('--quick'), postgis: !args.includes('--no-postgis'), dist: distAt >= 0 ? args[distAt + 1] : undefined });
}
