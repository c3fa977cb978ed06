import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, sha256 } from '../../src/crypto/index.js';
import { formatVerifierKey } from '../../src/domain/log/index.js';
import { openStore } from '../../src/store/store.js';
import { ENGINES } from '../helpers.js';
import { disableLogProtection, reforgeTree } from '../tamper.js';
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
      const malformed = run(['verify', ...remote(), '--log-key', 'not-a-key']);
      expect(malformed.code).toBe(6);
      expect(malformed.err).toMatch(/not a verifier key/);
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
    });

    it('catches the mediator’s server being tampered with: verify --since fails, the witness raises the alarm', async () => {
      await ds.stop();
      const store = await openStore(ds.db);
      try {
        await disableLogProtection(store);
        const row = await store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'corridor.rejected').executeTakeFirstOrThrow();
        // Rewrite history: Ukraine never rejected the corridor into Russia.
        await store.db.updateTable('log_entries').set({ entry: row.entry.replace('"reason":"The route', '"reason":"Accepted; the route') }).where('idx', '=', row.idx).execute();
        await reforgeTree(store, { forgetHeads: true });
      } finally {
        await store.close();
      }
      await ds.restart();
      const plain = run(['verify', ...remote(), '--log-key', ds.demo.logKey]);
      expect(plain.code, 'without a saved() head the forgery is self-consistent').toBe(0);
      const v = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', saved()]);
      expect(v.code).toBe(6);
      expect(v.err).toMatch(/^passage: VERIFICATION FAILED: the first \d+ entries no longer hash to the head you saved()/);
      const w = run(['log', 'watch', '--once', '--url', ds.server.url, '--token', token('ua-liaison'), '--log-key', ds.demo.logKey, '--party-key', ds.demo.keyFiles.ua.private, '--party', 'ua', '--state', witnessState()]);
      expect(w.code).toBe(7);
      expect(w.out + w.err).toMatch(/ALERT/);
      expect(readFileSync(`${witnessState()}.conflict`, 'utf8')).toMatch(/^passage\.local/);
    });

    it('verifies a database directly and reports a bad saved() checkpoint file', () => {
      writeFileSync(join(ds.dir, 'garbage.txt'), 'not a checkpoint\n');
      const r = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', join(ds.dir, 'garbage.txt')]);
      expect(r.code).toBe(6);
      expect(r.err).toMatch(/saved() checkpoint does not verify/);
      const missing = run(['verify', ...remote(), '--log-key', ds.demo.logKey, '--since', join(ds.dir, 'nope.txt')]);
      expect(missing.code).toBe(2);
    });
  });
}
