// Web benchmarks (issue 7): production bundle sizes (gzip) of the operations app and of the
// public page, and time to first render of the operations map with 500 corridors in headless
// Chromium (SwiftShader). Needs `npm run build` and `npm run build:web`; skips the browser part
// without /usr/bin/chromium. Run alone: `node bench/web.bench.mjs [--quick]`.
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

function corridorTerms(i, rnd) {
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
  const [{ openStore }, { defaultDeps, inTransaction }, { initialise }, { loadDemo }, { buildServer }, { proposeCorridor }] = await Promise.all([
    import(dist('store/store.js')),
    import(dist('app/deps.js')),
    import(dist('app/bootstrap.js')),
    import(dist('demo/scenario.js')),
    import(dist('http/server.js')),
    import(dist('app/corridors.js')),
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
  for (let i = 0; i < n; i++) await inTransaction(deps, (u) => proposeCorridor(u, actor, corridorTerms(i, rnd)));
  console.log(`\n(${n} corridors inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  const runs = [];
  for (let r = 0; r < (quick ? 2 : 4); r++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript((token) => sessionStorage.setItem('passage_token', token), mediator.token);
    const page = await context.newPage();
    const start = Date.now();
    await page.goto(`${url}/app/`);
    await page.waitForSelector('#map[data-states]', { timeout: 60_000 });
    const listed = Date.now() - start;
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
  console.log('movements: not measured (no movements API yet, see docs/web.md)');
  await browser.close();
  await app.close();
  await store.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runWebBench({ quick: process.argv.includes('--quick') });
}
