import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, sha256 } from '../../src/crypto/index.js';
import { formatVerifierKey } from '../../src/domain/log/index.js';
import { run, runAsync } from './spawn.js';

/** Where nothing listens: a command that gets this far would say "cannot reach", not what the test expects. */
const NOWHERE = 'http://127.0.0.1:9';
const dir = mkdtempSync(join(tmpdir(), 'passage-remote-errors-'));
const logKey = formatVerifierKey('passage.local/x', generateKeyPair().publicKey, sha256);

/** An HTTP server that answers every request with the same status, content type and body. */
async function fakeServer(status: number, type: string, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('answers that are not Passage’s are reported as such, before anything is printed', () => {
  const servers: Server[] = [];
  const serve = async (status: number, type: string, body: string): Promise<string> => {
    const f = await fakeServer(status, type, body);
    servers.push(f.server);
    return f.url;
  };
  afterAll(() => {
    for (const s of servers) s.close();
  });

  const commands: [string, string[], string][] = [
    ['corridors list', ['corridors', 'list'], '/api/v1/corridors'],
    ['corridors show', ['corridors', 'show', 'cor_x'], '/api/v1/corridors/cor_x'],
    ['status', ['status', 'cor_x'], '/api/v1/corridors/cor_x/status'],
    ['check', ['check', '1', '1'], '/api/v1/deconfliction/explain'],
    ['ledger rounds', ['ledger', 'rounds'], '/api/v1/ledger/timeline'],
    ['ledger matrix', ['ledger', 'matrix'], '/api/v1/ledger/matrix'],
    ['ledger statements', ['ledger', 'statements'], '/api/v1/statements'],
    ['incidents list', ['incidents', 'list'], '/api/v1/incidents'],
    ['movements list', ['movements', 'list'], '/api/v1/movements'],
    ['movements alerts', ['movements', 'alerts'], '/api/v1/movement-alerts'],
    ['webhooks list', ['webhooks', 'list'], '/api/v1/webhooks'],
    ['webhooks rotate-secret', ['webhooks', 'rotate-secret', 'whk_x'], '/api/v1/webhooks/whk_x/rotate-secret'],
    ['verify', ['verify', '--log-key', logKey], '/api/v1/log/checkpoint'],
  ];

  it.each([
    ['an HTML page', 'text/html', '<!doctype html><p>It works!</p>', /unexpected response: HTTP 200, text\/html, not JSON: "<!doctype html><p>It works!<\/p>"\)$|unexpected response: HTTP 200, text\/html: "<!doctype html><p>It works!<\/p>"\)$/],
    ['an empty object', 'application/json', '{}', /unexpected response: (JSON without the expected fields, at (the top level|\S+): .+|HTTP 200, application\/json: "\{\}")\)$/],
    ['null', 'application/json', 'null', /unexpected response: (JSON without the expected fields, at the top level: .+|HTTP 200, application\/json: "null")\)$/],
    ['JSON cut short', 'application/json', '{"a":', /unexpected response: HTTP 200, application\/json, not JSON: "\{\\"a\\":"\)$|unexpected response: HTTP 200, application\/json: .*\)$/],
  ])('%s with status 200', async (_what, type, body, detail) => {
    const url = await serve(200, type, body);
    for (const [name, args, path] of commands) {
      const r = await runAsync([...args, '--url', url, '--token', 'psg_x']);
      expect(r.code, `${name}: ${r.err}`).toBe(1);
      expect(r.out, name).toBe('');
      expect(r.err.trim().split('\n'), name).toHaveLength(1);
      expect(r.err.startsWith(`passage: ${url}${path}: not a Passage API (unexpected response: `), `${name}: ${r.err}`).toBe(true);
      expect(r.err.trim(), name).toMatch(detail);
      expect(r.err, name).not.toMatch(/TypeError|Cannot read|is not iterable|Unexpected token|\[object Object\]/);
    }
  }, 60_000);

  it('a problem document whose fields are not text, and an error page that is not one', async () => {
    const problem = JSON.stringify({ type: 'about:blank', status: 409, code: { x: 1 }, detail: { y: 2 } });
    const odd = await serve(409, 'application/problem+json', problem);
    const r = await runAsync(['corridors', 'list', '--url', odd, '--token', 'psg_x']);
    expect(r.code).toBe(1);
    // The body's first 60 characters, quoted, not "[object Object] ([object Object])".
    expect(r.err).toBe(`passage: ${odd}/api/v1/corridors: not a Passage API (unexpected response: HTTP 409 Conflict, application/problem+json: ${JSON.stringify(`${problem.slice(0, 60)}…`)})\n`);
    const page = await serve(502, 'text/html', '<h1>Bad Gateway</h1>');
    const p = await runAsync(['status', 'cor_x', '--url', page, '--token', 'psg_x']);
    expect(p.code).toBe(1);
    expect(p.err).toBe(`passage: ${page}/api/v1/corridors/cor_x/status: not a Passage API (unexpected response: HTTP 502 Bad Gateway, text/html: "<h1>Bad Gateway</h1>")\n`);
  });
});

describe('a server that accepts the connection but never answers', () => {
  let sockets: Socket[] = [];
  const silent = createTcpServer((s) => {
    sockets.push(s);
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    sockets = [];
    silent.close();
  });

  it('is given up on after --timeout seconds (or PASSAGE_TIMEOUT), saying so', async () => {
    const r = await runAsync(['corridors', 'list', '--url', url, '--token', 'psg_x', '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`passage: ${url} did not answer within 1 s: is it a Passage server, and is --url right? (wait longer with --timeout or PASSAGE_TIMEOUT)\n`);
    // Well before the default 30 s: the option was honoured (a busy machine takes seconds to
    // start the CLI itself, so the bound is not the timeout plus a little).
    expect(r.ms).toBeLessThan(20_000);
    const env = await runAsync(['verify', '--url', url, '--log-key', logKey], { PASSAGE_TIMEOUT: '2' });
    expect(env.code).toBe(1);
    expect(env.err).toMatch(/did not answer within 2 s/);
    expect(env.ms).toBeLessThan(20_000);
  }, 60_000);

  it('refuses a --timeout that is not a whole number of seconds', () => {
    for (const t of ['0', '1.5', 'soon', '']) {
      const r = run(['status', 'cor_x', '--url', url, '--timeout', t]);
      expect(r.code, t).toBe(2);
      expect(r.err).toMatch(/^passage: invalid --timeout ".*": use a whole number from 1 to /);
    }
  });
});

describe('bad local input is refused locally (exit 2), before any request', () => {
  it.each([
    ['a line break', 'psg_abc\n'],
    ['a line break inside', 'psg_a\nb'],
    ['a non-ASCII character', 'psg_ab€'],
    ['a space', 'psg_a b'],
  ])('a token with %s', (_what, token) => {
    const r = run(['corridors', 'list', '--url', NOWHERE, '--token', token]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^passage: the token is malformed: it contains (a line break|a space|a non-ASCII character \("€"\)); an API token is printable ASCII without spaces/);
    expect(r.err).not.toMatch(/cannot reach/);
    const env = run(['corridors', 'list', '--url', NOWHERE], { PASSAGE_TOKEN: token });
    expect(env.code).toBe(2);
  });

  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true });
  const rsa = join(keys, 'rsa.private.jwk');
  writeFileSync(rsa, JSON.stringify(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })));
  const ec = join(keys, 'p256.private.jwk');
  writeFileSync(ec, JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })));
  const x25519 = join(keys, 'x25519.private.jwk');
  writeFileSync(x25519, JSON.stringify(generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' })));
  const nul = join(keys, 'null.jwk');
  writeFileSync(nul, 'null\n');
  const arr = join(keys, 'array.jwk');
  writeFileSync(arr, '[1,2]\n');

  it.each([
    ['an RSA private JWK', rsa, 'is not an Ed25519 private JWK (it is a RSA key)'],
    ['a P-256 private JWK', ec, 'is not an Ed25519 private JWK (it is a EC P-256 key)'],
    ['an X25519 private JWK', x25519, 'is not an Ed25519 private JWK (it is a OKP X25519 key)'],
    ['null', nul, 'is not a JSON Web Key'],
    ['an array', arr, 'is not a JSON Web Key'],
  ])('sign and ledger sign with %s', (_what, file, message) => {
    for (const args of [['sign', 'cor_x'], ['ledger', 'sign', 'prt_x']]) {
      const r = run([...args, '--key', file, '--url', NOWHERE, '--token', 'psg_x']);
      expect(r.code, r.err).toBe(2);
      expect(r.err.startsWith(`passage: ${file} ${message}`), r.err).toBe(true);
    }
  });

  it.each([
    ['an RSA private JWK', rsa, 'is not an Ed25519 public JWK'],
    ['a P-256 private JWK', ec, 'is not an Ed25519 public JWK'],
    ['null', nul, 'is not a JSON Web Key'],
  ])('keys register with %s', (_what, file, message) => {
    const r = run(['keys', 'register', '--party', 'ua', '--key', file, '--url', NOWHERE, '--token', 'psg_x']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe(`passage: ${file} ${message}\n`);
  });

  it('log watch with a party key that is not an Ed25519 private JWK, or a witness state that is not a head', () => {
    const watch = (partyKey: string, state: string) => run(['log', 'watch', '--once', '--url', NOWHERE, '--log-key', logKey, '--party', 'ua', '--party-key', partyKey, '--state', state]);
    const r = watch(rsa, join(dir, 'state.txt'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^passage: ${rsa.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an Ed25519 private JWK`));
    const good = run(['keys', 'generate', '--out', keys, '--name', 'ua']);
    expect(good.code, good.err).toBe(0);
    const garbage = join(dir, 'garbage-state.txt');
    writeFileSync(garbage, 'not a head\n');
    const g = watch(join(keys, 'ua.private.jwk'), garbage);
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/^passage: witness state \S+garbage-state\.txt is not a tree head this witness saved \(checkpoint needs origin, size and root hash lines\)/);
    expect(readFileSync(garbage, 'utf8')).toBe('not a head\n');
  });

  it('verify --save to an empty path or a directory, and the other --out files, before any work', () => {
    const save = (value: string) => run(['verify', '--url', NOWHERE, '--log-key', logKey, '--save', value]);
    const empty = save('');
    expect(empty.code).toBe(2);
    expect(empty.err).toBe('passage: --save must not be empty: give the file to write\n');
    const isDir = save(dir);
    expect(isDir.code).toBe(2);
    expect(isDir.err).toBe(`passage: --save ${dir} is a directory: give a file name\n`);
    const noDir = save(join(dir, 'nope', 'head.txt'));
    expect(noDir.code).toBe(2);
    expect(noDir.err).toMatch(/--save \S+ cannot be written: the directory \S+nope does not exist/);
    if (process.getuid?.() !== 0) {
      const ro = join(dir, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      const denied = save(join(ro, 'head.txt'));
      expect(denied.code).toBe(2);
      expect(denied.err).toMatch(/cannot be written: no permission to write in /);
    }
    for (const args of [
      ['ledger', 'export', '--out', dir],
      ['ledger', 'print', 'all', '--out', dir],
      ['movements', 'track', 'mov_x', '--out', dir],
    ]) {
      const r = run([...args, '--url', NOWHERE, '--token', 'psg_x']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(`passage: --out ${dir} is a directory: give a file name\n`);
    }
  }, 90_000); // a dozen CLI runs, each a process start on a machine that may be busy

  it('an empty filter is refused, not ignored', () => {
    for (const [args, message] of [
      [['corridors', 'list', '--state', ''], '--state must not be empty'],
      [['ledger', 'matrix', '--item', ''], '--item must not be empty'],
      [['ledger', 'statements', '--speaker', ' '], '--speaker must not be empty'],
      [['incidents', 'list', '--corridor', ''], '--corridor must not be empty'],
    ] as const) {
      const r = run([...args, '--url', NOWHERE, '--token', 'psg_x']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.startsWith(`passage: ${message}`), r.err).toBe(true);
    }
  });
});

describe('keys generate --force', () => {
  it('leaves the private key readable by its owner only, even over a world-readable file', () => {
    const out = mkdtempSync(join(tmpdir(), 'passage-force-'));
    expect(run(['keys', 'generate', '--out', out, '--name', 'ua']).code).toBe(0);
    const priv = join(out, 'ua.private.jwk');
    const before = readFileSync(priv, 'utf8');
    chmodSync(priv, 0o644);
    const r = run(['keys', 'generate', '--out', out, '--name', 'ua', '--force']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('(mode 0600;');
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    expect(readFileSync(priv, 'utf8')).not.toBe(before);
  });
});
