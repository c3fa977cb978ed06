import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, AuditError } from '../../src/app/audit.js';
import { readEvents } from '../../src/app/events.js';
import { databaseLogSource, serverVerifierKey } from '../../src/app/log.js';
import { corridorLines } from '../../src/cli/commands.js';
import { disableLogProtection, reforgeTree } from '../../src/demo/forge-log.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld, reportSkippedEngine, signBytes, sumyPoltava, type World } from '../helpers.js';

/**
 * A guarantee made with a key its party revoked afterwards: valid when given, but a key is revoked
 * because it was lost or compromised, so the guarantee no longer binds (docs/api.md, "Keys and
 * guarantees"). The view, the status, the lifecycle, the CLI and `passage verify` all say so.
 */
for (const { engine, available, why } of ENGINES) {
  if (!available) {
    reportSkippedEngine('guarantees made with a key revoked afterwards', engine, why);
    continue;
  }
  describe(`${engine}: guarantees made with a key revoked afterwards`, () => {
    let w: World;
    const ids: Record<'open' | 'suspended' | 'proposed' | 'expired', string> = { open: '', suspended: '', proposed: '', expired: '' };
    const REVOKED_AT = '2022-03-08T08:30:00.000Z'; // 10:30 Kyiv, inside the window
    const get = async (id: string) => json(await api(w.app, w.ru.viewer.token).get(`/corridors/${id}`));
    const bytesOf = async (id: string) => (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;

    beforeAll(async () => {
      w = await makeWorld(engine);
      // Past its only window by the time the key is revoked: history, left as it is.
      ids.expired = await guaranteedCorridor(w, { title: 'Irpin → Kyiv', windows: [{ start: '2022-03-02T09:00:00+02:00', end: '2022-03-02T17:00:00+02:00', timeZone: 'Europe/Kyiv' }] });
      w.clock.set('2022-03-08T08:00:00Z');
      ids.open = await guaranteedCorridor(w);
      ids.suspended = await guaranteedCorridor(w, { title: 'Mariupol → Zaporizhzhia' });
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${ids.suspended}/suspend`, { reason: 'shelling near Rozivka' })).statusCode).toBe(200);
      const p = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ title: 'Volnovakha → Pokrovsk' })));
      ids.proposed = p.id;
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${p.id}/guarantees`, { jws: await signBytes(await bytesOf(p.id), w.ua) })).statusCode).toBe(201);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${ids.open}/status`)).open).toBe(true);
      w.clock.set(REVOKED_AT);
      const revoked = await api(w.app, w.ua.liaison.token).post(`/parties/ua/keys/${w.ua.kid}/revoke`);
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect(json(revoked).revokedAt).toBe(REVOKED_AT);
    });
    afterAll(async () => w?.close());

    it('shows each guarantee with the key it was made with and when that key was revoked, no longer valid', async () => {
      for (const id of Object.values(ids)) {
        const c = await get(id);
        const ua = c.guarantees.find((g: any) => g.partyId === 'ua');
        expect(ua, id).toMatchObject({ kid: w.ua.kid, keyRevokedAt: REVOKED_AT, valid: false });
        for (const g of c.guarantees.filter((x: any) => x.partyId === 'ru')) expect(g).toMatchObject({ kid: w.ru.kid, keyRevokedAt: null, valid: true });
        // The list anyone re-verifies from says the same.
        expect(json(await api(w.app, w.observer.viewer.token).get(`/corridors/${id}/guarantees`))).toEqual(c.guarantees);
      }
    });

    it('no longer counts it: a corridor in play returns to proposed and is not open, its status naming the revoked key', async () => {
      expect((await get(ids.open)).state).toBe('proposed');
      expect((await get(ids.suspended)).state).toBe('proposed');
      expect((await get(ids.proposed)).state).toBe('proposed');
      const s = json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.open}/status`));
      expect(s.open).toBe(false);
      const reason = s.reasons.find((r: any) => r.code === 'not_guaranteed');
      expect(reason.missingGuarantors).toEqual([{ id: 'ua', name: 'Ukraine' }]);
      expect(reason.message).toContain(`made with key ${w.ua.kid}, revoked at ${REVOKED_AT}`);
      // A corridor past its last window keeps its state; its guarantee is shown void all the same.
      expect((await get(ids.expired)).state).toBe('guaranteed');
      // The public calendar says why it is tentative again (not "amended": its terms did not change).
      const ics = (await w.app.inject({ method: 'GET', url: '/public/corridors.ics' })).body.replace(/\r\n[ \t]/g, '');
      const event = ics.split('BEGIN:VEVENT').find((e) => e.includes(`UID:${ids.open}-`)) ?? '';
      expect(event).toContain('STATUS:TENTATIVE');
      expect(event).toContain('A party’s guarantee no longer holds (the key it was made with was revoked)');
      expect(event).not.toContain('The terms were amended');
    });

    it('logs and announces each voiding in the revocation’s transaction, and closes the corridor that was open', async () => {
      const entries = (await w.store.db.selectFrom('log_entries').select(['action', 'subject', 'entry']).orderBy('idx').execute()).map((r) => ({ ...r, payload: JSON.parse(r.entry).payload }));
      const voided = entries.filter((e) => e.action === 'guarantee.voided');
      expect(voided.map((e) => e.subject).sort()).toEqual([ids.open, ids.suspended, ids.proposed].map((id) => `corridor/${id}`).sort());
      for (const e of voided) expect(e.payload).toMatchObject({ partyId: 'ua', kid: w.ua.kid, version: 1, reason: 'key revoked' });
      const revokedAt = entries.findIndex((e) => e.action === 'key.revoked');
      expect(entries.findIndex((e) => e.action === 'guarantee.voided')).toBeGreaterThan(revokedAt);
      const events = await readEvents(w.store.db, 0);
      expect(events.filter((e) => e.type === 'guarantee.voided').map((e) => e.corridorId).sort()).toEqual([ids.open, ids.suspended, ids.proposed].sort());
      // The public CAP chain of the open corridor is cancelled, as at a window's end.
      expect(events.filter((e) => e.type === 'corridor.closed').map((e) => [e.corridorId, (e.payload as { at: string }).at])).toEqual([[ids.open, '2022-03-08T08:30:00Z']]);
    });

    it('the CLI prints the guarantee void, with the revoked key and that the party must sign again', async () => {
      const lines = corridorLines(await get(ids.open));
      expect(lines[0]).toBe(`${ids.open}  v1  proposed  Sumy → Poltava`);
      expect(lines).toContain(`  ua  VOID, KEY REVOKED ${REVOKED_AT}: version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ua.kid}; ua must sign version 1 again with a key that stands`);
      expect(lines).toContain(`  ru  binds: version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ru.kid}`);
    });

    it('passage verify lists the same guarantees as made with a key revoked since, and still passes', async () => {
      const report = await auditLog(databaseLogSource(w.deps), { logKey: await serverVerifierKey(w.store.db) });
      expect(report.revokedKeyGuarantees.map((g) => g.corridorId).sort()).toEqual(Object.values(ids).sort());
      for (const g of report.revokedKeyGuarantees) expect(g).toMatchObject({ partyId: 'ua', kid: w.ua.kid, version: 1 });
      const keyRevoked = (await w.store.db.selectFrom('log_entries').select('idx').where('action', '=', 'key.revoked').executeTakeFirstOrThrow()).idx;
      expect(new Set(report.revokedKeyGuarantees.map((g) => g.revokedAt))).toEqual(new Set([Number(keyRevoked)]));
    });

    it('refuses the revoked key, and lets the party sign the same version again with a key that stands', async () => {
      const bytes = await bytesOf(ids.open);
      const old = await api(w.app, w.ua.liaison.token).post(`/corridors/${ids.open}/guarantees`, { jws: await signBytes(bytes, w.ua) });
      expect(old.statusCode).toBe(422);
      expect(json(old).code).toBe('key_revoked');
      // The other party's guarantee still binds: it is not asked twice.
      expect(json(await api(w.app, w.ru.liaison.token).post(`/corridors/${ids.open}/guarantees`, { jws: await signBytes(bytes, w.ru) })).code).toBe('already_signed');
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const x = (await exportJWK(publicKey)).x ?? '';
      const fresh = json(await api(w.app, w.ua.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x } }));
      w.clock.set('2022-03-08T09:00:00Z');
      for (const id of [ids.open, ids.suspended]) {
        const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(await bytesOf(id), { privateKey, kid: fresh.kid }) });
        expect(res.statusCode, res.body).toBe(201);
      }
      const c = await get(ids.open);
      expect(c.state).toBe('guaranteed');
      expect(c.guarantees.filter((g: any) => g.partyId === 'ua').map((g: any) => [g.kid, g.valid, g.keyRevokedAt])).toEqual([
        [w.ua.kid, false, REVOKED_AT],
        [fresh.kid, true, null],
      ]);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${ids.open}/status`)).open).toBe(true);
      // The suspension in force outlived the voiding: guaranteed afresh, it is suspended until resumed.
      expect((await get(ids.suspended)).state).toBe('suspended');
      expect(corridorLines(c)).toContain(`  ua  VOID, KEY REVOKED ${REVOKED_AT}: version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ua.kid}`);
    });

    it('passage verify refuses a voiding that names a key not revoked before it', async () => {
      await disableLogProtection(w.store);
      const row = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'guarantee.voided').orderBy('idx').executeTakeFirstOrThrow();
      await w.store.db.updateTable('log_entries').set({ entry: row.entry.replace(w.ua.kid, w.ru.kid) }).where('idx', '=', row.idx).execute();
      await reforgeTree(w.store, { forgetHeads: true });
      let err: unknown;
      try {
        await auditLog(databaseLogSource(w.deps), { logKey: await serverVerifierKey(w.store.db) });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AuditError);
      expect((err as AuditError).index).toBe(Number(row.idx));
      expect((err as Error).message).toMatch(new RegExp(`voids guarantees of ua made with key ${w.ru.kid}, which had not been revoked`));
    });
  });
}
