// Issue 6's "within a second": from the mediator's write (confirming the demo's shelling report,
// then suspending and resuming a corridor) to the moment a subscribed webhook receiver, an SSE
// client and the public GeoJSON feed each show it. A real server on a port, the scheduler at its
// production interval (250 ms), SQLite on the project's disk; latencies per round, then p50/p95/max.
//
//   node bench/events.bench.mjs [--quick]     (after npm run build)
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = path.dirname(new URL(import.meta.url).pathname);
const imp = (p) => import(pathToFileURL(path.join(here, '..', 'dist', p)).href);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function runEventsBench(opts = {}) {
  const quick = Boolean(opts.quick);
  const rounds = quick ? 5 : 40;
  const { openStore } = await imp('store/store.js');
  const { defaultDeps } = await imp('app/deps.js');
  const { initialise } = await imp('app/bootstrap.js');
  const { loadDemo } = await imp('demo/scenario.js');
  const { buildServer } = await imp('http/server.js');
  const { startScheduler } = await imp('app/scheduler.js');
  mkdirSync(path.join(here, '..', '.bench-tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(here, '..', '.bench-tmp', 'events-'));
  const store = await openStore(path.join(dir, 'passage.db'));
  const deps = defaultDeps(store);
  await initialise(deps);
  const demo = await loadDemo(deps, { keysDir: path.join(dir, 'keys'), now: Date.now() });
  const app = await buildServer(deps);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const stopScheduler = startScheduler(deps);
  const token = (key) => demo.members.find((m) => m.key === key).token;
  const call = async (key, method, url, body) => {
    const res = await fetch(`${base}/api/v1${url}`, { method, headers: { authorization: `Bearer ${token(key)}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  // A webhook receiver and an SSE client, each stamping what it gets on arrival.
  const hooks = [];
  const rx = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooks.push({ at: performance.now(), body: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise((ok) => rx.listen(0, '127.0.0.1', ok));
  await call('ua-liaison', 'POST', '/webhooks', { url: `http://127.0.0.1:${rx.address().port}/hook`, types: ['corridor.*'] });
  const streamed = [];
  const ctrl = new AbortController();
  const sseRes = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${token('ru-liaison')}` }, signal: ctrl.signal });
  (async () => {
    const reader = sseRes.body.getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) streamed.push({ at: performance.now(), data: JSON.parse(data.slice(6)) });
        }
      }
    } catch {
      /* aborted at the end */
    }
  })();
  await new Promise((r) => setTimeout(r, 300));

  /** Waits until `seen()` holds, polling every 5 ms; the time it first held, or Infinity after 10 s. */
  const until = async (seen) => {
    const limit = performance.now() + 10_000;
    for (;;) {
      const at = seen();
      if (at !== undefined) return at;
      if (performance.now() > limit) return Infinity;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const geoSays = async (corridorId, status) => {
    const limit = performance.now() + 10_000;
    for (;;) {
      const fc = await (await fetch(`${base}/public/corridors.geojson`)).json();
      if (fc.features.some((f) => f.properties?.corridorId === corridorId && f.properties.status === status)) return performance.now();
      if (performance.now() > limit) return Infinity;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const lat = { webhook: [], sse: [], geojson: [] };
  /** One write, then when each reader first shows `type` for the corridor. */
  async function round(write, corridorId, type, status) {
    const [h0, s0] = [hooks.length, streamed.length];
    const t0 = performance.now();
    await write();
    const [hookAt, sseAt, geoAt] = await Promise.all([
      until(() => hooks.slice(h0).find((x) => x.body.type === type && x.body.data?.corridorId === corridorId)?.at),
      until(() => streamed.slice(s0).find((x) => x.data.type === type && x.data.data?.corridorId === corridorId)?.at),
      geoSays(corridorId, status),
    ]);
    lat.webhook.push(hookAt - t0);
    lat.sse.push(sseAt - t0);
    lat.geojson.push(geoAt - t0);
  }

  try {
    // The case: confirming the 5 March shelling report suspends Mariupol → Zaporizhzhia.
    const mariupol = demo.corridors['mariupol-zaporizhzhia'];
    const incident = demo.extra.incidents['mariupol-shelling'];
    await round(() => call('mediator-liaison', 'POST', `/incidents/${incident}/confirm`, { reason: 'bench' }), mariupol, 'corridor.suspended', 'suspended');
    // Then suspensions and resumptions of Sumy → Poltava, open now in the shifted demo.
    const sumy = demo.corridors['sumy-poltava'];
    for (let i = 0; i < rounds; i++) {
      await round(() => call('mediator-liaison', 'POST', `/corridors/${sumy}/suspend`, { reason: `bench ${i}` }), sumy, 'corridor.suspended', 'suspended');
      await round(() => call('mediator-liaison', 'POST', `/corridors/${sumy}/resume`, { reason: `bench ${i}` }), sumy, 'corridor.resumed', 'open');
    }
    const n = lat.webhook.length;
    console.log(`events: ${n} writes (1 incident confirmation, ${rounds} suspensions, ${rounds} resumptions), scheduler every 250 ms`);
    for (const [what, xs] of Object.entries(lat)) {
      const late = xs.filter((x) => x >= 1000).length;
      console.log(`  ${what.padEnd(8)} p50 ${pct(xs, 50).toFixed(0)} ms, p95 ${pct(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms; ${late} of ${n} at or over 1 s (goal: every one within a second)`);
    }
  } finally {
    ctrl.abort();
    await stopScheduler();
    await app.close();
    rx.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runEventsBench({ quick: process.argv.includes('--quick') });
