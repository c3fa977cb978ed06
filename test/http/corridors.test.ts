import { compactVerify, FlattenedSign, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World, reportSkippedEngine } from '../helpers.js';

for (const { engine, available, why } of ENGINES) {
  describe.skipIf(!available)(`${engine}: corridors over HTTP`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    async function propose(body = sumyPoltava()) {
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', body);
      expect(res.statusCode, res.body).toBe(201);
      return json(res);
    }
    async function termsBytes(id: string, version?: number): Promise<Buffer> {
      const res = await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms${version ? `?version=${version}` : ''}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      return res.rawPayload;
    }
    async function sign(id: string, party: World['ua'], bytes?: Uint8Array) {
      const jws = await signBytes(bytes ?? (await termsBytes(id)), party);
      return api(w.app, party.liaison.token).post(`/corridors/${id}/guarantees`, { jws });
    }

    it('proposes, is signed by both parties, and is open inside its window', async () => {
      const c = await propose();
      expect(c.state).toBe('proposed');
      expect(c.version).toBe(1);
      const before = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T10:00:00%2B02:00`));
      expect(before.open).toBe(false);
      expect(before.reasons.map((r: any) => r.code)).toContain('not_guaranteed');
      expect(before.reasons.find((r: any) => r.code === 'not_guaranteed').missingGuarantors.map((m: any) => m.id).sort()).toEqual(['ru', 'ua']);

      expect((await sign(c.id, w.ua)).statusCode).toBe(201);
      const half = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T10:00:00%2B02:00`));
      expect(half.reasons.find((r: any) => r.code === 'not_guaranteed').message).toContain('Russian Federation');
      const res = await sign(c.id, w.ru);
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res).state).toBe('guaranteed');

      const open = json(await api(w.app, w.aid.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T10:00:00%2B02:00`));
      expect(open).toMatchObject({ open: true, state: 'guaranteed', reasons: [] });
      expect(open.currentWindow).toEqual({
        start: '2022-03-08T07:00:00Z',
        end: '2022-03-08T19:00:00Z',
        timeZone: 'Europe/Kyiv',
        startLocal: '2022-03-08T09:00:00+02:00',
        endLocal: '2022-03-08T21:00:00+02:00',
      });
      const after = json(await api(w.app, w.aid.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T21:00:00%2B02:00`));
      expect(after.open).toBe(false);
      expect(after.state).toBe('closed');
      expect(after.reasons.map((r: any) => r.code)).toEqual(['expired']);
      const earlier = json(await api(w.app, w.aid.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T06:00:00Z`));
      expect(earlier.reasons.map((r: any) => r.code)).toEqual(['outside_window']);
      expect(earlier.nextWindow.start).toBe('2022-03-08T07:00:00Z');
    });

    it('serves the exact RFC 8785 bytes of the terms, and anyone can verify each guarantee with a stock JOSE library', async () => {
      const c = await propose();
      await sign(c.id, w.ua);
      await sign(c.id, w.ru);
      const bytes = await termsBytes(c.id);
      const text = bytes.toString('utf8');
      // Canonical: sorted keys, no white space.
      expect(text.startsWith('{"agreementId":null,"capacity":{},"checkpoints":[{"coordinates":[33.265,50.36],"id":"cp-1","name":"Lokhvytsia"}],"contacts":[],"corridorId":')).toBe(true);
      expect(text).not.toMatch(/\s"|":\s|,\s/);
      expect(JSON.parse(text)).toMatchObject({ type: 'passage.corridor-terms/v1', corridorId: c.id, version: 1 });
      const guarantees = json(await api(w.app, w.observer.viewer.token).get(`/corridors/${c.id}/guarantees`));
      expect(guarantees).toHaveLength(2);
      const parties = json(await api(w.app, w.observer.viewer.token).get('/parties'));
      for (const g of guarantees) {
        const jwk = parties.find((p: any) => p.id === g.partyId).keys.find((k: any) => k.kid === g.kid).jwk;
        const { payload, protectedHeader } = await compactVerify(g.jws, await importJWK(jwk, 'EdDSA'));
        expect(protectedHeader.alg).toBe('EdDSA');
        expect(Buffer.from(payload).equals(bytes)).toBe(true);
        expect(g).toMatchObject({ version: 1, valid: true });
      }
    });

    it('refuses a guarantee whose signature does not verify', async () => {
      const c = await propose();
      const jws = await signBytes(await termsBytes(c.id), w.ua);
      const [h, p, s] = jws.split('.');
      const flipped = `${h}.${p}.${s?.[0] === 'A' ? 'B' : 'A'}${s?.slice(1)}`;
      const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: flipped });
      expect(res.statusCode).toBe(422);
      expect(json(res).code).toBe('signature_invalid');
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it('refuses a guarantee signed over an older version, and amending voids earlier guarantees', async () => {
      const c = await propose();
      const v1 = await termsBytes(c.id);
      expect((await sign(c.id, w.ua, v1)).statusCode).toBe(201);
      const amended = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ widthM: 3000 }), reason: 'wider' }, { 'if-match': '"1"' });
      expect(amended.statusCode, amended.body).toBe(200);
      expect(json(amended)).toMatchObject({ version: 2, state: 'proposed' });
      expect(amended.headers.etag).toBe('"2"');
      const gs = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/guarantees`));
      expect(gs).toEqual([expect.objectContaining({ partyId: 'ua', version: 1, valid: false })]);
      const stale = await sign(c.id, w.ru, v1);
      expect(stale.statusCode).toBe(409);
      expect(json(stale)).toMatchObject({ code: 'terms_mismatch', currentVersion: 2, signedVersion: 1 });
      expect(json(stale).detail).toContain('version 1');
      // The old version's bytes stay available and unchanged.
      expect((await termsBytes(c.id, 1)).equals(v1)).toBe(true);
      expect((await sign(c.id, w.ua)).statusCode).toBe(201);
      expect(json(await sign(c.id, w.ru)).state).toBe('guaranteed');
    });

    it('refuses a key that is not the signer’s party’s, a party that is not a required guarantor, and a second signature', async () => {
      const c = await propose(sumyPoltava({ requiredGuarantors: ['ua'] }));
      const bytes = await termsBytes(c.id);
      const wrongKey = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, w.ru) });
      expect(json(wrongKey).code).toBe('key_not_of_party');
      expect(wrongKey.statusCode).toBe(403);
      const notRequired = await sign(c.id, w.ru);
      expect(json(notRequired).code).toBe('not_a_required_guarantor');
      expect((await sign(c.id, w.ua)).statusCode).toBe(201);
      const again = await sign(c.id, w.ua);
      expect(again.statusCode).toBe(409);
      expect(json(again).code).toMatch(/already_signed|transition_not_allowed/);
    });

    async function detached(bytes: Uint8Array): Promise<string> {
      const f = await new FlattenedSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: w.ua.kid, b64: false, crit: ['b64'] }).sign(w.ua.privateKey);
      return `${f.protected}.${Buffer.from(bytes).toString('base64url')}.${f.signature}`;
    }

    it('refuses other algorithms, unknown keys, detached payloads and garbage', async () => {
      const c = await propose();
      const bytes = await termsBytes(c.id);
      const cases: [string, string][] = [
        ['not.a.jws!', 'jws_malformed'],
        ['abc', 'jws_malformed'],
        [`${Buffer.from(JSON.stringify({ alg: 'HS256', kid: w.ua.kid })).toString('base64url')}.${bytes.toString('base64url')}.AAAA`, 'alg_not_allowed'],
        [`${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${bytes.toString('base64url')}.`, 'alg_not_allowed'],
        [await signBytes(bytes, { privateKey: w.ua.privateKey, kid: 'no-such-key' }), 'key_unknown'],
        [await detached(bytes), 'jws_malformed'],
      ];
      for (const [jws, code] of cases) {
        const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws });
        expect(res.statusCode, jws).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(json(res).code, jws).toBe(code);
      }
    });

    it('accepts the bare JWS as application/jose', async () => {
      const c = await propose();
      const jws = await signBytes(await termsBytes(c.id), w.ua);
      const res = await api(w.app, w.ua.liaison.token).raw('POST', `/corridors/${c.id}/guarantees`, jws, { 'content-type': 'application/jose' });
      expect(res.statusCode, res.body).toBe(201);
    });

    it('refuses a corridor whose ceasefire zone would reach across the antimeridian', async () => {
      const near = (lon: number, widthM: number) => sumyPoltava({ route: { type: 'LineString', coordinates: [[lon - 0.5, 10], [lon, 10]] }, widthM, origin: { name: 'A', coordinates: [lon - 0.5, 10] }, destination: { name: 'B', coordinates: [lon, 10] } });
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', near(179.99, 50_000));
      expect(res.statusCode, res.body).toBe(400);
      expect(json(res)).toMatchObject({ code: 'coordinate_out_of_range', errors: [{ path: '/route/coordinates/1' }] });
      expect(json(res).detail).toMatch(/antimeridian/);
      expect((await api(w.app, w.ua.liaison.token).post('/corridors', near(179, 50_000))).statusCode).toBe(201);
    });

    it('refuses terms no guarantee could carry: their JWS would pass 200,000 characters', async () => {
      const coordinates = Array.from({ length: 10_000 }, (_, i) => [34 + i * 0.0001, 50 + (i % 2) * 0.0001]);
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ route: { type: 'LineString', coordinates }, origin: { name: 'A', coordinates: coordinates[0] }, destination: { name: 'B', coordinates: coordinates.at(-1) } }));
      expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
      expect(json(res)).toMatchObject({ code: 'validation_failed' });
      expect(json(res).detail).toMatch(/^the terms take [\d,]+ bytes as signed; at most 149,000/);
      // 5,000 positions fit, and are signed.
      const half = coordinates.slice(0, 5_000);
      const ok = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ route: { type: 'LineString', coordinates: half }, origin: { name: 'A', coordinates: half[0] }, destination: { name: 'B', coordinates: half.at(-1) } }));
      expect(ok.statusCode, ok.body.slice(0, 300)).toBe(201);
      expect((await sign(json(ok).id, w.ua, await termsBytes(json(ok).id))).statusCode).toBe(201);
    });

    it('refuses an amendment that changes nothing: it would only void the guarantees and close the corridor', async () => {
      const c = await propose();
      expect((await sign(c.id, w.ua, await termsBytes(c.id))).statusCode).toBe(201);
      const view = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}`));
      const same = { ...view.terms, type: undefined, corridorId: undefined, version: undefined };
      const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: same, reason: 'nothing' });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(json(res)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/terms', message: 'the same as version 1' }] });
      expect(json(res).detail).toContain('changes nothing');
      // Nothing happened: still version 1, the guarantee still binds, no log entry.
      const after = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}`));
      expect(after.version).toBe(1);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/guarantees`))).toEqual([expect.objectContaining({ partyId: 'ua', version: 1, valid: true })]);
      // Checkpoint ids left out are assigned as before (cp-1, …), so the same terms without them are the same terms too.
      const withoutIds = { ...same, checkpoints: same.checkpoints.map((k: { id?: string }) => ({ ...k, id: k.id?.startsWith('cp-') ? undefined : k.id })) };
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: withoutIds })).statusCode).toBe(400);
      // Sets listed in another order say the same.
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: { ...same, requiredGuarantors: [...same.requiredGuarantors].reverse(), purposes: [...same.purposes].reverse() } })).statusCode).toBe(400);
      // One changed field is an amendment.
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: { ...same, widthM: same.widthM + 1 } })).statusCode).toBe(200);
    });

    it('needs the version for an amendment and refuses a stale one', async () => {
      const c = await propose();
      const none = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: sumyPoltava() });
      expect(none.statusCode).toBe(428);
      const ok = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: sumyPoltava({ widthM: 2500 }) });
      expect(ok.statusCode).toBe(200);
      const staleBody = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { baseVersion: 1, terms: sumyPoltava({ widthM: 2600 }) });
      expect(staleBody.statusCode).toBe(409);
      expect(json(staleBody)).toMatchObject({ code: 'version_conflict', currentVersion: 2 });
      const staleHeader = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ widthM: 2600 }) }, { 'if-match': '"1"' });
      expect(staleHeader.statusCode).toBe(412);
      // If-Match compares strongly: a weak tag, or one no version has, never matches.
      for (const tag of ['W/"2"', '"02"', '"0"']) {
        const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ widthM: 2600 }) }, { 'if-match': tag });
        expect(res.statusCode, tag).toBe(412);
      }
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ widthM: 2600 }) }, { 'if-match': '2' })).statusCode).toBe(400);
      const current = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}`));
      expect(current.terms.widthM).toBe(2500);
    });

    it('answers a retried POST with the first result and writes nothing twice', async () => {
      const key = { 'idempotency-key': `retry-${engine}-1` };
      const countCorridors = async () => json(await api(w.app, w.ua.viewer.token).get('/corridors')).length;
      const before = await countCorridors();
      const logBefore = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      const first = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava(), key);
      const second = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava(), key);
      expect(first.statusCode).toBe(201);
      expect(second.statusCode).toBe(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(json(second).id).toBe(json(first).id);
      expect(await countCorridors()).toBe(before + 1);
      const logAfter = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(logAfter.n)).toBe(Number(logBefore.n) + 1);
      const reused = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM: 999 }), key);
      expect(reused.statusCode).toBe(422);
      expect(json(reused).code).toBe('idempotency_key_reused');
    });

    it('writes a log entry for every state change, in the same transaction', async () => {
      const c = await propose();
      await sign(c.id, w.ua);
      await sign(c.id, w.ru);
      await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling reported near Lokhvytsia' });
      await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'firing stopped' });
      const entries = await w.store.db.selectFrom('log_entries').selectAll().where('subject', '=', `corridor/${c.id}`).orderBy('idx').execute();
      expect(entries.map((e) => e.action)).toEqual(['corridor.proposed', 'guarantee.given', 'guarantee.given', 'corridor.guaranteed', 'corridor.suspended', 'corridor.resumed']);
      expect(entries.map((e) => e.actor)).toEqual([w.ua.liaison.memberId, w.ua.liaison.memberId, w.ru.liaison.memberId, 'system', w.mediator.liaison.memberId, w.mediator.liaison.memberId]);
      const all = await w.store.db.selectFrom('log_entries').select('idx').orderBy('idx').execute();
      expect(all.map((e) => Number(e.idx))).toEqual(all.map((_, i) => i));
      // A refused action writes nothing.
      const n = all.length;
      await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'not mine to do' });
      const after = await w.store.db.selectFrom('log_entries').select('idx').execute();
      expect(after.length).toBe(n);
    });

    it('refuses to update or delete a log entry, at the database', async () => {
      await propose();
      await expect(w.store.db.updateTable('log_entries').set({ actor: 'someone-else' }).where('idx', '=', 0).execute()).rejects.toThrow(/append-only/);
      await expect(w.store.db.deleteFrom('log_entries').where('idx', '=', 0).execute()).rejects.toThrow(/append-only/);
    });

    it('refuses a suspension dated before the corridor was guaranteed, naming /since; an incident from before is clamped to it', async () => {
      const c = await propose();
      await sign(c.id, w.ua);
      w.clock.set('2022-03-02T09:00:00Z');
      await sign(c.id, w.ru); // the last guarantee: the ceasefire holds from here
      w.clock.set('2022-03-08T10:05:00Z');
      for (const since of ['2020-01-01T00:00:00Z', '2022-03-01T08:00:00Z', '2022-03-02T08:59:59Z']) {
        const res = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'dated too early', since });
        expect(res.statusCode, since).toBe(400);
        expect(json(res)).toMatchObject({ code: 'invalid_time', errors: [{ path: '/since' }] });
        expect(json(res).detail).toMatch(/guaranteed/);
      }
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}`))).toMatchObject({ state: 'guaranteed', suspensions: [] });
      const ok = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'from the guarantee on', since: '2022-03-02T09:00:00Z' });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(json(ok).suspensions[0].since).toBe('2022-03-02T09:00:00.000Z');
      w.clock.set('2022-03-01T08:00:00Z');
    });

    it('suspends and resumes only by the mediator, and a suspension closes the corridor from its start', async () => {
      const c = await propose();
      await sign(c.id, w.ua);
      await sign(c.id, w.ru);
      w.clock.set('2022-03-08T12:00:00Z');
      const denied = await api(w.app, w.ua.admin.token).post(`/corridors/${c.id}/suspend`, { reason: 'x' });
      expect(denied.statusCode).toBe(403);
      const s = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling', since: '2022-03-08T11:30:00Z' });
      expect(s.statusCode, s.body).toBe(200);
      expect(json(s).state).toBe('suspended');
      const during = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T11:45:00Z`));
      expect(during.open).toBe(false);
      expect(during.reasons[0]).toMatchObject({ code: 'suspended', reason: 'shelling', since: '2022-03-08T11:30:00Z' });
      const beforeIt = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T11:00:00Z`));
      expect(beforeIt.open).toBe(true);
      const future = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'calm' });
      expect(json(future).state).toBe('guaranteed');
      // A new suspension may be dated back, but not into the stretch the last one settled (it
      // ended at 12:00): suspensions dated 1990 or overlapping rewrote what was open when.
      w.clock.set('2022-03-08T13:00:00Z');
      for (const since of ['1990-01-01T00:00:00Z', '2022-03-08T11:45:00Z']) {
        const overlap = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'again', since });
        expect(overlap.statusCode, since).toBe(400);
        expect(json(overlap)).toMatchObject({ code: 'invalid_time', errors: [{ path: '/since' }] });
      }
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status?at=2022-03-08T12:30:00Z`)).open).toBe(true);
      const later = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'again', since: '2022-03-08T12:30:00Z' });
      expect(later.statusCode, later.body).toBe(200);
      expect(json(later).suspensions).toHaveLength(2);
      w.clock.set('2022-03-01T08:00:00Z');
    });

    it('keeps a suspension through an amendment: the parties’ new guarantees do not lift it, the mediator does', async () => {
      const c = await propose();
      await sign(c.id, w.ua);
      await sign(c.id, w.ru);
      w.clock.set('2022-03-08T12:00:00Z');
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling reported' })).statusCode).toBe(200);
      const view = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}`));
      const amended = await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/amend`, { terms: { ...view.terms, type: undefined, corridorId: undefined, version: undefined, widthM: 3000 }, reason: 'wider' }, { 'if-match': '"1"' });
      expect(amended.statusCode, amended.body).toBe(200);
      expect(json(amended).state).toBe('proposed');
      await sign(c.id, w.ua);
      const both = json(await sign(c.id, w.ru));
      expect(both.state).toBe('suspended');
      const st = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status`));
      expect(st).toMatchObject({ open: false, state: 'suspended' });
      expect(st.reasons.map((r: any) => r.code)).toEqual(['suspended']);
      const resumed = await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'calm' });
      expect(json(resumed).state).toBe('guaranteed');
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/status`)).open).toBe(true);
      w.clock.set('2022-03-01T08:00:00Z');
    });

    it('lists with filters', async () => {
      const a = await propose(sumyPoltava({ purposes: ['medical'] }));
      const list = json(await api(w.app, w.ua.viewer.token).get('/corridors?purpose=medical'));
      expect(list.map((c: any) => c.id)).toContain(a.id);
      expect(list.every((c: any) => c.terms.purposes.includes('medical'))).toBe(true);
      const proposed = json(await api(w.app, w.ua.viewer.token).get('/corridors?state=proposed'));
      expect(proposed.every((c: any) => c.state === 'proposed')).toBe(true);
      const bad = await api(w.app, w.ua.viewer.token).get('/corridors?state=nonsense');
      expect(bad.statusCode).toBe(400);
    });
  });
  if (!available) reportSkippedEngine('corridors over HTTP', engine, why);
}
