import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, runAsync, serve, startDemoServer, type DemoServer } from './spawn.js';

const stop = async (s: Awaited<ReturnType<typeof serve>>): Promise<void> => {
  s.proc.kill('SIGTERM');
  await new Promise((r) => (s.proc.exitCode !== null ? r(undefined) : s.proc.once('exit', r)));
};

/** A SQLite database and what lives beside it: its -wal and -shm files too. */
const removeDb = (db: string): void => {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
};

/** What a demo leaves in its directory, to compare before and after: the summary and every key file. */
const demoFiles = (dataDir: string): Record<string, string> => {
  const files: Record<string, string> = { 'demo.json': readFileSync(join(dataDir, 'demo.json'), 'utf8') };
  for (const p of ['mediator', 'ua', 'ru']) for (const k of ['private', 'public']) files[`${p}.${k}`] = readFileSync(join(dataDir, 'keys', `${p}.${k}.jwk`), 'utf8');
  return files;
};

describe('a demo’s keys and summary belong to its database: a second demo in the same directory does not replace them', () => {
  let dir: string;
  let data: string;
  let first: any;
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passage-demo-dirs-'));
    data = join(dir, 'data');
    const d = run(['demo', '--json', '--db', 'data/passage.db'], { DATABASE_URL: '' }, dir);
    expect(d.code, d.err).toBe(0);
    first = JSON.parse(d.out);
    server = await serve('data/passage.db', dir);
  }, 60_000);
  afterAll(async () => {
    if (server) await stop(server);
  });

  it('the summary says which database it is the demo of', () => {
    const summary = JSON.parse(readFileSync(join(data, 'demo.json'), 'utf8'));
    expect(summary.database).toBe(join(data, 'passage.db'));
    expect(summary.members).toEqual(first.members);
  });

  it.each([
    ['demo', ['demo', '--db', 'data/2022.db']],
    ['demo --keys-dir', ['demo', '--db', 'data/2022.db', '--keys-dir', 'data/keys-2022']],
    ['start', ['start', '--port', '0', '--osmand-port', '0', '--db', 'data/2022.db']],
  ])('%s with a new database beside a demo’s is refused (exit 5), creating nothing and changing nothing', (_name, args) => {
    const before = demoFiles(data);
    const r = run(args, { DATABASE_URL: '' }, dir, 30_000);
    expect(r.code, r.err).toBe(5);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^passage: data\/demo\.json \(tokens\) and data\/keys \(private keys\) are the demo of data\/passage\.db, which still exists: a demo of data\/2022\.db would replace them; put this database in a directory of its own \(e\.g\. --db data-2022\/passage\.db[:)].*, or delete those files if that demo is no longer needed\n$/);
    // --keys-dir would not keep the summary apart: only `demo` has it, and says so.
    expect(r.err.includes('--keys-dir alone is not enough')).toBe(args[0] === 'demo');
    expect(existsSync(join(data, '2022.db'))).toBe(false);
    expect(existsSync(join(data, 'keys-2022'))).toBe(false);
    expect(demoFiles(data)).toEqual(before);
  });

  it('the first demo’s keys still work against its server (no key_unknown)', async () => {
    const r = await runAsync(['log', 'watch', '--once', '--url', server.url, '--token', first.members.find((m: any) => m.key === 'ua-liaison').token, '--log-key', first.logKey, '--party-key', join(data, 'keys', 'ua.private.jwk'), '--party', 'ua', '--state', join(dir, 'ua-witness.txt')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^cosigned tree head of size \d+/);
  });

  it('a new database in a directory of its own gets a demo of its own', () => {
    const r = run(['demo', '--json', '--db', 'data-2022/passage.db'], { DATABASE_URL: '' }, dir);
    expect(r.code, r.err).toBe(0);
    const second = JSON.parse(r.out);
    expect(second.database).toBe(join(dir, 'data-2022', 'passage.db'));
    expect(second.keyFiles.ua.private).toBe(join(dir, 'data-2022', 'keys', 'ua.private.jwk'));
    expect(JSON.parse(readFileSync(join(dir, 'data-2022', 'demo.json'), 'utf8'))).toEqual(second);
    expect(JSON.parse(readFileSync(join(data, 'demo.json'), 'utf8')).members).toEqual(first.members);
  });

  it('refuses to write the demo’s keys over key files that are not a demo’s of this directory (e.g. your own)', () => {
    const own = join(dir, 'my-keys');
    expect(run(['keys', 'generate', '--out', own, '--name', 'ua']).code).toBe(0);
    const mine = readFileSync(join(own, 'ua.private.jwk'), 'utf8');
    const r = run(['demo', '--db', 'elsewhere/passage.db', '--keys-dir', own], { DATABASE_URL: '' }, dir);
    expect(r.code, r.err).toBe(5);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/ua\.private\.jwk/);
    expect(r.err).toMatch(/--keys-dir/);
    expect(readFileSync(join(own, 'ua.private.jwk'), 'utf8')).toBe(mine);
    expect(existsSync(join(dir, 'elsewhere', 'passage.db'))).toBe(false);
  });
});

describe('the usual flows still work', () => {
  it('npm start: a fresh directory gets the demo; started again, it shows the saved tokens; with the database deleted (not data/), a new demo replaces the stale files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-start-again-'));
    const token = (out: string): string => /ua-liaison\s+\S+\s+(psg_\S+)/.exec(out)?.[1] ?? '';
    const s1 = await serve('data/passage.db', dir, 'start');
    await stop(s1);
    expect(s1.output()).toMatch(/Demo API tokens/);
    const t1 = token(s1.output());
    expect(t1).toMatch(/^psg_/);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'demo.json'), 'utf8')).database).toBe(join(dir, 'data', 'passage.db'));

    const s2 = await serve('data/passage.db', dir, 'start');
    await stop(s2);
    expect(s2.output()).toMatch(/The demo was loaded earlier/);
    expect(token(s2.output())).toBe(t1);

    removeDb(join(dir, 'data', 'passage.db'));
    const s3 = await serve('data/passage.db', dir, 'start');
    await stop(s3);
    expect(s3.output()).toMatch(/^Initialised a new database/);
    const t3 = token(s3.output());
    expect(t3).toMatch(/^psg_/);
    expect(t3).not.toBe(t1);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'demo.json'), 'utf8')).members.find((m: any) => m.key === 'ua-liaison').token).toBe(t3);
  }, 90_000);

  it('the files of a demo whose database is gone are replaced by a new database’s beside them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-stale-'));
    expect(run(['demo', '--db', 'data/passage.db'], { DATABASE_URL: '' }, dir).code).toBe(0);
    removeDb(join(dir, 'data', 'passage.db'));
    const r = run(['demo', '--json', '--db', 'data/2022.db'], { DATABASE_URL: '' }, dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'demo.json'), 'utf8')).database).toBe(join(dir, 'data', '2022.db'));
  });

  it('a summary an earlier Passage wrote (no database in it) is kept while another database lies beside it, replaced once none does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-legacy-'));
    expect(run(['demo', '--db', 'data/passage.db'], { DATABASE_URL: '' }, dir).code).toBe(0);
    const file = join(dir, 'data', 'demo.json');
    const { database: _, ...legacy } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, `${JSON.stringify(legacy, null, 2)}\n`);
    const refused = run(['demo', '--db', 'data/2022.db'], { DATABASE_URL: '' }, dir);
    expect(refused.code, refused.err).toBe(5);
    expect(refused.err).toMatch(/passage\.db/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(legacy);
    removeDb(join(dir, 'data', 'passage.db'));
    const r = run(['demo', '--db', 'data/2022.db'], { DATABASE_URL: '' }, dir);
    expect(r.code, r.err).toBe(0);
  });

  it('start does not show the tokens of a summary that is another database’s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-foreign-summary-'));
    expect(run(['demo', '--db', 'a/passage.db'], { DATABASE_URL: '' }, dir).code).toBe(0);
    expect(run(['demo', '--db', 'b/passage.db'], { DATABASE_URL: '' }, dir).code).toBe(0);
    // As an earlier Passage left it: b's summary over a's.
    writeFileSync(join(dir, 'a', 'demo.json'), readFileSync(join(dir, 'b', 'demo.json')));
    const bToken = JSON.parse(readFileSync(join(dir, 'b', 'demo.json'), 'utf8')).members[0].token;
    const s = await serve('a/passage.db', dir, 'start');
    await stop(s);
    expect(s.output()).not.toContain(bToken);
    expect(s.output()).toMatch(/is not this database’s/);
  }, 60_000);
});

/** A reverse proxy that serves `upstream` under `/pfx` only, as one in front of Passage might; anything else is its own 404. */
async function prefixProxy(upstream: string): Promise<{ url: string; seen: string[]; server: Server }> {
  const target = new URL(upstream);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const m = /^\/pfx(\/.*)$/.exec(req.url ?? '');
    if (!m?.[1]) {
      res.writeHead(404, { 'content-type': 'text/html' });
      return res.end('<h1>Not Found</h1>');
    }
    const up = request({ host: target.hostname, port: target.port, path: m[1], method: req.method, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/pfx`, seen, server };
}

describe('--url with a path: a server behind a reverse proxy under a prefix', () => {
  let ds: DemoServer;
  let proxy: Awaited<ReturnType<typeof prefixProxy>>;
  beforeAll(async () => {
    ds = await startDemoServer('sqlite', 'urlprefix');
    proxy = await prefixProxy(ds.server.url);
  }, 60_000);
  afterAll(async () => {
    proxy?.server.close();
    await ds?.stop();
  });

  it.each([['without a trailing slash', ''], ['with a trailing slash', '/']])('status and corridors list work through the prefix, %s', async (_what, slash) => {
    const url = `${proxy.url}${slash}`;
    const direct = await runAsync(['corridors', 'list', '--url', ds.server.url, '--token', ds.token('observer')]);
    expect(direct.code, direct.err).toBe(0);
    const list = await runAsync(['corridors', 'list', '--url', url, '--token', ds.token('observer')]);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toBe(direct.out);
    const status = await runAsync(['status', ds.demo.corridors['sumy-poltava'], '--at', '2022-03-08T10:00:00+02:00', '--url', url, '--token', ds.token('observer')]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(/^OPEN at /);
    expect(proxy.seen.at(-1)).toMatch(/^\/pfx\/api\/v1\/corridors\/cor_\S+\/status\?at=/);
  });

  it('verify and log watch follow the log through the prefix', async () => {
    const v = await runAsync(['verify', '--url', proxy.url, '--token', ds.token('observer'), '--log-key', ds.demo.logKey]);
    expect(v.code, v.err).toBe(0);
    const w = await runAsync(['log', 'watch', '--once', '--url', proxy.url, '--token', ds.token('ru-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ru.private, '--party', 'ru', '--state', join(ds.dir, 'ru-witness.txt')]);
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(/^cosigned tree head of size \d+/);
    expect(proxy.seen).toContain('/pfx/api/v1/log/cosignatures');
  });

  it.each([
    ['a query string', '?x=1', /--url must not have a query string or a fragment/],
    ['a fragment', '#top', /--url must not have a query string or a fragment/],
    ['the API path itself', '/api/v1', /--url is the server’s address without \/api\/v1/],
  ])('refuses a --url with %s (exit 2), asking nothing of the server', async (_what, suffix, message) => {
    const before = proxy.seen.length;
    const r = await runAsync(['corridors', 'list', '--url', `${proxy.url}${suffix}`, '--token', ds.token('observer')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(proxy.seen.length).toBe(before);
  });

  it('refuses a --url with a user name and password (exit 2): the API takes a token', async () => {
    const before = proxy.seen.length;
    const r = await runAsync(['corridors', 'list', '--url', proxy.url.replace('http://', 'http://me:secret@'), '--token', ds.token('observer')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe('passage: --url must not hold a user name or password: give the server\'s address, and your API token with --token or PASSAGE_TOKEN\n');
    expect(proxy.seen.length).toBe(before);
  });

  it('simulate refuses an --osmand with a query string, before anything is sent', async () => {
    const r = await runAsync(['simulate', '--url', ds.server.url, '--osmand', 'http://127.0.0.1:9/x?id=1', '--demo-file', join(ds.dir, 'demo.json')]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/--osmand must not have a query string or a fragment/);
  });
});
