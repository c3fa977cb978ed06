// Web benchmarks (issue 7): production bundle sizes (gzip) of the operations app and of the
// public page, time to first render of the operations map with 500 corridors (and then with
// 1,000 live movements too) in headless Chromium (SwiftShader), and the page's frame times
// while the 1,000 movements report one fix each per second (goal: < 50 ms per frame), with how
// often the WebGL map and the movement dots (a 2D canvas over the map) redrew meanwhile, and a
// reference: the whole map repainted every frame with no data change. Needs `npm run build`
// (it builds the web app too); skips the browser part without /usr/bin/chromium. Run alone:
// `node bench/web.bench.mjs [--quick]`.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const CHROMIUM = process.env.PASSAGE_CHROMIUM ?? '/usr/bin/chromium';
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;

function bundleSizes() {
  const web = join(root, 'dist', 'web');
  if (!existsSync(join(web, 'index.html'))) return null;
  const files = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
  const sizeOf = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  const all = files(web).filter((f) => !/\.(gz|br)$/.test(f));
  const pick = (re) => all.filter((f) => re.test(f.slice(web.length)));
  const sum = (fs) => fs.reduce((a, f) => a + sizeOf(f), 0);
  return {
    appShell: sum(pick(/^\/index\.html$|^\/assets\/index-.*\.(js|css)$/)),
    worker: sum(pick(/maplibre-gl-worker/)),
    basemap: sum(pick(/geo\/basemap\.json$/)),
    gazetteer: sum(pick(/geo\/gazetteer\.json$/)),
  };
}

export function corridorTerms(i, rnd) {
  const lon = 23 + rnd() * 15;
  const lat = 45.5 + rnd() * 6;
  const pts = [[lon, lat]];
  for (let k = 0; k < 4; k++) pts.push([pts[k][0] + (rnd() - 0.4) * 0.5, pts[k][1] + (rnd() - 0.5) * 0.5]);
  const start = Date.now() + (Math.floor(rnd() * 48) - 24) * 3_600_000;
  return {
    title: `Bench corridor ${i}`,
    route: { type: 'LineString', coordinates: pts.map(([x, y]) => [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4]) },
    widthM: 1000 + Math.floor(rnd() * 4000),
    origin: { name: `Origin ${i}`, coordinates: pts[0] },
    destination: { name: `Destination ${i}`, coordinates: pts[pts.length - 1] },
    checkpoints: [],
    direction: 'outbound',
    purposes: ['evacuation'],
    eligibility: ['civilians'],
    windows: [{ start: new Date(start).toISOString().replace(/\.\d+Z$/, 'Z'), end: new Date(start + 8 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'), timeZone: 'Europe/Kyiv' }],
    capacity: {},
    hazards: [],
    contacts: [],
    requiredGuarantors: ['ua', 'ru'],
    agreementId: null,
    legalBasis: [],
    notes: '',
  };
}

export async function runWebBench({ quick = false } = {}) {
  const sizes = bundleSizes();
  if (!sizes) {
    console.log('web: dist/web is missing; run `npm run build:web` first');
    return;
  }
  const [{ openStore }, { defaultDeps, inTransaction }, { initialise }, { loadDemo }, { buildServer }, { proposeCorridor }, { notifyMovement }] = await Promise.all([
    import(dist('store/store.js')),
    import(dist('app/deps.js')),
    import(dist('app/bootstrap.js')),
    import(dist('demo/scenario.js')),
    import(dist('http/server.js')),
    import(dist('app/corridors.js')),
    import(dist('app/movements.js')),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'passage-web-bench-'));
  const store = await openStore(join(dir, 'p.db'));
  const deps = defaultDeps(store);
  await initialise(deps);
  const demo = await loadDemo(deps, { keysDir: join(dir, 'keys'), now: Date.now() });
  const app = await buildServer(deps);
  await app.ready();
  const pub = await app.inject({ url: '/public', headers: { 'accept-language': 'uk' } });
  console.log('| what | gzip |');
  console.log('|---|---|');
  console.log(`| public page /public (demo, HTML with inline CSS and SVG maps; no JS) | ${kB(gzipSync(pub.body, { level: 9 }).length)} (raw ${kB(Buffer.byteLength(pub.body))}) |`);
  console.log(`| operations app: index.html + JS + CSS | ${kB(sizes.appShell)} |`);
  console.log(`| maplibre worker (loaded with the map) | ${kB(sizes.worker)} |`);
  console.log(`| offline basemap (geo/basemap.json) | ${kB(sizes.basemap)} |`);
  console.log(`| gazetteer (geo/gazetteer.json, propose form only) | ${kB(sizes.gazetteer)} |`);

  if (!existsSync(CHROMIUM)) {
    console.log(`map render: skipped (no chromium at ${CHROMIUM})`);
    await app.close();
    await store.close();
    return;
  }
  const n = quick ? 100 : 500;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const mediator = demo.members.find((m) => m.key === 'mediator-liaison');
  const actor = { memberId: mediator.memberId, partyId: mediator.partyId, partyKind: 'mediator', role: 'liaison' };
  const t0 = performance.now();
  const corridors = [];
  for (let i = 0; i < n; i++) corridors.push(await inTransaction(deps, (u) => proposeCorridor(u, actor, corridorTerms(i, rnd))));
  console.log(`\n(${n} corridors inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  // A cold page load of the operations map as the mediator, up to the corridors being listed.
  const openMap = async (timeout) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((token) => sessionStorage.setItem('passage_token', token), mediator.token);
    const page = await context.newPage();
    const start = Date.now();
    await page.goto(`${url}/app/`);
    await page.waitForSelector('#map[data-states]', { timeout });
    return { context, page, start, listed: Date.now() - start };
  };
  const runs = [];
  for (let r = 0; r < (quick ? 2 : 4); r++) {
    const { context, page, start, listed } = await openMap(60_000);
    // First idle after the corridors were handed to the map: everything drawn.
    await page.waitForFunction(() => {
      const el = document.querySelector('#map');
      return el?.dataset.idle !== undefined && el.maplibreMap?.getSource('corridors') !== undefined && el.maplibreMap.loaded() && !el.maplibreMap.isMoving();
    }, undefined, { timeout: 60_000, polling: 20 });
    const drawn = Date.now() - start;
    const features = await page.evaluate(() => document.querySelector('#map').maplibreMap.queryRenderedFeatures({ layers: ['corridor-line', 'corridor-line-suspended'] }).length);
    runs.push({ listed, drawn, features });
    await context.close();
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`| map with ${n} corridors (cold page load → data in → map idle) | median ${med(runs.map((r) => r.listed))} ms to data, ${med(runs.map((r) => r.drawn))} ms to drawn (${runs.map((r) => r.drawn).join(', ')} ms; ${runs[0]?.features} rendered line features) |`);

  // 1,000 movements (one tracker each) on those corridors, notified by the demo's convoy
  // operator and shared with ua and ru; the mediator's map sees them all.
  const nMov = quick ? 300 : 1000;
  const op = demo.members.find((m) => m.key === 'convoy-operator');
  const opActor = { memberId: op.memberId, partyId: op.partyId, partyKind: 'humanitarian', role: 'operator' };
  const t1 = performance.now();
  const tracks = [];
  for (let i = 0; i < nMov; i++) {
    const c = corridors[i % corridors.length];
    const [a, b] = c.terms.route.coordinates;
    const deviceId = `bench-trk-${i}`;
    tracks.push({ deviceId, a, b, phase: rnd() });
    await inTransaction(deps, (u) =>
      notifyMovement(u, opActor, { corridorId: c.id, title: `Bench movement ${i}`, plannedDeparture: new Date().toISOString(), vehicles: [{ plate: `BM ${i}`, type: 'bus', seats: 40, trackerDeviceId: deviceId }], manifest: { people: { adults: 10 }, cargo: [] }, distribution: ['ua', 'ru'], rules: {}, notes: '' }),
    );
  }
  console.log(`(${nMov} movements notified in ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
  // Each tracker creeps along the first leg of its corridor, slowly (no speed rule fires).
  let tick = 0;
  const post = async () => {
    const now = Date.now();
    const fixes = tracks.map((t) => {
      const f = (t.phase + tick * 0.002) % 1;
      return { deviceId: t.deviceId, at: new Date(now).toISOString(), lat: t.a[1] + (t.b[1] - t.a[1]) * f, lon: t.a[0] + (t.b[0] - t.a[0]) * f, speed: 0.5 };
    });
    tick++;
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/positions`, { method: 'POST', headers: { authorization: `Bearer ${op.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ fixes }) });
    if (!res.ok) throw new Error(`POST /positions: ${res.status} ${await res.text()}`);
    return performance.now() - t;
  };
  await post(); // every tracker has a position before the page loads
  const pct = (xs, q) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
  };
  const runs2 = [];
  for (let r = 0; r < (quick ? 2 : 3); r++) {
    const { context, page, start, listed } = await openMap(120_000);
    await page.waitForFunction(() => {
      const el = document.querySelector('#map');
      const m = el?.maplibreMap;
      // Movements are dots on a 2D canvas over the map (web/src/movement-overlay.ts): drawn once
      // `data-dots` (how many are in view) is there.
      return el?.dataset.idle !== undefined && Number(el.dataset.dots ?? 0) > 0 && m.loaded() && !m.isMoving();
    }, undefined, { timeout: 120_000, polling: 20 });
    const drawn = Date.now() - start;
    const dots = Number(await page.getAttribute('#map', 'data-dots'));
    runs2.push({ listed, drawn, dots });
    if (r > 0) {
      await context.close();
      continue;
    }
    // Live: frame times (requestAnimationFrame deltas) while every tracker reports once a second.
    let latestReads = 0;
    page.on('request', (q) => {
      if (q.url().includes('/api/v1/positions/latest')) latestReads++;
    });
    await page.waitForTimeout(1000); // the event stream is connected
    await page.evaluate(() => {
      const w = window;
      const el = document.querySelector('#map');
      // How often the WebGL map itself redrew, and how often the movement dots did.
      w.__renders = 0;
      el.maplibreMap.on('render', () => w.__renders++);
      w.__dotDraws0 = el.movementOverlay?.draws ?? 0;
      w.__dotMs0 = el.movementOverlay?.drawMs ?? 0;
      w.__frames = [];
      let last = performance.now();
      const loop = (t) => {
        w.__frames.push(t - last);
        last = t;
        if (!w.__stop) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const seconds = quick ? 8 : 20;
    const eventsBefore = Number((await store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
    const postMs = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      const due = Date.now() + 1000;
      postMs.push(await post());
      await new Promise((ok) => setTimeout(ok, Math.max(0, due - Date.now())));
    }
    await page.waitForTimeout(500);
    const frames = await page.evaluate(() => {
      window.__stop = true;
      return window.__frames.slice(1);
    });
    const redraws = await page.evaluate(() => {
      const o = document.querySelector('#map').movementOverlay;
      return { map: window.__renders, dots: (o?.draws ?? 0) - window.__dotDraws0, dotMs: (o?.drawMs ?? 0) - window.__dotMs0 };
    });
    const applied = Number(await page.getAttribute('#map', 'data-fixes'));
    const types = await store.db.selectFrom('events').select(['type']).where('id', '>', eventsBefore).execute();
    const byType = {};
    for (const { type } of types) byType[type] = (byType[type] ?? 0) + 1;
    console.log(`(events during the live run: ${Object.entries(byType).map(([k, v]) => `${k} ${v}`).join(', ')}; frames over 50 ms: ${frames.filter((f) => f > 50).length}; WebGL map redraws: ${redraws.map}, movement-dot redraws: ${redraws.dots} (mean ${(redraws.dotMs / Math.max(1, redraws.dots)).toFixed(1)} ms each), in ${seconds} s)`);
    console.log(
      `| map with ${n} corridors and ${nMov} live movements, ${nMov} fixes/s for ${seconds} s: frame time (rAF deltas, ${frames.length} frames) | median ${pct(frames, 0.5).toFixed(1)} ms, p95 ${pct(frames, 0.95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms (goal < 50 ms per frame); ${applied} tracker moves applied in place, ${latestReads} re-reads of /positions/latest; POST /positions of ${nMov} fixes: median ${pct(postMs, 0.5).toFixed(0)} ms |`,
    );
    // Reference: the same map repainted every frame with no data change (SwiftShader's cost of
    // drawing this picture at all), for 3 s, no fixes posted.
    const repaint = await page.evaluate(
      () =>
        new Promise((done) => {
          const m = document.querySelector('#map').maplibreMap;
          const out = [];
          let last = performance.now();
          const stopAt = last + 3000;
          const loop = (t) => {
            out.push(t - last);
            last = t;
            if (t < stopAt) {
              m.triggerRepaint();
              requestAnimationFrame(loop);
            } else done(out.slice(1));
          };
          requestAnimationFrame(loop);
        }),
    );
    console.log(`| the same map repainted every frame, no data change (reference: the cost of drawing it in SwiftShader) | median ${pct(repaint, 0.5).toFixed(1)} ms, p95 ${pct(repaint, 0.95).toFixed(1)} ms, max ${Math.max(...repaint).toFixed(1)} ms |`);
    await context.close();
  }
  console.log(`| map with ${n} corridors and ${nMov} movements (cold page load → data in → map idle) | median ${med(runs2.map((r) => r.listed))} ms to data, ${med(runs2.map((r) => r.drawn))} ms to drawn (${runs2.map((r) => r.drawn).join(', ')} ms; ${runs2[0]?.dots} rendered movement dots) |`);
  await browser.close();
  await app.close();
  await store.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runWebBench({ quick: process.argv.includes('--quick') });
}
