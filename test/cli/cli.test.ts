import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdsAsOperands } from '../../src/cli/options.js';
import { ENGINES, reportSkippedEngine } from '../helpers.js';
import { run, serve } from './spawn.js';

describe('key ids that start with "-"', () => {
  it('are moved after "--", as operands; everything else stays where it was', () => {
    const kid = `-${'a'.repeat(42)}`;
    expect(keyIdsAsOperands(['node', 'cli.js', 'keys', 'revoke', kid, '--party', 'ru'])).toEqual(['node', 'cli.js', 'keys', 'revoke', '--party', 'ru', '--', kid]);
    expect(keyIdsAsOperands(['node', 'cli.js', 'keys', 'revoke', '--party', 'ru', '--', 'x'])).toEqual(['node', 'cli.js', 'keys', 'revoke', '--party', 'ru', '--', 'x']);
    expect(keyIdsAsOperands(['node', 'cli.js', 'keys', 'revoke', kid, '--', 'y'])).toEqual(['node', 'cli.js', 'keys', 'revoke', '--', kid, 'y']);
    // Not a key id: an option, a short flag, a negative number, one character too many.
    for (const a of ['--reason', '-h', '-5', `-${'a'.repeat(43)}`]) expect(keyIdsAsOperands(['keys', a])).toEqual(['keys', a]);
  });
});

describe('passage CLI', () => {
  it.each([[[]], [['init']], [['serve']], [['demo']], [['keys', 'generate']], [['keys', 'register']], [['keys', 'revoke']], [['sign']], [['status']], [['corridors', 'list']]])('has --help for %j', (args) => {
    const r = run([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: passage/);
  });

  it('stops quietly (exit 141, like SIGPIPE) when whatever reads its output goes away, with no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-epipe-'));
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/cli.js'), 'demo', '--db', join(dir, 'd.db')], { cwd: dir });
    child.stdout.destroy(); // as `passage demo | head -1` does once it has its line
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // A child that never exits (seen once in CI, in ~35 runs) is killed and reported with what it
    // said, instead of the test timing out with nothing to go on.
    let hung = false;
    const kill = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 45_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(kill);
    expect(hung, `passage demo with its stdout closed did not exit within 45 s; stderr: ${err}`).toBe(false);
    expect(err).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(141);
  }, 60_000);

  it('rejects an unknown command and a bad port with one clear line and a non-zero exit', () => {
    const unknown = run(['frobnicate']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/unknown command/);
    const dir = mkdtempSync(join(tmpdir(), 'passage-cli-'));
    const port = run(['serve', '--port', 'eighty', '--db', join(dir, 'x.db')]);
    expect(port.code).toBe(2);
    expect(port.err.trim().split('\n')).toHaveLength(1);
    expect(port.err).toMatch(/^passage: invalid --port "eighty"/);
  });

  // Number() would take all of these ("1e3" is 1000, "0x50" is 80, " 80" is 80, "" is 0).
  it.each([
    [['serve', '--port', '1e3'], '--port', '1e3'],
    [['serve', '--port', '0x50'], '--port', '0x50'],
    [['serve', '--port', ' 80'], '--port', ' 80'],
    [['serve', '--port', ''], '--port', ''],
    [['serve', '--port', '65536'], '--port', '65536'],
    [['serve', '--port', '0', '--osmand-port', '1e3'], '--osmand-port', '1e3'],
    [['start', '--port', '-1'], '--port', '-1'],
    [['simulate', '--delay', '1e3'], '--delay', '1e3'],
    [['simulate', '--shortfall', '1.5'], '--shortfall', '1.5'],
    [['log', 'watch', '--log-key', 'k', '--party', 'ua', '--party-key', 'k.jwk', '--interval', '1e9'], '--interval', '1e9'],
    [['incidents', 'report', '--kind', 'other', '--lon', '30', '--lat', '50', '--at', '2022-03-08T10:00:00+02:00', '--description', 'd', '--killed', '0x10'], '--killed', '0x10'],
  ])('whole-number options take decimal digits only, in range: %j', (args, option, value) => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-num-'));
    const r = run([...args, ...(args[0] === 'serve' || args[0] === 'start' ? ['--db', join(dir, 'x.db')] : [])], {}, dir, 15_000);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err.startsWith(`passage: invalid ${option} "${value}": use a whole number from `)).toBe(true);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  it('exits 2 for what commander itself refuses (an unknown option, a missing argument), 0 for help', () => {
    const unknown = run(['serve', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^passage: error: unknown option '--bogus'/);
    const missing = run(['check']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing required argument 'lon'/);
    const help = run(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: passage check/);
  });

  it('prints its version, marks required options in the help, and refuses an URL it cannot speak or two logs at once', () => {
    const v = run(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    expect(run(['incidents', 'confirm', '--help']).out).toMatch(/--reason <text> +why \(required\)/);
    const ftp = run(['status', 'cor_x', '--url', 'ftp://example.org']);
    expect(ftp.code).toBe(2);
    expect(ftp.err).toBe('passage: --url must be an http:// or https:// URL, not ftp:\n');
    const both = run(['verify', '--url', 'http://127.0.0.1:1', '--db', 'x.db', '--log-key', 'k']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^passage: give --url or --db, not both/);
  });

  it('refuses a port in use before making a database or loading the demo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-busy-'));
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = String((busy.address() as { port: number }).port);
    try {
      for (const args of [['start', '--port', port, '--osmand-port', '0'], ['serve', '--port', '0', '--osmand-port', port]]) {
        const r = run([...args, '--db', join(dir, 'p.db')], {}, dir, 15_000);
        expect(r.code, r.err).toBe(1);
        expect(r.err).toMatch(new RegExp(`^passage: cannot listen (for the API|for OsmAnd trackers) on 127\\.0\\.0\\.1:${port}: the port is in use`));
        expect(r.out).toBe('');
        expect(existsSync(join(dir, 'p.db'))).toBe(false);
      }
    } finally {
      busy.close();
    }
  });

  // mkdirSync(dir, { recursive: true }) loops forever on Node 20 for a path under /proc.
  const fileDir = mkdtempSync(join(tmpdir(), 'passage-mkdir-'));
  const file = join(fileDir, 'a-file');
  writeFileSync(file, '');
  it.each([
    [['start', '--port', '0', '--osmand-port', '0', '--db', '/proc/nonexistent/x.db'], '/proc'],
    [['demo', '--keys-dir', '/proc/x', '--db', join(fileDir, 'demo-proc.db')], '/proc'],
    [['keys', 'generate', '--out', '/proc/nonexistent/keys'], '/proc'],
    [['init', '--db', join(file, 'x', 'y.db')], file],
    [['start', '--port', '0', '--osmand-port', '0', '--db', join(file, 'y.db')], file],
    [['demo', '--db', join(fileDir, 'demo-file.db'), '--keys-dir', join(file, 'keys')], file],
    [['keys', 'generate', '--out', join(file, 'x')], file],
  ])('refuses to create a directory it cannot, at once and in one line: %j', (args, under) => {
    if (under === '/proc' && !existsSync('/proc')) return;
    const r = run(args, {}, fileDir, 15_000);
    expect(r.code, 'it must exit, not hang').not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^passage: cannot create the (database|keys?) directory /);
    if (under === file) expect(r.err).toContain(`${file} is not a directory`);
    expect(existsSync(join(fileDir, 'demo-proc.db')) || existsSync(join(fileDir, 'demo-file.db'))).toBe(false);
  });

  it('creates the missing levels of a new directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-mkdir-'));
    const r = run(['keys', 'generate', '--out', join(dir, 'a', 'b'), '--name', 'ua']);
    expect(r.code, r.err).toBe(0);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'a', 'b', 'ua.private.jwk')).mode & 0o077).toBe(0);
  });

  it.each([
    [['init', '--mediator-name', ''], '--mediator-name must not be empty'],
    [['init', '--mediator-name', '   '], '--mediator-name must not be empty'],
    [['init', '--mediator-name', 'x'.repeat(201)], '--mediator-name must be at most 200 characters'],
    [['init', '--db', ''], '--db must not be empty'],
    [['demo', '--db', ' '], '--db must not be empty'],
    [['demo', '--keys-dir', ''], '--keys-dir must not be empty'],
    [['demo', '--keys-dir', ' \t'], '--keys-dir must not be empty'],
    // Listening on '' would mean every interface, not the loopback the default keeps to.
    [['serve', '--host', ''], '--host must not be empty'],
  ])('refuses an empty or blank free-text option of init, demo and serve: %j', (args, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-blank-'));
    const r = run([...args, ...(args.includes('--db') ? [] : ['--db', join(dir, 'p.db')])], { DATABASE_URL: '' }, dir);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`passage: ${message}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes an empty environment variable as unset, but not an empty value on the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-env-'));
    const fromEnv = run(['log', 'key'], { DATABASE_URL: '' }, dir);
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.err).toContain('no database at ./data/passage.db');
    const typed = run(['log', 'key', '--db', ''], { DATABASE_URL: '' }, dir);
    expect(typed.code).toBe(2);
    expect(typed.err).toContain('--db must not be empty');
  });

  it('init creates the database, prints the admin token once, and is idempotent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-cli-'));
    const db = join(dir, 'p.db');
    const first = run(['init', '--db', db]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Admin token \(shown once, keep it secret\): psg_\S{32}/);
    expect(first.out).toMatch(/Log verifier key .*: passage\.local\/\S+\+[0-9a-f]{8}\+\S+/);
    expect(existsSync(db)).toBe(true);
    const second = run(['init', '--db', db]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Already initialised/);
    expect(second.out).not.toMatch(/psg_/);
  });

  it('keys generate writes a private JWK only its owner can read, and refuses to overwrite it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-keys-'));
    const r = run(['keys', 'generate', '--out', dir, '--name', 'ua']);
    expect(r.code).toBe(0);
    const priv = JSON.parse(readFileSync(join(dir, 'ua.private.jwk'), 'utf8'));
    const pub = JSON.parse(readFileSync(join(dir, 'ua.public.jwk'), 'utf8'));
    expect(priv).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(typeof priv.d).toBe('string');
    expect(pub.d).toBeUndefined();
    expect(pub.kid).toBe(priv.kid);
    expect(statSync(join(dir, 'ua.private.jwk')).mode & 0o077).toBe(0);
    const again = run(['keys', 'generate', '--out', dir, '--name', 'ua']);
    expect(again.code).toBe(5);
    expect(again.err).toMatch(/refusing to overwrite/);
  });
});

for (const { engine, available, why } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the five-minute tour through the built CLI and a real server`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-tour-'));
    const db = engine === 'sqlite' ? join(dir, 'passage.db') : `${process.env.PASSAGE_TEST_DATABASE_URL}?schema=cli_${process.pid}_${Date.now().toString(36)}`;
    let server: Awaited<ReturnType<typeof serve>>;
    let demo: any;

    beforeAll(async () => {
      const d = run(['demo', '--db', db, '--json'], {}, dir);
      expect(d.code, d.err).toBe(0);
      demo = JSON.parse(d.out);
      server = await serve(db, dir);
    }, 60_000);
    afterAll(() => {
      server?.proc.kill('SIGTERM');
    });

    const token = (key: string): string => demo.members.find((m: any) => m.key === key).token;
    // The demo's 5 March shelling report awaits the mediator; confirming it suspends the Mariupol corridor (issue 6).
    const incidentId = (): string => demo.extra.incidents['mariupol-shelling'];
    const confirmDemoIncident = (): void => {
      const listed = run(['incidents', 'list', '--state', 'confirmed', '--json', '--url', server.url, '--token', token('observer')]);
      if (JSON.parse(listed.out).some((i: any) => i.id === incidentId())) return;
      const r = run(['incidents', 'confirm', incidentId(), '--reason', 'Confirmed by the parties’ liaison officers', '--url', server.url, '--token', token('mediator-liaison')]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`Suspended "Mariupol → Zaporizhzhia" .* since 2022-03-05T09:30:00.000Z: Shelling \\(confirmed incident ${incidentId()}\\)`));
    };

    it('demo --json lists tokens, parties, tracker devices and key files, and refuses to load twice', () => {
      expect(demo.notice).toMatch(/illustrative/);
      expect(demo.members.map((m: any) => m.key)).toEqual(expect.arrayContaining(['ua-liaison', 'ru-liaison', 'mediator-liaison', 'convoy-operator']));
      expect(Object.keys(demo.corridors)).toEqual(['sumy-poltava', 'mariupol-zaporizhzhia', 'kharkiv-belgorod', 'irpin-kyiv']);
      expect(demo.trackerDevices.length).toBeGreaterThan(0);
      expect(existsSync(demo.keyFiles.ua.private)).toBe(true);
      const again = run(['demo', '--db', db], {}, dir);
      expect(again.code).toBe(5);
      expect(again.err).toMatch(/already loaded/);
    });

    it('the demo keeps its real 2022 dates: Sumy → Poltava was open at 10:00 Kyiv time on 8 March 2022', () => {
      const r = run(['status', demo.corridors['sumy-poltava'], '--at', '2022-03-08T10:00:00+02:00', '--url', server.url, '--token', token('observer')]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^OPEN at 2022-03-08T08:00:00Z until 2022-03-08T21:00:00\+02:00/);
      confirmDemoIncident();
      const m = run(['status', demo.corridors['mariupol-zaporizhzhia'], '--at', '2022-03-05T12:00:00+02:00', '--url', server.url, '--token', token('observer')]);
      expect(m.out).toMatch(new RegExp(`NOT OPEN .*suspended since 2022-03-05T09:30:00Z: Shelling \\(confirmed incident ${incidentId()}\\)`));
    });

    it('passage check says, in words, which corridor’s ceasefire held at a point, or since when it was suspended', () => {
      confirmDemoIncident();
      const held = run(['check', '37.54', '47.10', '--at', '2022-03-05T09:30:00+02:00', '--url', server.url, '--token', token('observer')]);
      expect(held.code, held.err).toBe(0);
      expect(held.out).toMatch(/^At 47\.1000°N 37\.5400°E, 2022-03-05T07:30:00Z:\n {2}CEASEFIRE HOLDS: corridor "Mariupol → Zaporizhzhia"/);
      const later = run(['check', '37.54', '47.10', '--at', '2022-03-05T12:00:00+02:00', '--url', server.url, '--token', token('observer')]);
      expect(later.out).toMatch(new RegExp(`No ceasefire from corridor "Mariupol → Zaporizhzhia" .*SUSPENDED since 2022-03-05T09:30:00Z: Shelling \\(confirmed incident ${incidentId()}\\)`));
      const nowhere = run(['check', '24.0', '49.8', '--at', '2022-03-05T12:00:00+02:00', '--url', server.url, '--token', token('observer')]);
      expect(nowhere.out).toMatch(/No corridor’s ceasefire zone covers this point/);
      const bad = run(['check', '200', '47', '--url', server.url, '--token', token('observer')]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/longitude must be a number between -180 and 180/);
      // Decimals only: Number() would take 0x1e for 30, and ' 30' or '' for numbers too.
      for (const args of [['0x1e', '47'], ['37.54', ' 47'], ['37.54', '']]) {
        const r = run(['check', ...args, '--url', server.url, '--token', token('observer')]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err).toMatch(/must be a number between/);
      }
      const hex = run(['incidents', 'report', '--lon', '0x1e', '--lat', '47', '--kind', 'shelling', '--at', '2022-03-05T09:30:00+02:00', '--description', 'x', '--url', server.url, '--token', token('ua-liaison')]);
      expect(hex.code).toBe(2);
      expect(hex.err).toMatch(/--lon must be a number between -180 and 180, got "0x1e"/);
    });

    it('proposes over HTTP, is signed by both parties with `passage sign`, and is open at a window time', async () => {
      const res = await fetch(`${server.url}/api/v1/corridors`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token('ua-liaison')}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Tour corridor',
          route: { type: 'LineString', coordinates: [[30.251, 50.522], [30.523, 50.45]] },
          widthM: 1000,
          origin: { name: 'Irpin', coordinates: [30.251, 50.522] },
          destination: { name: 'Kyiv', coordinates: [30.523, 50.45] },
          direction: 'outbound',
          purposes: ['evacuation'],
          eligibility: ['civilians'],
          windows: [{ start: '2022-03-10T09:00:00+02:00', end: '2022-03-10T16:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }],
          requiredGuarantors: ['ua', 'ru'],
        }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const ua = run(['sign', id, '--key', demo.keyFiles.ua.private, '--url', server.url, '--token', token('ua-liaison')]);
      expect(ua.code, ua.err).toBe(0);
      expect(ua.out).toMatch(/Signed version 1 of "Tour corridor".*now proposed/);
      const ru = run(['sign', id, '--key', demo.keyFiles.ru.private], { PASSAGE_URL: server.url, PASSAGE_TOKEN: token('ru-liaison') });
      expect(ru.code, ru.err).toBe(0);
      expect(ru.out).toMatch(/now guaranteed/);
      const st = run(['status', id, '--at', '2022-03-11T12:00:00+02:00', '--json', '--url', server.url, '--token', token('observer')]);
      expect(JSON.parse(st.out)).toMatchObject({ open: true, currentWindow: { startLocal: '2022-03-11T09:00:00+02:00' } });
      // Signing twice is refused with a conflict exit code and one line.
      const twice = run(['sign', id, '--key', demo.keyFiles.ua.private, '--url', server.url, '--token', token('ua-liaison')]);
      expect(twice.code).toBe(5);
      expect(twice.err.trim().split('\n')).toHaveLength(1);
      // Signing with another party's key is refused.
      const list = run(['corridors', 'list', '--url', server.url, '--token', token('observer')]);
      expect(list.out).toContain(id);
    });

    it('takes a key id that starts with "-" (one in 64 do) as the key, not as an unknown option', async () => {
      // A key whose RFC 7638 thumbprint starts with "-" (found once by trying keys; searching for one
      // here, thousands of generateKeyPairSync + JWK exports, can deadlock Node 20 in a GC pass).
      const pub = { crv: 'Ed25519', x: 'OmhtxreWW6zO5GZOWdWmJ5EvzA4STU7j7qjzwckBw-8', kty: 'OKP' };
      const kid = createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${pub.x}"}`).digest('base64url');
      expect(kid.startsWith('-')).toBe(true);
      const file = join(mkdtempSync(join(tmpdir(), 'passage-dashkid-')), 'dash.public.jwk');
      writeFileSync(file, JSON.stringify(pub));
      const reg = run(['keys', 'register', '--party', 'ru', '--key', file, '--url', server.url, '--token', token('ru-admin')]);
      expect(reg.code, reg.err).toBe(0);
      expect(reg.out).toContain(`Registered key ${kid} for party ru`);
      const revoked = run(['keys', 'revoke', kid, '--party', 'ru', '--reason', 'superseded', '--url', server.url, '--token', token('ru-admin')]);
      expect(revoked.code, revoked.err).toBe(0);
      expect(revoked.out.startsWith(`Retired key ${kid} of party ru (superseded) at `), revoked.out).toBe(true);
    });

    it('registers a new public key with `keys register` and refuses a private one', () => {
      const kdir = mkdtempSync(join(tmpdir(), 'passage-keys-'));
      expect(run(['keys', 'generate', '--out', kdir, '--name', 'ru2']).code).toBe(0);
      const priv = run(['keys', 'register', '--party', 'ru', '--key', join(kdir, 'ru2.private.jwk'), '--url', server.url, '--token', token('ru-admin')]);
      expect(priv.code).toBe(2);
      expect(priv.err).toMatch(/PRIVATE key/);
      const ok = run(['keys', 'register', '--party', 'ru', '--key', join(kdir, 'ru2.public.jwk'), '--url', server.url, '--token', token('ru-admin')]);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toMatch(/Registered key \S+ for party ru/);
      const denied = run(['keys', 'register', '--party', 'ua', '--key', join(kdir, 'ru2.public.jwk'), '--url', server.url, '--token', token('ru-admin')]);
      expect(denied.code).toBe(3);
    });

    it('keys revoke must say why (--reason superseded or compromised), and says what each did', () => {
      const help = run(['keys', 'revoke', '--help']).out.replace(/\s+/g, ' ');
      expect(help).toMatch(/--reason <reason> why: superseded = routine rotation .* every guarantee it made still binds, no corridor changes; compromised = lost or stolen: its guarantees made at or after --since \(default: all of them\) are void, .*\(required\) \(choices: "superseded", "compromised"\)/);
      const kdir = mkdtempSync(join(tmpdir(), 'passage-revoke-'));
      const register = (name: string): string => {
        expect(run(['keys', 'generate', '--out', kdir, '--name', name]).code).toBe(0);
        const r = run(['keys', 'register', '--party', 'ru', '--key', join(kdir, `${name}.public.jwk`), '--url', server.url, '--token', token('ru-admin')]);
        expect(r.code, r.err).toBe(0);
        return /Registered key (\S+)/.exec(r.out)?.[1] ?? '';
      };
      const retiring = register('ru-retire');
      const as = (kid: string, ...args: string[]) => run(['keys', 'revoke', kid, '--party', 'ru', ...args, '--url', server.url, '--token', token('ru-admin')]);
      const none = as(retiring);
      expect(none.code).toBe(2);
      expect(none.err).toMatch(/required option '--reason <reason>' not specified/);
      const unknown = as(retiring, '--reason', 'lost');
      expect(unknown.code).toBe(2);
      expect(unknown.err).toMatch(/Allowed choices are superseded, compromised/);
      const sinceWithSuperseded = as(retiring, '--reason', 'superseded', '--since', '2022-03-08T00:00:00Z');
      expect(sinceWithSuperseded.code).toBe(2);
      expect(sinceWithSuperseded.err).toMatch(/--since goes only with --reason compromised/);
      const retired = as(retiring, '--reason', 'superseded');
      expect(retired.code, retired.err).toBe(0);
      expect(retired.out).toMatch(new RegExp(`^Retired key ${retiring} of party ru \\(superseded\\) at \\S+: it signs nothing more; the guarantees it made still bind\\.\n$`));
      const stolen = register('ru-stolen');
      const future = as(stolen, '--reason', 'compromised', '--since', '2999-01-01T00:00:00Z');
      expect(future.code).toBe(2);
      expect(future.err).toMatch(/is in the future: .*\(invalid_time\)/);
      const compromised = as(stolen, '--reason', 'compromised');
      expect(compromised.code, compromised.err).toBe(0);
      expect(compromised.out).toMatch(new RegExp(`^Revoked key ${stolen} of party ru as compromised since \\S+: guarantees it made from then on no longer bind\\.\nNo corridor in play lost a guarantee now\\.\n$`));
    });

    it('exits non-zero with one line for an unknown corridor, a bad --at, a bad token and an unreachable server', () => {
      const nf = run(['status', 'cor_nope', '--url', server.url, '--token', token('observer')]);
      expect(nf.code).toBe(4);
      expect(nf.err).toMatch(/^passage: no corridor with id cor_nope \(not_found\)\n$/);
      const at = run(['status', 'x', '--at', 'tomorrow', '--url', server.url, '--token', token('observer')]);
      expect(at.code).toBe(2);
      const bad = run(['corridors', 'list', '--url', server.url, '--token', 'psg_bad']);
      expect(bad.code).toBe(3);
      expect(bad.err).toMatch(/^passage: the server does not accept this token: .*; check --token \/ PASSAGE_TOKEN \(unauthenticated\)\n$/);
      const none = run(['corridors', 'list', '--url', server.url], { PASSAGE_TOKEN: '' });
      expect(none.code).toBe(3);
      expect(none.err).toBe('passage: no API token: pass --token or set PASSAGE_TOKEN (unauthenticated)\n');
      const down = run(['corridors', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x']);
      expect(down.code).toBe(1);
      expect(down.err).toMatch(/cannot reach/);
    });
  });
  if (!available) reportSkippedEngine('CLI tour', engine, why);
}

describe('sqlite durability', () => {
  it('keeps an acknowledged write after kill -9', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-kill-'));
    const db = join(dir, 'passage.db');
    const d = run(['demo', '--db', db, '--json'], {}, dir);
    expect(d.code, d.err).toBe(0);
    const demo = JSON.parse(d.out);
    const server = await serve(db, dir);
    const token = demo.members.find((m: any) => m.key === 'mediator-liaison').token;
    const res = await fetch(`${server.url}/api/v1/corridors/${demo.corridors['sumy-poltava']}/suspend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'acknowledged before the crash' }),
    });
    expect(res.status).toBe(200);
    server.proc.kill('SIGKILL');
    await new Promise((r) => server.proc.once('exit', r));
    const { openStore } = await import('../../src/store/store.js');
    const store = await openStore(db);
    try {
      const row = await store.db.selectFrom('corridors').select('state').where('id', '=', demo.corridors['sumy-poltava']).executeTakeFirstOrThrow();
      expect(row.state).toBe('suspended');
      const s = await store.db.selectFrom('suspensions').select('reason').where('corridor_id', '=', demo.corridors['sumy-poltava']).execute();
      expect(s.map((x) => x.reason)).toEqual(['acknowledged before the crash']);
    } finally {
      await store.close();
    }
  });
});
