/**
 * `passage verify` against a real server and its database, on both stores, when the store is
 * damaged or the inputs are of another log: what an auditor is told, and with which exit code.
 * Each test runs the CLI several times (and undoes its damage before it ends): time enough for a
 * busy machine, so that a slow one does not leave the store damaged for the next test.
 */
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeRowId } from '../../src/app/log.js';
import { generateKeyPair, sha256 } from '../../src/crypto/index.js';
import { disableLogProtection, reforgeTree } from '../../src/demo/forge-log.js';
import { createEd25519NoteSigner, formatCheckpoint, formatVerifierKey, signNote } from '../../src/domain/log/index.js';
import { createSigner } from '../../src/crypto/index.js';
import { openStore, type Store } from '../../src/store/store.js';
import { ENGINES } from '../helpers.js';
import { run, startDemoServer, type DemoServer } from './spawn.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage verify on a damaged store, and with inputs of another log`, () => {
    let ds: DemoServer;
    const remote = (who = 'observer') => ['--url', ds.server.url, '--token', ds.token(who)];
    const key = (): string[] => ['--log-key', ds.demo.logKey];
    /** Runs `fn` on the database the server serves, with the log's protection switched off (as a forger would). */
    const withDb = async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
      const store = await openStore(ds.db);
      try {
        await disableLogProtection(store);
        return await fn(store);
      } finally {
        await store.close();
      }
    };
    /** Has the server sign the log as it is (any member asking for the checkpoint). */
    const signNow = async (): Promise<number> => {
      const res = await fetch(`${ds.server.url}/api/v1/log/checkpoint`, { headers: { authorization: `Bearer ${ds.token('observer')}` } });
      expect(res.status, await res.clone().text()).toBe(200);
      return Number(res.headers.get('x-log-size'));
    };
    let suspended = false;
    /** One more entry in the log: the mediator suspends the corridor, or resumes it. */
    const newEntry = async (): Promise<void> => {
      const action = suspended ? 'resume' : 'suspend';
      suspended = !suspended;
      const res = await fetch(`${ds.server.url}/api/v1/corridors/${ds.demo.corridors['sumy-poltava']}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ds.token('mediator-liaison')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: `a new entry ${Date.now()}` }),
      });
      expect(res.status, await res.text()).toBeLessThan(300);
    };
    const heads = (): Promise<number[]> => withDb(async (s) => (await s.db.selectFrom('log_heads').select('size').orderBy('size').execute()).map((h) => Number(h.size)));

    beforeAll(async () => {
      ds = await startDemoServer(engine, 'verifystore');
    }, 60_000);
    afterAll(async () => ds?.stop());

    it('requires --log-key, unless --trust-served-key is given, which warns', () => {
      for (const args of [[...remote()], ['--db', ds.db]]) {
        const bare = run(['verify', ...args]);
        expect(bare.code, bare.err).toBe(2);
        expect(bare.err).toMatch(/^passage: give --log-key, the log’s verifier key as `passage init` printed it/);
        expect(bare.out).toBe('');
        const trusting = run(['verify', ...args, '--trust-served-key']);
        expect(trusting.code, trusting.err).toBe(0);
        expect(trusting.err).toMatch(/^warning: --trust-served-key: .*which proves nothing against it/);
        expect(trusting.out).toMatch(/^OK: /);
      }
      expect(run(['verify', ...remote(), ...key(), '--trust-served-key']).code).toBe(2);
    }, 180_000);

    it('--json prints one JSON object on stdout whatever happens', () => {
      const name = String(ds.demo.logKey).split('+')[0] ?? '';
      const impostor = formatVerifierKey(name, generateKeyPair().publicKey, sha256);
      const failed = run(['verify', ...remote(), '--log-key', impostor, '--json']);
      expect(failed.code).toBe(6);
      expect(JSON.parse(failed.out)).toEqual({ ok: false, exitCode: 6, problem: { code: 'verification_failed', detail: expect.stringMatching(/^VERIFICATION FAILED: the server's tree head does not verify with the pinned log key/) } });
      expect(failed.err).toMatch(/^passage: VERIFICATION FAILED/);
      const bad = run(['verify', ...remote(), '--json']);
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.out)).toMatchObject({ ok: false, exitCode: 2, problem: { code: 'error', detail: expect.stringMatching(/^give --log-key/) } });
      const unreachable = run(['verify', '--url', 'http://127.0.0.1:9', ...key(), '--json']);
      expect(unreachable.code).toBe(1);
      expect(JSON.parse(unreachable.out)).toMatchObject({ ok: false, exitCode: 1, problem: { code: 'unreachable' } });
      const ok = run(['verify', ...remote(), ...key(), '--json']);
      expect(ok.code, ok.err).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({ ok: true });
    }, 180_000);

    it('names a --since checkpoint or a --log-key of another log as such', () => {
      const other = generateKeyPair();
      const otherKey = formatVerifierKey('passage.local/otherlog', other.publicKey, sha256);
      const body = formatCheckpoint({ origin: 'passage.local/otherlog', size: 3, rootHash: new Uint8Array(32) });
      const file = join(ds.dir, 'other-log-checkpoint.txt');
      writeFileSync(file, signNote(body, [createEd25519NoteSigner('passage.local/otherlog', other.publicKey, createSigner(other.privateKey), sha256)]));
      const name = String(ds.demo.logKey).split('+')[0] ?? '';
      for (const where of [remote(), ['--db', ds.db]]) {
        const since = run(['verify', ...where, ...key(), '--since', file]);
        expect(since.code, since.err).toBe(2);
        expect(since.err).toBe(`passage: saved checkpoint ${file} is a head of log passage.local/otherlog, not of log ${name} (the log of the --log-key): give a checkpoint saved from this log\n`);
        const wrongKey = run(['verify', ...where, '--log-key', otherKey]);
        expect(wrongKey.code, wrongKey.err).toBe(6);
        expect(wrongKey.err).toMatch(new RegExp(`^passage: VERIFICATION FAILED: this (server|database)'s log is ${name}, but the pinned key is for passage\\.local/otherlog`));
      }
    }, 180_000);

    it('verify --db only reads: it audits a store it may not write, and reports the entries after the last signed head', async () => {
      const signed = await signNow();
      await newEntry();
      await newEntry();
      const before = await heads();
      const r = run(['verify', '--db', ds.db, ...key()]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^OK: ${signed} entries of log \\S+ hash to the signed root \\S+\\.\\n {4}\\d+ signed heads stored, each verified with the pinned key and against the entries at its size\\.\\n {4}2 entries after the last signed head \\(size ${signed}\\) are not yet under a signed head`));
      expect(await heads()).toEqual(before);
      if (engine === 'sqlite') {
        // A copy the auditor may only read.
        const copy = join(ds.dir, 'read-only-copy.db');
        const src = new Database(ds.db, { readonly: true });
        src.exec(`VACUUM INTO '${copy}'`);
        src.close();
        chmodSync(copy, 0o444);
        const digest = (): string => createHash('sha256').update(readFileSync(copy)).digest('hex');
        const was = digest();
        const ro = run(['verify', '--db', copy, ...key(), '--nodes']);
        expect(ro.code, ro.err).toBe(0);
        expect(ro.out).toMatch(/2 entries after the last signed head/);
        expect(digest()).toBe(was);
      } else {
        // A role that may only read.
        const role = `passage_ro_${process.pid}`;
        const schema = new URL(ds.db).searchParams.get('schema') as string;
        const admin = await openStore(ds.db);
        try {
          await sql.raw(`DROP ROLE IF EXISTS ${role}`).execute(admin.db);
          await sql.raw(`CREATE ROLE ${role} LOGIN`).execute(admin.db);
          await sql.raw(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`).execute(admin.db);
          await sql.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`).execute(admin.db);
          const url = new URL(ds.db);
          url.username = role;
          const ro = run(['verify', '--db', url.toString(), ...key(), '--nodes']);
          expect(ro.code, ro.err).toBe(0);
          expect(ro.out).toMatch(/2 entries after the last signed head/);
        } finally {
          await sql.raw(`DROP OWNED BY ${role}`).execute(admin.db);
          await sql.raw(`DROP ROLE IF EXISTS ${role}`).execute(admin.db);
          await admin.close();
        }
      }
    }, 180_000);

    it('fails naming the size of a signed head a rewritten history contradicts, and the server refuses to sign it', async () => {
      await signNow();
      const before = await heads();
      const kept = await withDb(async (s) => {
        const row = await s.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'corridor.rejected').orderBy('idx').executeTakeFirstOrThrow();
        await s.db.updateTable('log_entries').set({ entry: row.entry.replace('"reason":"The route', '"reason":"Accepted; the route') }).where('idx', '=', row.idx).execute();
        await reforgeTree(s); // the heads stay
        return row;
      });
      try {
        const firstAfter = before.find((size) => size > Number(kept.idx)) as number;
        const db = run(['verify', '--db', ds.db, ...key()]);
        expect(db.code, db.err).toBe(6);
        expect(db.err).toMatch(new RegExp(`^passage: VERIFICATION FAILED: the first ${firstAfter} entries hash to \\S+, not to the root \\S+ the server signed for size ${firstAfter} \\(a head this database holds\\): history under a signed head was rewritten\\n$`));
        // The server will not serve the head it signed for this size, nor sign a new one.
        const served = run(['verify', ...remote(), ...key()]);
        expect(served.code).toBe(6);
        expect(served.err).toMatch(/^passage: VERIFICATION FAILED: the server reports the log store is damaged: size \d+ was signed with root \S+, but the stored tree now gives \S+: refusing to serve the log\n$/);
        await newEntry();
        const next = run(['verify', ...remote(), ...key()]);
        expect(next.code).toBe(6);
        expect(next.err).toMatch(/^passage: VERIFICATION FAILED: the server reports the log store is damaged: refusing to sign size \d+ \(root \S+\): the stored tree does not extend that head/);
        expect(await heads()).toEqual(before);
      } finally {
        await withDb(async (s) => {
          await s.db.updateTable('log_entries').set({ entry: kept.entry }).where('idx', '=', kept.idx).execute();
          await reforgeTree(s);
        });
      }
      expect(run(['verify', ...remote(), ...key()]).code).toBe(0);
    }, 180_000);

    it('a damaged stored tree: --db passes the entries and --nodes names the node; --url says the tree, not the entry, is damaged', async () => {
      const size = await signNow();
      const leaf = nodeRowId(0, 38);
      const kept = await withDb(async (s) => (await s.db.selectFrom('log_nodes').select('hash').where('id', '=', leaf).executeTakeFirstOrThrow()).hash);
      const setLeaf = (hash: string) => withDb((s) => s.db.updateTable('log_nodes').set({ hash }).where('id', '=', leaf).execute());
      await setLeaf(`${kept.startsWith('00') ? '11' : '00'}${kept.slice(2)}`);
      try {
        expect(run(['verify', '--db', ds.db, ...key()]).code).toBe(0);
        const nodes = run(['verify', '--db', ds.db, ...key(), '--nodes']);
        expect(nodes.code).toBe(6);
        expect(nodes.err).toMatch(/^passage: VERIFICATION FAILED: tree node 0\/38 \(level 0, index 38: the leaf of entry 38\) stored in log_nodes is not the one the entries give: the stored tree the server builds its proofs from is damaged/);
        const url = run(['verify', ...remote(), ...key()]);
        expect(url.code).toBe(6);
        expect(url.err).toMatch(/^passage: VERIFICATION FAILED: entry 38: the leaf hash this server recorded for it does not match its bytes, which do hash into the signed root: the stored tree the server builds its proofs from is damaged \(its proofs for this entry will not verify\), not the entry\n$/);
        expect(url.err).not.toMatch(/altered/);
      } finally {
        await setLeaf(kept);
      }
      // A node missing: the server's proofs say so (503 log_damaged), and so does the audit (exit 6, not 4).
      const saved = join(ds.dir, 'saved.txt');
      expect(run(['verify', ...remote(), ...key(), '--save', saved]).code).toBe(0);
      await newEntry();
      await signNow();
      const node = nodeRowId(6, 0);
      const hash = await withDb(async (s) => (await s.db.selectFrom('log_nodes').select('hash').where('id', '=', node).executeTakeFirstOrThrow()).hash);
      await withDb((s) => s.db.deleteFrom('log_nodes').where('id', '=', node).execute());
      try {
        const db = run(['verify', '--db', ds.db, ...key(), '--since', saved]);
        expect(db.code).toBe(6);
        expect(db.err).toMatch(/^passage: VERIFICATION FAILED: the log store is damaged: tree node 6\/0 \(level 6, index 0\) is missing from log_nodes/);
        const nodes = run(['verify', '--db', ds.db, ...key(), '--nodes']);
        expect(nodes.code).toBe(6);
        expect(nodes.err).toMatch(/tree node 6\/0 \(level 6, index 0: the subtree of entries 0–63\) is missing from log_nodes/);
        const url = run(['verify', ...remote(), ...key(), '--since', saved]);
        expect(url.code).toBe(6);
        expect(url.err).toMatch(/^passage: VERIFICATION FAILED: the server reports the log store is damaged: tree node 6\/0 \(level 6, index 0\) is missing from log_nodes\n$/);
      } finally {
        await withDb((s) => s.db.insertInto('log_nodes').values({ id: node, hash }).execute());
      }
      expect(size).toBeGreaterThan(64);
    }, 180_000);

    it('a garbled log_state: the server answers log_damaged and both audits fail with exit 6', async () => {
      const frontier = await withDb(async (s) => (await s.db.selectFrom('log_state').select('frontier').executeTakeFirstOrThrow()).frontier);
      await withDb((s) => s.db.updateTable('log_state').set({ frontier: 'garbage' }).execute());
      try {
        const url = run(['verify', ...remote(), ...key()]);
        expect(url.code).toBe(6);
        expect(url.err).toBe('passage: VERIFICATION FAILED: the server reports the log store is damaged: log_state’s frontier is not one (not JSON)\n');
        const db = run(['verify', '--db', ds.db, ...key()]);
        expect(db.code).toBe(6);
        expect(db.err).toBe('passage: VERIFICATION FAILED: the log store is damaged: log_state’s frontier is not one (not JSON)\n');
      } finally {
        await withDb((s) => s.db.updateTable('log_state').set({ frontier }).execute());
      }
    }, 180_000);

    it('checks openings: --db every one the store keeps, --url --openings those the token may see', async () => {
      const ua = run(['verify', ...remote('ua-liaison'), ...key(), '--openings']);
      expect(ua.code, ua.err).toBe(0);
      const checked = Number(/ {4}(\d+) openings of restricted entries match their entries' commitments \((\d+) restricted entries are not for this token to open\)\./.exec(ua.out)?.[1]);
      expect(checked).toBeGreaterThan(0);
      const observer = run(['verify', ...remote(), ...key(), '--openings']);
      expect(observer.out).toMatch(/ {4}0 openings of restricted entries match their entries' commitments \(\d+ restricted entries are not for this token to open\)\./);
      expect(run(['verify', ...remote(), ...key()]).out).not.toMatch(/openings/);
      const db = run(['verify', '--db', ds.db, ...key()]);
      expect(db.out).toMatch(/ {4}\d+ openings of restricted entries match their entries' commitments\./);
      // Tampered with: the server refuses to hand it out, and both audits fail on it.
      const row = await withDb(async (s) => s.db.selectFrom('log_openings').selectAll().where('opening', 'like', '%movement.acknowledged%').orderBy('idx').executeTakeFirstOrThrow());
      await withDb((s) => s.db.updateTable('log_openings').set({ opening: row.opening.replace('movement.acknowledged', 'movement.rejected') }).where('idx', '=', row.idx).execute());
      try {
        const url = run(['verify', ...remote('ua-liaison'), ...key(), '--openings']);
        expect(url.code).toBe(6);
        expect(url.err).toMatch(new RegExp(`^passage: VERIFICATION FAILED: the server reports the log store is damaged: entry ${row.idx}: the opening kept for it hashes to commitment [0-9a-f]+, but the entry carries [0-9a-f]+: the opening was altered\\n$`));
        const dbBad = run(['verify', '--db', ds.db, ...key()]);
        expect(dbBad.code).toBe(6);
        expect(dbBad.err).toMatch(new RegExp(`^passage: VERIFICATION FAILED: entry ${row.idx}: the opening kept for it hashes to commitment`));
      } finally {
        await withDb((s) => s.db.updateTable('log_openings').set({ opening: row.opening }).where('idx', '=', row.idx).execute());
      }
      expect(run(['verify', '--openings', '--db', ds.db, ...key()]).code).toBe(2);
      expect(run(['verify', '--nodes', ...remote(), ...key()]).code).toBe(2);
    }, 180_000);
  });
}
