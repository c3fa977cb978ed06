import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, sha256 } from '../../src/crypto/index.js';
import { formatVerifierKey } from '../../src/domain/log/index.js';
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
  let suspended = false;
  /** A new entry in the log, so that the witness has a new head to check and cosign: the corridor suspended, or resumed. */
  const newEntry = async (): Promise<void> => {
    const action = suspended ? 'resume' : 'suspend';
    suspended = !suspended;
    const res = await fetch(`${ds.server.url}/api/v1/corridors/${ds.demo.corridors['sumy-poltava']}/${action}`, {
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

  it('takes a proof element that is not base64 as an invalid proof: an alert naming the server and the sizes, following the log too', async () => {
    const state = join(ds.dir, 'malformed-state.txt');
    const first = await watch(ds.server.url, state, 'ru');
    expect(first.code, first.err).toBe(0);
    const seen = Number(readFileSync(state, 'utf8').split('\n')[1]);
    await newEntry();
    const proxy = await startProxy(ds.server.url, (req) => {
      const m = /^\/api\/v1\/log\/proof\/consistency\?from=(\d+)&to=(\d+)$/.exec(req.url ?? '');
      return m ? { status: 200, type: 'application/json', body: JSON.stringify({ from: Number(m[1]), to: Number(m[2]), proof: ['not*base64'] }) } : 'forward';
    });
    proxies.push(proxy);
    for (const extra of [['--once'], ['--interval', '1']]) {
      const r = await watch(proxy.url, state, 'ru', 'ru', extra);
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(7);
      expect(r.out).toMatch(new RegExp(`^ALERT: the log server ${proxy.url.replace(/\./g, '\\.')} presented a tree head \\(size (\\d+)\\) inconsistent with the one this witness saw \\(size ${seen}\\): consistency proof element 0: `));
      expect(r.err).toMatch(/^passage: ALERT: inconsistent tree heads/);
    }
    expect(Number(readFileSync(state, 'utf8').split('\n')[1])).toBe(seen);
  }, 60_000);

  it('a server that says its log store is damaged: --once exits 6; following the log, it says so loudly and asks again', async () => {
    const damaged: Verdict = { status: 503, type: 'application/problem+json', body: JSON.stringify({ type: 'urn:passage:problem:log_damaged', title: 'The log store is damaged', status: 503, code: 'log_damaged', detail: 'the log store is damaged: tree node 6/0 (level 6, index 0) is missing from log_nodes' }) };
    const once = await startProxy(ds.server.url, (req) => (req.url?.startsWith('/api/v1/log/checkpoint') ? damaged : 'forward'));
    proxies.push(once);
    const r = await watch(once.url, join(ds.dir, 'damaged-once.txt'), 'ua');
    expect(r.code).toBe(6);
    expect(r.err).toBe('passage: VERIFICATION FAILED: the server reports the log store is damaged: tree node 6/0 (level 6, index 0) is missing from log_nodes\n');
    let refused = 0;
    const proxy = await startProxy(ds.server.url, (req) => (req.url?.startsWith('/api/v1/log/checkpoint') && refused++ < 1 ? damaged : 'forward'));
    proxies.push(proxy);
    const state = join(ds.dir, 'damaged-follow.txt');
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
      expect(err).toBe(`passage: log watch: WARNING: the server ${proxy.url} reports the log store is damaged: tree node 6/0 (level 6, index 0) is missing from log_nodes (log_damaged); trying again in 1 s\n`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('refuses a --state file of another log as bad input, and raises the alarm at a server whose log the key is not for', async () => {
    const state = join(ds.dir, 'other-log-state.txt');
    writeFileSync(state, `passage.local/otherlog\n3\n${Buffer.alloc(32).toString('base64')}\n`);
    const name = String(ds.demo.logKey).split('+')[0] ?? '';
    const r = await watch(ds.server.url, state, 'ua');
    expect(r.code).toBe(2);
    expect(r.err).toBe(`passage: witness state ${state} holds a head of log passage.local/otherlog, not of log ${name} (the log of the --log-key): give this log's --state file, or a new path to start afresh\n`);
    expect(existsSync(`${state}.conflict`)).toBe(false);
    const otherKey = formatVerifierKey('passage.local/otherlog', generateKeyPair().publicKey, sha256);
    const w = await runAsync(['log', 'watch', '--once', '--url', ds.server.url, '--token', ds.token('ua-liaison'), '--log-key', otherKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', join(ds.dir, 'fresh-state.txt')]);
    expect(w.code).toBe(7);
    expect(w.err).toBe(`passage: ALERT: this server's log is ${name}, but the pinned key is for passage.local/otherlog: it is not the log this witness follows (${ds.server.url})\n`);
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
