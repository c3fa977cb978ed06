import { calculateJwkThumbprint, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/app/audit.js';
import { databaseLogSource, nodeRowId, serverVerifierKey, subjectEntries } from '../../src/app/log.js';
import { createSigner, privateKeyFromJwk, publicKeyFromJwk, sha256, verify } from '../../src/crypto/index.js';
import {
  cosignCheckpoint,
  cosignerName,
  createVerifierFromKey,
  decodeBase64,
  formatSignatureLine,
  hashLeaf,
  openCheckpoint,
  verifyConsistency,
  verifyInclusion,
  computeRoot,
} from '../../src/domain/log/index.js';
import { disableLogProtection, reforgeTree } from '../../src/demo/forge-log.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the verifiable log`, () => {
    let w: World;
    let logKey: string;
    let corridorId: string;
    beforeAll(async () => {
      w = await makeWorld(engine);
      logKey = await serverVerifierKey(w.store.db);
      const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
      corridorId = c.id;
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      for (const p of [w.ua, w.ru]) await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
    });
    afterAll(async () => w?.close());

    const get = (url: string) => api(w.app, w.observer.viewer.token).get(url);

    it('serves a tree head signed with the server key, over exactly the stored entries', async () => {
      const res = await get('/log/checkpoint');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const { checkpoint } = openCheckpoint(res.body, { log: createVerifierFromKey(logKey, verify, sha256) });
      const keyRes = await get('/log/key');
      expect(keyRes.body.trim()).toBe(logKey);
      const { entries } = json(await get(`/log/entries?start=0&end=${checkpoint.size}`));
      expect(entries).toHaveLength(checkpoint.size);
      const leaves = entries.map((e: any) => hashLeaf(new Uint8Array(Buffer.from(e.entry, 'base64')), sha256));
      expect(Buffer.from(computeRoot(leaves, sha256)).equals(Buffer.from(checkpoint.rootHash))).toBe(true);
      // Entry bytes are canonical JSON of index, time, actor, action, subject, payload.
      const last = JSON.parse(Buffer.from(entries.at(-1).entry, 'base64').toString('utf8'));
      expect(Object.keys(last)).toEqual(['action', 'actor', 'index', 'payload', 'subject', 'time']);
      expect(last).toMatchObject({ action: 'corridor.guaranteed', subject: `corridor/${corridorId}`, index: checkpoint.size - 1 });
      // The same head is served again (signed once per size).
      expect((await get('/log/checkpoint')).body).toBe(res.body);
    });

    it('gives inclusion and consistency proofs that verify, for every index and size pair', async () => {
      const size = Number((await get('/log/checkpoint')).headers['x-log-size']);
      const { entries } = json(await get(`/log/entries?start=0&end=${size}`));
      const leaves = entries.map((e: any) => hashLeaf(new Uint8Array(Buffer.from(e.entry, 'base64')), sha256));
      for (let n = 1; n <= size; n++) {
        const root = computeRoot(leaves.slice(0, n), sha256);
        for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 5))) {
          const { proof } = json(await get(`/log/proof/inclusion?index=${i}&size=${n}`));
          expect(() => verifyInclusion(leaves[i], i, n, proof.map(decodeBase64), root, sha256)).not.toThrow();
        }
        for (let m = 1; m <= n; m += Math.max(1, Math.floor(n / 4))) {
          const { proof } = json(await get(`/log/proof/consistency?from=${m}&to=${n}`));
          expect(() => verifyConsistency(m, n, proof.map(decodeBase64), computeRoot(leaves.slice(0, m), sha256), root, sha256)).not.toThrow();
        }
      }
    });

    it("serves one corridor's entries with inclusion proofs up to the size asked, and no other entry", async () => {
      const size = Number((await get('/log/checkpoint')).headers['x-log-size']);
      const { entries } = json(await get(`/log/entries?start=0&end=${size}`));
      const leaves = entries.map((e: any) => hashLeaf(new Uint8Array(Buffer.from(e.entry, 'base64')), sha256));
      const subject = `corridor/${corridorId}`;
      const want = entries.filter((e: any) => JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8')).subject === subject).map((e: any) => e.index);
      expect(want.map((i: number) => JSON.parse(Buffer.from(entries[i].entry, 'base64').toString('utf8')).action)).toEqual(['corridor.proposed', 'guarantee.given', 'guarantee.given', 'corridor.guaranteed']);
      for (const n of [size, want[1] + 1, want[0]]) {
        const res = await get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${n}`);
        expect(res.statusCode, res.body).toBe(200);
        const page = json(res);
        expect(page).toMatchObject({ subject, size: n, next: null });
        expect(page.entries.map((e: any) => e.index)).toEqual(want.filter((i: number) => i < n));
        const root = computeRoot(leaves.slice(0, n), sha256);
        for (const e of page.entries) {
          expect(e.entry).toBe(entries[e.index].entry);
          expect(() => verifyInclusion(leaves[e.index], e.index, n, e.proof.map(decodeBase64), root, sha256)).not.toThrow();
          // One bit flipped in the proof, and it no longer verifies.
          const flipped = [...e.proof.map(decodeBase64)];
          if (flipped[0]) flipped[0][0] ^= 1;
          if (flipped.length > 0) expect(() => verifyInclusion(leaves[e.index], e.index, n, flipped, root, sha256)).toThrow();
        }
      }
      // From `start` on, in pages that say where the next begins.
      expect(json(await get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${size}&start=${want[1]}`)).entries.map((e: any) => e.index)).toEqual(want.slice(1));
      const pages: number[] = [];
      for (let start: number | null = 0; start !== null; ) {
        const page = await subjectEntries(w.store.db, subject, size, start, 3);
        pages.push(page.entries.length);
        start = page.next;
      }
      expect(pages).toEqual([3, 1]);
      // Nothing about a subject the log never named; bad sizes and subjects are refused.
      expect(json(await get(`/log/entries/by-subject?subject=corridor%2Fcor_none&size=${size}`))).toEqual({ subject: 'corridor/cor_none', size, entries: [], next: null });
      const tooFar = await get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${size + 1}`);
      expect(tooFar.statusCode).toBe(400);
      expect(json(tooFar).detail).toBe(`size must be a whole number from 0 to ${size} (the log has ${size} entries)`);
      expect((await get(`/log/entries/by-subject?size=${size}`)).statusCode).toBe(400);
      expect((await get(`/log/entries/by-subject?subject=&size=${size}`)).statusCode).toBe(400);
      expect((await get(`/log/entries/by-subject?subject=x&size=-1`)).statusCode).toBe(400);
      expect((await api(w.app, undefined).get(`/log/entries/by-subject?subject=x&size=${size}`)).statusCode).toBe(401);
    });

    it('refuses bad ranges with 400', async () => {
      expect((await get('/log/entries?start=0&end=5000')).statusCode).toBe(400);
      expect((await get('/log/entries?start=5&end=2')).statusCode).toBe(400);
      expect((await get('/log/proof/inclusion?index=5&size=5')).statusCode).toBe(400);
      expect((await get('/log/proof/inclusion?index=0&size=999999')).statusCode).toBe(400);
      const backwards = await get('/log/proof/consistency?from=3&to=2');
      expect(backwards.statusCode).toBe(400);
      // The bound is `to`, and the message says so rather than calling it the log's size.
      expect(json(backwards).detail).toBe('from must be a whole number from 0 to 2 (it may not exceed to)');
      const tooFar = await get('/log/proof/inclusion?index=0&size=999999');
      expect(json(tooFar).detail).toMatch(/^size must be a whole number from 0 to \d+ \(the log has \d+ entries\)$/);
      expect((await get('/log/proof/consistency?from=-1&to=2')).statusCode).toBe(400);
      expect((await get('/log/entries?start=abc&end=2')).statusCode).toBe(400);
    });

    it('a key of small order signs nothing: refused at registration, and one already stored verifies no guarantee and no cosignature', async () => {
      // With A = the identity point, R = identity and S = 0 pass node:crypto's check over any message.
      const identity = new Uint8Array(32);
      identity[0] = 1;
      const forged = new Uint8Array(64);
      forged[0] = 1;
      const x = (b: Uint8Array) => Buffer.from(b).toString('base64url');
      const order8 = new Uint8Array(Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'));
      for (const pub of [identity, new Uint8Array(32), order8]) {
        const res = await api(w.app, w.ua.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: x(pub) } });
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res)).toMatchObject({ code: 'key_invalid', errors: [{ path: '/jwk/x' }] });
        expect(json(res).detail).toMatch(/small order/);
      }
      // A key stored before such keys were refused (written straight into the table).
      const jwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: x(identity) };
      const kid = await calculateJwkThumbprint(jwk, 'sha256');
      await w.store.db.insertInto('party_keys').values({ kid, party_id: 'ua', jwk: JSON.stringify(jwk), created_at: new Date().toISOString(), created_by: 'test', revoked_at: null, revocation_reason: null, compromised_since: null, compromised_at: null }).execute();
      const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
      const terms = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      const jws = `${x(Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })))}.${x(terms)}.${x(forged)}`;
      const guarantee = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws });
      expect(guarantee.statusCode, guarantee.body).toBe(422);
      expect(json(guarantee).code).toBe('signature_invalid');
      const { checkpoint, body } = openCheckpoint((await get('/log/checkpoint')).body, { log: createVerifierFromKey(logKey, verify, sha256) });
      const line = formatSignatureLine(cosignCheckpoint(body, { name: cosignerName(checkpoint.origin, 'ua'), publicKey: identity, sign: () => forged }, 1_700_000_000, sha256));
      const cosig = await api(w.app, w.ua.liaison.token).post('/log/cosignatures', { size: checkpoint.size, signature: line });
      expect(cosig.statusCode, cosig.body).toBe(422);
      await w.store.db.deleteFrom('party_keys').where('kid', '=', kid).execute().catch(() => undefined);
    });

    it('stores a party’s cosignature after verifying it, serves it with the head, and the audit checks it', async () => {
      const text = (await get('/log/checkpoint')).body;
      const { checkpoint, body } = openCheckpoint(text, { log: createVerifierFromKey(logKey, verify, sha256) });
      const jwk = await exportJWK(w.ua.privateKey);
      const cosign = (name: string, t = 1_700_000_000) =>
        formatSignatureLine(cosignCheckpoint(body, { name, publicKey: publicKeyFromJwk(jwk), sign: createSigner(privateKeyFromJwk(jwk)) }, t, sha256));
      const wrongName = await api(w.app, w.ua.liaison.token).post('/log/cosignatures', { size: checkpoint.size, signature: cosign(cosignerName(checkpoint.origin, 'ru')) });
      expect(wrongName.statusCode).toBe(403);
      const good = cosign(cosignerName(checkpoint.origin, 'ua'));
      const flipped = good.slice(0, -3) + (good.at(-3) === 'A' ? 'B' : 'A') + good.slice(-2);
      const bad = await api(w.app, w.ua.liaison.token).post('/log/cosignatures', { size: checkpoint.size, signature: flipped });
      expect(bad.statusCode).toBe(422);
      const ok = await api(w.app, w.ua.liaison.token).post('/log/cosignatures', { size: checkpoint.size, signature: good });
      expect(ok.statusCode, ok.body).toBe(201);
      const served = (await get('/log/checkpoint')).body;
      expect(served).toContain(good);
      const report = await auditLog(databaseLogSource(w.deps), { logKey });
      expect(report.cosignedBy).toEqual(['ua']);
      expect(report.guarantees).toBe(2);
    });

    it('counts a cosignature line repeated in a checkpoint once', async () => {
      const served = (await get('/log/checkpoint')).body;
      const { checkpoint } = openCheckpoint(served, { log: createVerifierFromKey(logKey, verify, sha256) });
      const line = served.split('\n').find((l) => l.startsWith(`— ${cosignerName(checkpoint.origin, 'ua')} `));
      expect(line, served).toBeDefined();
      const repeated = `${served}${line}\n${line}\n`;
      const report = await auditLog({ ...databaseLogSource(w.deps), stored: undefined, checkpoint: async () => repeated }, { logKey });
      expect(report.cosignedBy).toEqual(['ua']);
    });

    it('never signs a second root for a size it already signed', async () => {
      const before = (await get('/log/checkpoint')).body;
      const size = Number((await get('/log/checkpoint')).headers['x-log-size']);
      await disableLogProtection(w.store);
      const row = await w.store.db.selectFrom('log_entries').select('entry').where('idx', '=', 0).executeTakeFirstOrThrow();
      const changed = row.entry.replace('"actor":"system"', '"actor":"syst3m"');
      const leaf = Buffer.from(hashLeaf(new TextEncoder().encode(changed), sha256)).toString('hex');
      // Rewrite the entry, its leaf, every node and the frontier consistently: a "clean" forgery.
      await w.store.db.updateTable('log_entries').set({ entry: changed }).where('idx', '=', 0).execute();
      await reforgeTree(w.store);
      expect((await w.store.db.selectFrom('log_nodes').select('hash').where('id', '=', 0).executeTakeFirstOrThrow()).hash).toBe(leaf);
      const res = await get('/log/checkpoint');
      expect(res.statusCode).toBe(503);
      expect(json(res)).toMatchObject({ code: 'log_damaged', type: 'urn:passage:problem:log_damaged', title: 'The log store is damaged', status: 503 });
      expect(json(res).detail).toMatch(new RegExp(`^the log store is damaged: size ${size} was signed with root \\S+, but the stored tree now gives \\S+: refusing to serve the log$`));
      expect(before).toContain(`\n${size}\n`);
    });
  });
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: a damaged log store is a 503 log_damaged problem naming what, never a 404 or a bare 500`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
      await guaranteedCorridor(w);
    });
    afterAll(async () => w?.close());
    const get = (url: string) => api(w.app, w.observer.viewer.token).get(url);
    const expectDamaged = (res: { statusCode: number; body: string; headers: Record<string, unknown> }, detail: RegExp): void => {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBeUndefined();
      expect(json(res as never)).toMatchObject({ type: 'urn:passage:problem:log_damaged', code: 'log_damaged', title: 'The log store is damaged', status: 503 });
      expect(json(res as never).detail).toMatch(detail);
    };

    it('a garbled or missing log_state', async () => {
      const state = await w.store.db.selectFrom('log_state').selectAll().executeTakeFirstOrThrow();
      try {
        await w.store.db.updateTable('log_state').set({ frontier: 'garbage' }).execute();
        expectDamaged(await get('/log/checkpoint'), /^the log store is damaged: log_state’s frontier is not one \(not JSON\)$/);
        await w.store.db.updateTable('log_state').set({ frontier: JSON.stringify({ size: 3, hashes: [] }) }).execute();
        expectDamaged(await get('/log/checkpoint'), /log_state’s frontier is not one \(frontier of size 3 needs 2 hashes, has 0\)/);
        await w.store.db.deleteFrom('log_state').execute();
        expectDamaged(await get('/log/checkpoint'), /^the log store is damaged: log_state, the log’s size and frontier, is missing$/);
        expectDamaged(await get('/log/proof/consistency?from=1&to=2'), /log_state, the log’s size and frontier, is missing/);
      } finally {
        await w.store.db.deleteFrom('log_state').execute();
        await w.store.db.insertInto('log_state').values(state).execute();
      }
      expect((await get('/log/checkpoint')).statusCode).toBe(200);
    });

    it('a tree node missing or garbled: the proofs that need it', async () => {
      const size = Number((await get('/log/checkpoint')).headers['x-log-size']);
      await disableLogProtection(w.store);
      const id = nodeRowId(1, 0);
      const kept = (await w.store.db.selectFrom('log_nodes').select('hash').where('id', '=', id).executeTakeFirstOrThrow()).hash;
      try {
        await w.store.db.deleteFrom('log_nodes').where('id', '=', id).execute();
        expectDamaged(await get(`/log/proof/inclusion?index=3&size=${size}`), /^the log store is damaged: tree node 1\/0 \(level 1, index 0\) is missing from log_nodes$/);
        expectDamaged(await get(`/log/proof/consistency?from=3&to=${size}`), /tree node 1\/0 \(level 1, index 0\) is missing from log_nodes/);
        await w.store.db.insertInto('log_nodes').values({ id, hash: 'not a hash' }).execute();
        expectDamaged(await get(`/log/proof/inclusion?index=3&size=${size}`), /tree node 1\/0 \(level 1, index 0\) in log_nodes is not a SHA-256 hash/);
      } finally {
        await w.store.db.deleteFrom('log_nodes').where('id', '=', id).execute();
        await w.store.db.insertInto('log_nodes').values({ id, hash: kept }).execute();
      }
      expect((await get(`/log/proof/inclusion?index=3&size=${size}`)).statusCode).toBe(200);
    });

    it('refuses to sign a tree that does not extend the last head it signed, and signs one that does', async () => {
      const signed = Number((await get('/log/checkpoint')).headers['x-log-size']);
      const heads = async (): Promise<number[]> => (await w.store.db.selectFrom('log_heads').select('size').orderBy('size').execute()).map((h) => Number(h.size));
      // History under the signed head rewritten, the tree recomputed to match, then one more entry.
      await disableLogProtection(w.store);
      const row = await w.store.db.selectFrom('log_entries').select('entry').where('idx', '=', 1).executeTakeFirstOrThrow();
      await w.store.db.updateTable('log_entries').set({ entry: row.entry.replace('"actor":"system"', '"actor":"syst3m"') }).where('idx', '=', 1).execute();
      await reforgeTree(w.store);
      await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava());
      const before = await heads();
      const res = await get('/log/checkpoint');
      expectDamaged(res, new RegExp(`^the log store is damaged: refusing to sign size ${signed + 1} \\(root \\S+\\): the stored tree does not extend that head \\(.+\\); the server signed size ${signed} with root \\S+$`));
      expect(await heads()).toEqual(before);
      // Put back, the log extends the head again and is signed.
      await w.store.db.updateTable('log_entries').set({ entry: row.entry }).where('idx', '=', 1).execute();
      await reforgeTree(w.store);
      expect((await get('/log/checkpoint')).statusCode).toBe(200);
      expect(await heads()).toEqual([...before, signed + 1]);
    });

    it('the OpenAPI description lists it for the log endpoints', async () => {
      const doc = json(await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' }));
      for (const path of ['/api/v1/log/checkpoint', '/api/v1/log/proof/inclusion', '/api/v1/log/proof/consistency', '/api/v1/log/openings/{index}']) {
        expect(doc.paths[path].get.responses['503'].description, path).toMatch(/^log_damaged: the server found its log store damaged/);
      }
    });
  });
}
