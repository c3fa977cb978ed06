import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsync, startDemoServer, type DemoServer } from './spawn.js';

/** What the proxy does with a request: pass it on, drop the connection, or answer itself. */
type Verdict = 'forward' | 'drop' | { status: number; type: string; body: string };

/**
 * A proxy in front of the real server, so that one route can fail (a 503, a dropped connection)
 * while the others answer as Passage does: the failures a witness meets when its server restarts
 * or a load balancer has a bad moment.
 */
async function startProxy(upstream: string, decide: (req: IncomingMessage) => Verdict): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const verdict = decide(req);
      if (verdict === 'drop') return req.socket.destroy();
      if (verdict !== 'forward') {
        res.writeHead(verdict.status, { 'content-type': verdict.type });
        return res.end(verdict.body);
      }
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'content-type']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
      fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const unavailable: Verdict = { status: 503, type: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'service_unavailable', detail: 'the database is out of reach' }) };

describe('passage log watch meets failures that are not forks', () => {
  let ds: DemoServer;
  const proxies: { close: () => Promise<void> }[] = [];
  const watch = (url: string, state: string, party: 'ua' | 'ru', keyOf: 'ua' | 'ru' = party, extra: string[] = ['--once']) =>
    runAsync(['log', 'watch', ...extra, '--url', url, '--token', ds.token(`${party}-liaison`), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles[keyOf].private, '--party', party, '--state', state]);
  /** A new entry in the log, so that the witness has a new head to check and cosign. */
  const newEntry = async (): Promise<void> => {
    const res = await fetch(`${ds.server.url}/api/v1/corridors/${ds.demo.corridors['sumy-poltava']}/suspend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ds.token('mediator-liaison')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'a new head for the witness' }),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
  };

  beforeAll(async () => {
    ds = await startDemoServer('sqlite', 'witness');
  }, 60_000);
  afterAll(async () => {
    for (const p of proxies) await p.close();
    await ds?.stop();
  });

  it('saves its state only once a cosignature is accepted, so a failed one is made again on the next run', async () => {
    const state = join(ds.dir, 'retry-state.txt');
    // ua's witness run with ru's key: the server refuses the cosignature.
    const wrong = await watch(ds.server.url, state, 'ua', 'ru');
    expect(wrong.code, wrong.err).not.toBe(0);
    expect(wrong.out).not.toMatch(/cosigned/);
    expect(existsSync(state)).toBe(false);
    // The cosignature is lost on the way (503): still nothing saved.
    const proxy = await startProxy(ds.server.url, (req) => (req.method === 'POST' && req.url?.startsWith('/api/v1/log/cosignatures') ? unavailable : 'forward'));
    proxies.push(proxy);
    const lost = await watch(proxy.url, state, 'ua');
    expect(lost.code).toBe(1);
    expect(lost.err).toMatch(/the database is out of reach \(service_unavailable\)/);
    expect(existsSync(state)).toBe(false);
    // With the right key and a server that answers, the head is cosigned now, not skipped as seen.
    const right = await watch(ds.server.url, state, 'ua');
    expect(right.code, right.err).toBe(0);
    expect(right.out).toMatch(/^cosigned tree head of size \d+/);
    expect(readFileSync(state, 'utf8')).toMatch(/^passage\.local\/\S+\n\d+\n/);
    // Nothing new: nothing to cosign again.
    const again = await watch(ds.server.url, state, 'ua');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toBe('');
  }, 60_000);

  it('takes a consistency proof it cannot fetch (503, dropped connection) as an error, not as a fork', async () => {
    const state = join(ds.dir, 'proof-state.txt');
    const first = await watch(ds.server.url, state, 'ru');
    expect(first.code, first.err).toBe(0);
    const before = readFileSync(state, 'utf8');
    await newEntry();
    for (const verdict of [unavailable, 'drop'] as const) {
      const proxy = await startProxy(ds.server.url, (req) => (req.url?.startsWith('/api/v1/log/proof/consistency') ? verdict : 'forward'));
      proxies.push(proxy);
      const r = await watch(proxy.url, state, 'ru');
      expect(r.code, `${JSON.stringify(verdict)}: ${r.err}`).toBe(1);
      expect(r.out + r.err).not.toMatch(/ALERT|inconsistent/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(`${state}.conflict`)).toBe(false);
      expect(readFileSync(state, 'utf8')).toBe(before);
    }
    // The server is fine again: the new head is checked against the old one and cosigned.
    const ok = await watch(ds.server.url, state, 'ru');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^cosigned tree head of size \d+/);
    expect(readFileSync(state, 'utf8')).not.toBe(before);
  }, 60_000);

  it('reports a server that is not Passage’s as such (exit 1), not as a forged tree head (exit 7)', async () => {
    const proxy = await startProxy(ds.server.url, () => ({ status: 200, type: 'text/html', body: '<!doctype html><html><body>Welcome to nginx</body></html>' }));
    proxies.push(proxy);
    const r = await watch(proxy.url, join(ds.dir, 'html-state.txt'), 'ua');
    expect(r.code).toBe(1);
    expect(r.err).toBe(`passage: ${proxy.url}/api/v1/log/checkpoint: not a Passage API (unexpected response: HTTP 200, text/html: "<!doctype html><html><body>Welcome to nginx</body></html>")\n`);
    const plain = await startProxy(ds.server.url, () => ({ status: 200, type: 'text/plain', body: 'hello\n' }));
    proxies.push(plain);
    const p = await watch(plain.url, join(ds.dir, 'html-state.txt'), 'ua');
    expect(p.code).toBe(1);
    expect(p.err).toMatch(/\/api\/v1\/log\/checkpoint: not a Passage API \(unexpected response: not a signed checkpoint: /);
    expect(existsSync(join(ds.dir, 'html-state.txt.conflict'))).toBe(false);
  }, 60_000);

  it('following the log, keeps going through a server restart: one line per failed attempt, then cosigns', async () => {
    const state = join(ds.dir, 'follow-state.txt');
    let refused = 0;
    // The first two polls find the server gone (the connection drops), as during a restart.
    const proxy = await startProxy(ds.server.url, (req) => (req.url?.startsWith('/api/v1/log/checkpoint') && refused++ < 2 ? 'drop' : 'forward'));
    proxies.push(proxy);
    const child = spawn(
      process.execPath,
      [resolve('dist/cli.js'), 'log', 'watch', '--interval', '1', '--url', proxy.url, '--token', ds.token('ua-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', state],
      { env: { ...process.env, PASSAGE_TOKEN: '', PASSAGE_URL: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      for (let i = 0; i < 150 && !/cosigned/.test(out) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(child.exitCode, err).toBeNull();
      expect(out).toMatch(/^cosigned tree head of size \d+/);
      const notices = err.trim().split('\n');
      expect(notices).toHaveLength(2);
      expect(notices[0]).toMatch(/^passage: log watch: cannot reach http:\/\/127\.0\.0\.1:\d+.*; trying again in 1 s$/);
      expect(notices[1]).toMatch(/; trying again in 2 s$/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
