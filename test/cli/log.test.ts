import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, sha256 } from '../../src/crypto/index.js';
import { formatVerifierKey } from '../../src/domain/log/index.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/store.js';
import { ENGINES } from '../helpers.js';
import { run, startDemoServer, type DemoServer } from './spawn.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage verify and log watch against a real server`, () => {
    let ds: DemoServer;
    const token = (key: string): string => ds.token(key);
    const saved = (): string => join(ds.dir, 'saved-checkpoint.txt');
    const witnessState = (): string => join(ds.dir, 'ua-witness.txt');
    const remote = () => ['--url', ds.server.url, '--token', token('observer')];

    beforeAll(async () => {
      ds = await startDemoServer(engine, 'logcli');
    }, 60_000);
    afterAll(async () => ds?.stop());

    it('verifies the whole log with the pinned key and saves the checkpoint', () => {
      const r = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--save', saved()]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^OK: \d+ entries of log passage\.local\/\S+ hash to the signed root/);
      expect(r.out).toMatch(/6 guarantees verified/);
      expect(readFileSync(saved(), 'utf8')).toMatch(/^passage\.local\/\S+\n\d+\n\S+\n\n— /);
    });

    it('refuses a wrong pinned key', () => {
      const name = String(ds.demo.logKey).split('+')[0] ?? '';
      const impostor = formatVerifierKey(name, generateKeyPair().publicKey, sha256);
      const other = run(['verify', ...remote(), '--log-key', impostor]);
      expect(other.code).toBe(6);
      expect(other.err).toMatch(/VERIFICATION FAILED: the server's tree head does not verify with the pinned log key/);
      // A malformed pinned key is bad input, not a failed verification.
      const malformed = run(['verify', ...remote(), '--log-key', 'not-a-key']);
      expect(malformed.code).toBe(2);
      expect(malformed.err).toMatch(/the --log-key value is not a verifier key/);
    });

    it('corridors history: the corridor’s entries, each proven in the head the pinned key verifies; a wrong key, an unknown corridor, a bad key refused', async () => {
      const id = ds.demo.corridors['sumy-poltava'] as string;
      const r = run(['corridors', 'history', id, ...remote(), '--log-key', ds.demo.logKey]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Corridor "Sumy → Poltava" \\(${id}\\) in log passage\\.local/\\S+: \\d+ entries, each proven in the tree head of \\d+ entries the server signed \\(signature checked with the pinned key\\)\\.\n`));
      expect(r.out).toMatch(/\n {2}#\d+ {2}\S+Z {2}corridor\.proposed {2}\S+\n/);
      expect(r.out.trimEnd().split('\n').at(-1)).toBe('This proves each entry shown is in the log; that none is missing only `passage verify`, which reads the whole log, shows.');
      // Exactly the corridor's entries in the log, in order.
      const j = run(['corridors', 'history', id, ...remote(), '--log-key', ds.demo.logKey, '--json']);
      expect(j.code, j.err).toBe(0);
      const report = JSON.parse(j.out);
      const all = (await (await fetch(`${ds.server.url}/api/v1/log/entries?start=0&end=${report.size}`, { headers: { authorization: `Bearer ${token('observer')}` } })).json()) as { entries: { index: number; entry: string }[] };
      const mine = all.entries.map((e) => ({ index: e.index, ...JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8')) })).filter((e) => e.subject === `corridor/${id}`);
      expect(mine.length).toBeGreaterThan(2);
      expect(report.entries).toEqual(mine.map((e) => ({ index: e.index, time: e.time, actor: e.actor, action: e.action, subject: e.subject })));
      expect(report).toMatchObject({ ok: true, corridorId: id, title: 'Sumy → Poltava', extendsSaved: false });
      // Another key for the same log name: the head does not verify (exit 6); a malformed key is bad input (2); no such corridor, 4.
      const name = String(ds.demo.logKey).split('+')[0] ?? '';
      const impostor = run(['corridors', 'history', id, ...remote(), '--log-key', formatVerifierKey(name, generateKeyPair().publicKey, sha256)]);
      expect(impostor.code).toBe(6);
      expect(impostor.err).toMatch(/^passage: VERIFICATION FAILED: the server's signed tree head does not verify with the pinned log key/);
      expect(run(['corridors', 'history', id, ...remote(), '--log-key', 'not-a-key']).code).toBe(2);
      const none = run(['corridors', 'history', 'cor_nosuchcorridor', ...remote(), '--log-key', ds.demo.logKey]);
      expect(none.code, none.err).toBe(4);
      expect(run(['corridors', 'history', id, ...remote()]).code).toBe(2); // --log-key is required
    });

    it('acts as a witness: cosigns a consistent head, and verify then counts the cosignature', async () => {
      const w = run(['log', 'watch', '--once', '--url', ds.server.url, '--token', token('ua-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', witnessState()]);
      expect(w.code, w.err).toBe(0);
      expect(w.out).toMatch(/cosigned tree head of size \d+/);
      const res = await fetch(`${ds.server.url}/api/v1/corridors/${ds.demo.corridors['sumy-poltava']}/suspend`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token('mediator-liaison')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'reported shelling' }),
      });
      expect(res.status).toBe(200);
      const again = run(['log', 'watch', '--once', '--url', ds.server.url, '--token', token('ua-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', witnessState()]);
      expect(again.code, again.err).toBe(0);
      const v = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', saved()]);
      expect(v.code, v.err).toBe(0);
      expect(v.out).toMatch(/extends the checkpoint you saved()/);
      expect(v.out).toMatch(/Cosigned by: ua\./);
      const history = run(['corridors', 'history', ds.demo.corridors['sumy-poltava'] as string, ...remote(), '--log-key', ds.demo.logKey, '--since', saved()]);
      expect(history.code, history.err).toBe(0);
      expect(history.out.split('\n')[0]).toMatch(/; it extends the checkpoint you saved\)\.$/);
    });

    it('catches the mediator’s server being tampered with: verify --since fails, the witness raises the alarm', async () => {
      await ds.stop();
      // The README's dishonest operator, as a reader runs it.
      const forged = spawnSync(process.execPath, ['scripts/forge-log.mjs', ds.db], { encoding: 'utf8' });
      expect(forged.status, forged.stderr).toBe(0);
      const index = Number(/^Rewrote log entry (\d+) /.exec(forged.stdout)?.[1]);
      const store = await openStore(ds.db);
      let entry: string;
      try {
        entry = (await store.db.selectFrom('log_entries').select('entry').where('idx', '=', index).executeTakeFirstOrThrow()).entry;
      } finally {
        await store.close();
      }
      expect(entry).toContain('"reason":"Accepted; the route');
      const forgedSubject: string = JSON.parse(entry).subject;
      await ds.restart();
      const plain = run(['verify', ...remote(), '--log-key', ds.demo.logKey]);
      expect(plain.code, 'without a saved() head the forgery is self-consistent').toBe(0);
      const v = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', saved()]);
      expect(v.code).toBe(6);
      expect(v.err).toMatch(/^passage: VERIFICATION FAILED: the first \d+ entries no longer hash to the head you saved()/);
      // The rewritten corridor's history: self-consistent alone, caught against the saved head.
      expect(forgedSubject).toMatch(/^corridor\//);
      const corridor = forgedSubject.slice('corridor/'.length);
      const alone = run(['corridors', 'history', corridor, ...remote(), '--log-key', ds.demo.logKey]);
      expect(alone.code, alone.err).toBe(0);
      expect(alone.out).toContain(`#${index}  `);
      const since = run(['corridors', 'history', corridor, ...remote(), '--log-key', ds.demo.logKey, '--since', saved()]);
      expect(since.code).toBe(6);
      expect(since.err).toMatch(/^passage: VERIFICATION FAILED: the server's tree head of \d+ entries does not extend the checkpoint you saved \(\d+ entries\): the log was rewritten since/);
      const w = run(['log', 'watch', '--once', '--url', ds.server.url, '--token', token('ua-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', witnessState()]);
      expect(w.code).toBe(7);
      expect(w.out + w.err).toMatch(/ALERT/);
      expect(readFileSync(`${witnessState()}.conflict`, 'utf8')).toMatch(/^passage\.local/);
    }, 90_000); // a server stopped, forged and restarted, and seven CLI runs

    it('verifies the database itself, and refuses an empty PostgreSQL schema without creating it', async () => {
      const r = run(['verify', '--db', ds.db, '--log-key', ds.demo.logKey]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^OK: \d+ entries of log passage\.local\/\S+ hash to the signed root/);
      if (engine !== 'postgres') return;
      const schema = `nothing_here_${process.pid}_${Date.now().toString(36)}`;
      const url = `${process.env.PASSAGE_TEST_DATABASE_URL}?schema=${schema}`;
      const empty = run(['verify', '--db', url, '--log-key', ds.demo.logKey]);
      expect(empty.code).toBe(2);
      expect(empty.err).toMatch(/is not a Passage database/);
      const pg = new (await import('pg')).default.Client({ connectionString: process.env.PASSAGE_TEST_DATABASE_URL });
      await pg.connect();
      try {
        expect((await pg.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount).toBe(0);
      } finally {
        await pg.end();
      }
    });

    it('verifies a database directly and reports a bad saved() checkpoint file as bad input, naming it', () => {
      // Not a checkpoint at all: a wrong file (exit 2), not a log that failed verification (exit 6).
      for (const [name, text] of [['garbage.txt', 'not a checkpoint\n'], ['empty.txt', '']] as const) {
        writeFileSync(join(ds.dir, name), text);
        const r = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', join(ds.dir, name)]);
        expect(r.code, r.err).toBe(2);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err.startsWith(`passage: saved checkpoint ${join(ds.dir, name)} is not a checkpoint \`passage verify --save\` wrote: `), r.err).toBe(true);
        expect(r.out).toBe('');
      }
      // A real checkpoint that the pinned key did not sign still fails verification (exit 6).
      const name = String(ds.demo.logKey).split('+')[0] ?? '';
      const body = readFileSync(saved(), 'utf8').split('\n\n')[0];
      const other = `${body}\n\n— ${name} ${Buffer.alloc(68, 1).toString('base64')}\n`;
      writeFileSync(join(ds.dir, 'other-sig.txt'), other);
      const forged = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', join(ds.dir, 'other-sig.txt')]);
      expect(forged.code, forged.err).toBe(6);
      expect(forged.err).toMatch(/VERIFICATION FAILED: the saved checkpoint does not verify/);
      const missing = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', join(ds.dir, 'nope.txt')]);
      expect(missing.code).toBe(2);
    });
  });
}

describe('passage verify --db and log key read a database as it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passage-verify-db-'));
  const key = formatVerifierKey('passage.local/x', generateKeyPair().publicKey, sha256);

  it('creates nothing at a mistyped path', () => {
    const path = join(dir, 'typo.db');
    for (const args of [['verify', '--db', path, '--log-key', key], ['log', 'key', '--db', path]]) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`no database at ${path}`);
    }
    expect(existsSync(path)).toBe(false);
  });

  it('says what a file is when it is not a Passage database, and leaves it as it was', () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'hello\n');
    expect(run(['verify', '--db', junk, '--log-key', key]).err).toMatch(/cannot open the database at .*junk\.db: file is not a database/);
    expect(readFileSync(junk, 'utf8')).toBe('hello\n');

    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    const r = run(['verify', '--db', other, '--log-key', key]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${other} is not a Passage database`);
    const after = new Database(other, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(['notes']);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('names the migrations an older database lacks instead of applying them', async () => {
    const old = join(dir, 'old.db');
    const store = await openStore(old, { migrate: false });
    const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.engine) });
    expect((await migrator.migrateTo('0009_positions_by_time')).error).toBeUndefined();
    await store.close();
    const r = run(['verify', '--db', old, '--log-key', key]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/older Passage \(not yet applied: 0010_log_entry_once, 0011_log_openings, 0012_alert_event_names, 0013_suspension_incident, 0014_guarantees_once_per_key, 0015_key_revocation_reasons, 0016_protocol_signatures_once_per_key, 0017_handed_over_tokens, 0018_tracker_release, 0019_insert_only\)/);
    const after = new Database(old, { readonly: true });
    expect(after.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all()).not.toContain('0010_log_entry_once');
    after.close();
  });
});

describe('a malformed --log-key is bad input (exit 2), refused before anything is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passage-log-key-'));
  const db = join(dir, 'p.db');
  let key = '';
  beforeAll(() => {
    expect(run(['init', '--db', db]).code).toBe(0);
    key = run(['log', 'key', '--db', db]).out.trim();
  });

  it.each([
    ['a path that does not exist', '/nonexistent', /^passage: the --log-key value is not a verifier key \(name\+keyid\+base64/],
    ['an empty value', '', /^passage: the --log-key value is not a verifier key/],
    ['a key with a wrong key id', formatVerifierKey('passage.local/x', generateKeyPair().publicKey, sha256).replace(/\+[0-9a-f]{8}\+/, '+00000000+'), /^passage: the --log-key value is not a verifier key.*does not match/],
    ['a key one byte short', 'passage.local/x+01020304+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=', /^passage: the --log-key value is not a verifier key.*must be 32 bytes/],
    ['a directory', dir, /^passage: the --log-key value .* is not a verifier key but an existing path; pass the key string itself/],
    ['a witness\'s cosigner key', formatVerifierKey('passage.local/ua', generateKeyPair().publicKey, sha256, 0x04), /^passage: the --log-key value is a witness's cosigner key \(type 0x04\), not the log's/],
  ])('verify --db refuses %s', (_what, value, message) => {
    const r = run(['verify', '--db', db, '--log-key', value]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/VERIFICATION FAILED/);
  });

  it('refuses a --since or --log-key that is not a small regular file (it would be read for ever)', () => {
    const r = run(['verify', '--db', db, '--log-key', key, '--since', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^passage: saved checkpoint \/dev\/zero is not a regular file/);
    const big = join(dir, 'big.txt');
    writeFileSync(big, 'x'.repeat(2 * 1024 * 1024));
    const r2 = run(['verify', '--db', db, '--log-key', key, '--since', big]);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/is 2097152 bytes: larger than such a file can be/);
  });

  it('names a file that does not hold a key, and still takes one that does', () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'not a key\n');
    const r = run(['verify', '--db', db, '--log-key', junk]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^passage: the --log-key file .*junk\.txt does not hold a verifier key .*pass the key string itself/);
    const good = join(dir, 'log.key');
    writeFileSync(good, `${key}\n`);
    expect(run(['verify', '--db', db, '--log-key', good]).code).toBe(0);
    expect(run(['verify', '--db', db, '--log-key', key]).code).toBe(0);
  });

  it('verify --url and log watch refuse it before reaching the server', () => {
    const r = run(['verify', '--url', 'http://127.0.0.1:9', '--log-key', '/nonexistent']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^passage: the --log-key value is not a verifier key/);
    const w = run(['log', 'watch', '--url', 'http://127.0.0.1:9', '--log-key', '/nonexistent', '--party', 'ua', '--party-key', join(dir, 'none.jwk'), '--once']);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/^passage: the --log-key value is not a verifier key/);
  });
});
