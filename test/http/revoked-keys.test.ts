import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, AuditError } from '../../src/app/audit.js';
import { readEvents } from '../../src/app/events.js';
import { databaseLogSource, latestCheckpoint, serverVerifierKey } from '../../src/app/log.js';
import { corridorLines } from '../../src/cli/client-commands.js';
import { disableLogProtection, reforgeTree } from '../../src/demo/forge-log.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld, reportSkippedEngine, signBytes, sumyPoltava, type World } from '../helpers.js';

/**
 * A key is revoked for one of two reasons (docs/api.md, "Keys and guarantees"; RFC 5280's
 * superseded vs keyCompromise). Retired routinely (`superseded`), what it signed while it stood is
 * still its party's word: nothing is voided, no corridor moves, and the views only note that the key
 * has since been retired. Lost or stolen (`compromised`), its guarantees recorded at or after
 * `since` (default: all) no longer bind: the corridor returns to proposed until the party signs again.
 */
for (const { engine, available, why } of ENGINES) {
  if (!available) {
    reportSkippedEngine('revoking a key, superseded or compromised', engine, why);
    continue;
  }
  const get = async (w: World, id: string) => json(await api(w.app, w.ru.viewer.token).get(`/corridors/${id}`));
  const bytesOf = async (w: World, id: string) => (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;
  const revoke = (w: World, body: unknown, kid = w.ua.kid) => api(w.app, w.ua.liaison.token).post(`/parties/ua/keys/${kid}/revoke`, body);
  const logged = async (w: World) => (await w.store.db.selectFrom('log_entries').select(['idx', 'action', 'subject', 'entry']).orderBy('idx').execute()).map((r) => ({ ...r, payload: JSON.parse(r.entry).payload }));
  /** The server signs the log (as when a member asks for the checkpoint), and the database is audited. */
  const audit = async (w: World) => {
    await latestCheckpoint(w.deps);
    return auditLog(databaseLogSource(w.deps), { logKey: await serverVerifierKey(w.store.db) });
  };
  /** Rewrites the first entry of `action` as a forger with database access would, and audits the log. */
  const forgedAudit = async (w: World, action: string, edit: (entry: string) => string): Promise<{ err: AuditError; index: number }> => {
    await disableLogProtection(w.store);
    const row = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', action).orderBy('idx').executeTakeFirstOrThrow();
    const forged = edit(row.entry);
    expect(forged).not.toBe(row.entry);
    await w.store.db.updateTable('log_entries').set({ entry: forged }).where('idx', '=', row.idx).execute();
    await reforgeTree(w.store, { forgetHeads: true });
    let err: unknown;
    try {
      await audit(w);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditError);
    return { err: err as AuditError, index: Number(row.idx) };
  };
  const freshKey = async (w: World) => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const x = (await exportJWK(publicKey)).x ?? '';
    const { kid } = json(await api(w.app, w.ua.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x } }));
    return { privateKey, kid: kid as string };
  };

  /** Runs `fn` with the world's clock moving a millisecond at every read, as a real one may between two reads. */
  const withTickingClock = async <T>(w: World, startIso: string, fn: () => Promise<T>): Promise<T> => {
    const deps = w.deps as { now: () => number };
    const frozen = deps.now;
    let ms = Date.parse(startIso);
    deps.now = () => ms++;
    try {
      return await fn();
    } finally {
      deps.now = frozen;
    }
  };

  describe(`${engine}: revoking a key requires a reason`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set('2022-03-08T08:00:00Z');
    });
    afterAll(async () => w?.close());

    it('refuses to register again a key that was revoked, saying why (it answered 201 with the revoked record)', async () => {
      const { publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      const jwk = await exportJWK(publicKey);
      const ua = api(w.app, w.ua.admin.token);
      const made = await ua.post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
      expect(made.statusCode, made.body).toBe(201);
      // Registering it again while it stands answers the same key.
      expect(json(await ua.post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } })).kid).toBe(json(made).kid);
      expect((await ua.post(`/parties/ua/keys/${json(made).kid}/revoke`, { reason: 'compromised' })).statusCode).toBe(200);
      const again = await ua.post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
      expect(again.statusCode, again.body).toBe(422);
      expect(json(again)).toMatchObject({ code: 'key_revoked', detail: expect.stringMatching(/was reported compromised .* cannot be registered again/) });
    });

    it('refuses a missing or unknown reason with a 400 naming both choices and what each does', async () => {
      for (const body of [undefined, {}, { reason: 'lost' }, { reason: null }]) {
        const res = await revoke(w, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const p = json(res);
        expect(p.code).toBe('validation_failed');
        expect(p.detail).toMatch(/"superseded" \(routine rotation: the key signs nothing more, and what it signed stays binding/);
        expect(p.detail).toMatch(/"compromised" \(lost or stolen: guarantees it made at or after `since`, by default all of them, are void/);
      }
      // No body at all (no content type either) is told the same.
      const bare = await w.app.inject({ method: 'POST', url: `/api/v1/parties/ua/keys/${w.ua.kid}/revoke`, headers: { authorization: `Bearer ${w.ua.liaison.token}` } });
      expect(bare.statusCode).toBe(400);
      expect(json(bare).detail).toMatch(/"superseded" .*"compromised"/);
    });

    it('refuses since with superseded, in the future, before the key was registered, or not RFC 3339', async () => {
      const cases: [unknown, RegExp][] = [
        [{ reason: 'superseded', since: '2022-03-08T07:00:00Z' }, /`since` goes only with reason "compromised"/],
        [{ reason: 'compromised', since: '2022-03-08T08:00:01Z' }, /is in the future/],
        [{ reason: 'compromised', since: '2022-02-28T00:00:00Z' }, /before the key was registered \(2022-03-01T08:00:00.000Z\)/],
        [{ reason: 'compromised', since: 'yesterday' }, /RFC 3339/],
      ];
      for (const [body, detail] of cases) {
        const res = await revoke(w, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(json(res).detail).toMatch(detail);
      }
      // Nothing was revoked by any of them.
      expect(json(await api(w.app, w.ua.viewer.token).get('/parties/ua/keys')).find((k: any) => k.kid === w.ua.kid)).toMatchObject({ revokedAt: null, revocationReason: null });
    });
  });

  describe(`${engine}: a key retired as superseded`, () => {
    let w: World;
    const ids = { open: '', suspended: '' };
    const RETIRED_AT = '2022-03-08T08:30:00.000Z'; // 10:30 Kyiv, inside the window

    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set('2022-03-08T08:00:00Z');
      ids.open = await guaranteedCorridor(w);
      ids.suspended = await guaranteedCorridor(w, { title: 'Mariupol → Zaporizhzhia' });
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${ids.suspended}/suspend`, { reason: 'shelling near Rozivka' })).statusCode).toBe(200);
      w.clock.set(RETIRED_AT);
      const res = await revoke(w, { reason: 'superseded' });
      expect(res.statusCode, res.body).toBe(200);
      expect(json(res)).toMatchObject({ kid: w.ua.kid, revokedAt: RETIRED_AT, revocationReason: 'superseded', compromisedSince: null, voidedCorridorIds: [] });
    });
    afterAll(async () => w?.close());

    it('keeps an open corridor open and guaranteed, its guarantee valid, with when the key was retired', async () => {
      const c = await get(w, ids.open);
      expect(c.state).toBe('guaranteed');
      expect(c.guarantees.find((g: any) => g.partyId === 'ua')).toMatchObject({ kid: w.ua.kid, valid: true, keyRevokedAt: RETIRED_AT, keyRevocationReason: 'superseded', keyCompromisedSince: null });
      expect(json(await api(w.app, w.observer.viewer.token).get(`/corridors/${ids.open}/guarantees`))).toEqual(c.guarantees);
      const s = json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.open}/status`));
      expect(s.open).toBe(true);
      expect(s.reasons.map((r: any) => r.code)).not.toContain('not_guaranteed');
      // A suspended corridor stays suspended, not back to proposed.
      expect((await get(w, ids.suspended)).state).toBe('suspended');
      // Later in the window it is still open (the scheduler's view of that instant agrees).
      expect(json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.open}/status?at=2022-03-08T15:00:00%2B02:00`)).open).toBe(true);
    });

    it('voids nothing, closes nothing, and logs why the key was revoked', async () => {
      const entries = await logged(w);
      expect(entries.filter((e) => e.action === 'guarantee.voided')).toEqual([]);
      expect(entries.filter((e) => e.action === 'key.revoked').map((e) => e.payload)).toEqual([{ kid: w.ua.kid, reason: 'superseded' }]);
      const events = await readEvents(w.store.db, 0);
      expect(events.filter((e) => e.type === 'guarantee.voided' || e.type === 'corridor.closed')).toEqual([]);
    });

    it('the CLI notes the retired key neutrally, the guarantee binding', async () => {
      expect(corridorLines(await get(w, ids.open))).toContain(`  ua  binds: version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ua.kid}; key since retired (superseded) ${RETIRED_AT}`);
    });

    it('the retired key signs nothing more, and repeating the revocation changes nothing', async () => {
      const p = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ title: 'Volnovakha → Pokrovsk' })));
      const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${p.id}/guarantees`, { jws: await signBytes(await bytesOf(w, p.id), w.ua) });
      expect(res.statusCode).toBe(422);
      expect(json(res).code).toBe('key_revoked');
      const again = await revoke(w, { reason: 'superseded' });
      expect(json(again)).toMatchObject({ revokedAt: RETIRED_AT, revocationReason: 'superseded', voidedCorridorIds: [] });
      expect((await logged(w)).filter((e) => e.action === 'key.revoked')).toHaveLength(1);
    });

    it('passage verify accepts the log and lists the guarantees as made with a key since retired, still binding', async () => {
      const report = await audit(w);
      expect(report.revokedKeyGuarantees.map((g) => g.corridorId).sort()).toEqual([ids.open, ids.suspended].sort());
      for (const g of report.revokedKeyGuarantees) expect(g).toMatchObject({ partyId: 'ua', kid: w.ua.kid, reason: 'superseded', void: false });
    });

    it('found compromised later, its guarantees from since are voided then; the compromise cannot be withdrawn', async () => {
      w.clock.set('2022-03-08T09:00:00Z');
      const res = await revoke(w, { reason: 'compromised', since: '2022-03-08T07:30:00Z' });
      expect(res.statusCode, res.body).toBe(200);
      expect(json(res)).toMatchObject({ revokedAt: RETIRED_AT, revocationReason: 'compromised', compromisedSince: '2022-03-08T07:30:00.000Z', voidedCorridorIds: [ids.open, ids.suspended].sort() });
      const c = await get(w, ids.open);
      expect(c.state).toBe('proposed');
      expect(c.guarantees.find((g: any) => g.partyId === 'ua')).toMatchObject({ valid: false, keyRevokedAt: RETIRED_AT, keyRevocationReason: 'compromised', keyCompromisedSince: '2022-03-08T07:30:00.000Z' });
      // The corridor was open until the compromise was declared, not retroactively.
      expect(json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.open}/status`)).open).toBe(false);
      const back = await revoke(w, { reason: 'superseded' });
      expect(back.statusCode).toBe(409);
      expect(json(back).detail).toMatch(/cannot be withdrawn/);
      // Both revocations are in the log, and verify holds the voidings to the second.
      const entries = await logged(w);
      expect(entries.filter((e) => e.action === 'key.revoked').map((e) => e.payload)).toEqual([
        { kid: w.ua.kid, reason: 'superseded' },
        { kid: w.ua.kid, reason: 'compromised', since: '2022-03-08T07:30:00.000Z' },
      ]);
      const report = await audit(w);
      expect(report.revokedKeyGuarantees.map((g) => [g.reason, g.void])).toEqual([
        ['compromised', true],
        ['compromised', true],
      ]);
    });
  });

  describe(`${engine}: a key revoked as compromised, without since: everything it signed`, () => {
    let w: World;
    const ids: Record<'open' | 'suspended' | 'proposed' | 'expired', string> = { open: '', suspended: '', proposed: '', expired: '' };
    const REVOKED_AT = '2022-03-08T08:30:00.000Z'; // 10:30 Kyiv, inside the window

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
      expect((await api(w.app, w.ua.liaison.token).post(`/corridors/${p.id}/guarantees`, { jws: await signBytes(await bytesOf(w, p.id), w.ua) })).statusCode).toBe(201);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${ids.open}/status`)).open).toBe(true);
      w.clock.set(REVOKED_AT);
      const revoked = await revoke(w, { reason: 'compromised' });
      expect(revoked.statusCode, revoked.body).toBe(200);
      // Since the key's registration (makeWorld's clock).
      expect(json(revoked)).toMatchObject({ revokedAt: REVOKED_AT, revocationReason: 'compromised', compromisedSince: '2022-03-01T08:00:00.000Z', voidedCorridorIds: [ids.open, ids.suspended, ids.proposed].sort() });
    });
    afterAll(async () => w?.close());

    it('shows each guarantee made with the key void, with when and from when it was compromised', async () => {
      for (const id of Object.values(ids)) {
        const c = await get(w, id);
        const ua = c.guarantees.find((g: any) => g.partyId === 'ua');
        expect(ua, id).toMatchObject({ kid: w.ua.kid, keyRevokedAt: REVOKED_AT, keyRevocationReason: 'compromised', keyCompromisedSince: '2022-03-01T08:00:00.000Z', valid: false });
        for (const g of c.guarantees.filter((x: any) => x.partyId === 'ru')) expect(g).toMatchObject({ kid: w.ru.kid, keyRevokedAt: null, keyRevocationReason: null, valid: true });
        expect(json(await api(w.app, w.observer.viewer.token).get(`/corridors/${id}/guarantees`))).toEqual(c.guarantees);
      }
    });

    it('no longer counts it: a corridor in play returns to proposed and is not open, its status naming the key', async () => {
      expect((await get(w, ids.open)).state).toBe('proposed');
      expect((await get(w, ids.suspended)).state).toBe('proposed');
      expect((await get(w, ids.proposed)).state).toBe('proposed');
      const s = json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.open}/status`));
      expect(s.open).toBe(false);
      const reason = s.reasons.find((r: any) => r.code === 'not_guaranteed');
      expect(reason.missingGuarantors).toEqual([{ id: 'ua', name: 'Ukraine' }]);
      expect(reason.message).toContain(`made with key ${w.ua.kid}, declared compromised at ${REVOKED_AT} (since 2022-03-01T08:00:00.000Z)`);
      // A corridor past its last window keeps its state; its guarantee is shown void all the same.
      expect((await get(w, ids.expired)).state).toBe('guaranteed');
      const ics = (await w.app.inject({ method: 'GET', url: '/public/corridors.ics' })).body.replace(/\r\n[ \t]/g, '');
      const event = ics.split('BEGIN:VEVENT').find((e) => e.includes(`UID:${ids.open}-`)) ?? '';
      expect(event).toContain('STATUS:TENTATIVE');
      expect(event).toContain('A party’s guarantee no longer holds (the key it was made with was compromised)');
      expect(event).not.toContain('The terms were amended');
    });

    it('logs why and from when, and each voiding in the revocation’s transaction, and closes the corridor that was open', async () => {
      const entries = await logged(w);
      expect(entries.filter((e) => e.action === 'key.revoked').map((e) => e.payload)).toEqual([{ kid: w.ua.kid, reason: 'compromised', since: '2022-03-01T08:00:00.000Z' }]);
      const voided = entries.filter((e) => e.action === 'guarantee.voided');
      expect(voided.map((e) => e.subject).sort()).toEqual([ids.open, ids.suspended, ids.proposed].map((id) => `corridor/${id}`).sort());
      for (const e of voided) expect(e.payload).toMatchObject({ partyId: 'ua', kid: w.ua.kid, version: 1, reason: 'key compromised', since: '2022-03-01T08:00:00.000Z' });
      expect(entries.findIndex((e) => e.action === 'guarantee.voided')).toBeGreaterThan(entries.findIndex((e) => e.action === 'key.revoked'));
      const events = await readEvents(w.store.db, 0);
      expect(events.filter((e) => e.type === 'guarantee.voided').map((e) => e.corridorId).sort()).toEqual([ids.open, ids.suspended, ids.proposed].sort());
      expect(events.filter((e) => e.type === 'corridor.closed').map((e) => [e.corridorId, (e.payload as { at: string }).at])).toEqual([[ids.open, '2022-03-08T08:30:00Z']]);
    });

    it('the CLI prints the guarantee void, with the compromised key and that the party must sign again', async () => {
      const lines = corridorLines(await get(w, ids.open));
      expect(lines[0]).toBe(`${ids.open}  v1  proposed  Sumy → Poltava`);
      expect(lines).toContain(`  ua  VOID, KEY COMPROMISED since 2022-03-01T08:00:00.000Z (revoked ${REVOKED_AT}): version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ua.kid}; ua must sign version 1 again with a key that stands`);
      expect(lines).toContain(`  ru  binds: version 1, signed 2022-03-08T08:00:00.000Z with key ${w.ru.kid}`);
    });

    it('refuses the revoked key, and lets the party sign the same version again with a key that stands', async () => {
      const bytes = await bytesOf(w, ids.open);
      const old = await api(w.app, w.ua.liaison.token).post(`/corridors/${ids.open}/guarantees`, { jws: await signBytes(bytes, w.ua) });
      expect(old.statusCode).toBe(422);
      expect(json(old).code).toBe('key_revoked');
      expect(json(await api(w.app, w.ru.liaison.token).post(`/corridors/${ids.open}/guarantees`, { jws: await signBytes(bytes, w.ru) })).code).toBe('already_signed');
      const fresh = await freshKey(w);
      w.clock.set('2022-03-08T09:00:00Z');
      for (const id of [ids.open, ids.suspended]) {
        const res = await api(w.app, w.ua.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(await bytesOf(w, id), fresh) });
        expect(res.statusCode, res.body).toBe(201);
      }
      const c = await get(w, ids.open);
      expect(c.state).toBe('guaranteed');
      expect(c.guarantees.filter((g: any) => g.partyId === 'ua').map((g: any) => [g.kid, g.valid, g.keyRevokedAt])).toEqual([
        [w.ua.kid, false, REVOKED_AT],
        [fresh.kid, true, null],
      ]);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${ids.open}/status`)).open).toBe(true);
      expect((await get(w, ids.suspended)).state).toBe('suspended');
      // Declaring it compromised again from elsewhere is refused: the compromise stands as declared.
      expect((await revoke(w, { reason: 'compromised', since: '2022-03-05T00:00:00Z' })).statusCode).toBe(409);
    });

    it('passage verify accepts the log and lists the guarantees the compromise voided', async () => {
      const report = await audit(w);
      const voided = report.revokedKeyGuarantees.filter((g) => g.void);
      expect(voided.map((g) => g.corridorId).sort()).toEqual(Object.values(ids).sort());
      for (const g of voided) expect(g).toMatchObject({ partyId: 'ua', kid: w.ua.kid, version: 1, reason: 'compromised', compromisedSince: '2022-03-01T08:00:00.000Z' });
      const keyRevoked = (await w.store.db.selectFrom('log_entries').select('idx').where('action', '=', 'key.revoked').executeTakeFirstOrThrow()).idx;
      expect(new Set(voided.map((g) => g.revokedAt))).toEqual(new Set([Number(keyRevoked)]));
    });

    it('passage verify names a voiding that follows a revocation as superseded (the log rewritten to say so)', async () => {
      // The forger makes the revocation read as a routine rotation: the voidings after it are then unjustified.
      const { err } = await forgedAudit(w, 'key.revoked', (entry) => entry.replace('"reason":"compromised","since":"2022-03-01T08:00:00.000Z"', '"reason":"superseded"'));
      const firstVoiding = (await w.store.db.selectFrom('log_entries').select('idx').where('action', '=', 'guarantee.voided').orderBy('idx').executeTakeFirstOrThrow()).idx;
      expect(err.index).toBe(Number(firstVoiding));
      expect(err.message).toMatch(new RegExp(`voids guarantees of ua made with key ${w.ua.kid}, which was revoked as superseded \\(routine rotation, entry \\d+\\), not compromised: what it signed still binds`));
    });
  });

  describe(`${engine}: a key revoked as compromised since a given instant`, () => {
    let w: World;
    const ids = { before: '', after: '' };
    const SINCE = '2022-03-08T08:00:00+02:00'; // 06:00Z: the first guarantee at 05:00Z stands, the second at 07:00Z does not

    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set('2022-03-08T05:00:00Z');
      ids.before = await guaranteedCorridor(w, { title: 'Sumy → Poltava (signed before)' });
      w.clock.set('2022-03-08T07:00:00Z');
      ids.after = await guaranteedCorridor(w, { title: 'Sumy → Poltava (signed after)' });
      w.clock.set('2022-03-08T08:30:00Z');
      const res = await revoke(w, { reason: 'compromised', since: SINCE });
      expect(res.statusCode, res.body).toBe(200);
      expect(json(res)).toMatchObject({ revocationReason: 'compromised', compromisedSince: '2022-03-08T06:00:00.000Z', voidedCorridorIds: [ids.after] });
    });
    afterAll(async () => w?.close());

    it('voids only the guarantees recorded at or after since; the earlier one stands, its corridor open', async () => {
      const before = await get(w, ids.before);
      expect(before.state).toBe('guaranteed');
      expect(before.guarantees.find((g: any) => g.partyId === 'ua')).toMatchObject({ valid: true, keyRevokedAt: '2022-03-08T08:30:00.000Z', keyRevocationReason: 'compromised', keyCompromisedSince: '2022-03-08T06:00:00.000Z' });
      expect(json(await api(w.app, w.ru.viewer.token).get(`/corridors/${ids.before}/status`)).open).toBe(true);
      const after = await get(w, ids.after);
      expect(after.state).toBe('proposed');
      expect(after.guarantees.find((g: any) => g.partyId === 'ua')).toMatchObject({ valid: false, keyCompromisedSince: '2022-03-08T06:00:00.000Z' });
      const entries = await logged(w);
      expect(entries.filter((e) => e.action === 'guarantee.voided').map((e) => e.subject)).toEqual([`corridor/${ids.after}`]);
      expect(entries.filter((e) => e.action === 'key.revoked').map((e) => e.payload)).toEqual([{ kid: w.ua.kid, reason: 'compromised', since: '2022-03-08T06:00:00.000Z' }]);
      expect(corridorLines(before)).toContain(`  ua  binds: version 1, signed 2022-03-08T05:00:00.000Z with key ${w.ua.kid}; key revoked 2022-03-08T08:30:00.000Z as compromised since 2022-03-08T06:00:00.000Z`);
    });

    it('passage verify accepts the log: the earlier guarantee still binds, the later one is void', async () => {
      const report = await audit(w);
      expect(report.revokedKeyGuarantees.filter((g) => g.partyId === 'ua').map((g) => [g.corridorId, g.void])).toEqual([
        [ids.before, false],
        [ids.after, true],
      ]);
    });

    it('passage verify names a voiding of a guarantee recorded before since', async () => {
      const given = async (id: string) => JSON.parse((await w.store.db.selectFrom('log_entries').select('entry').where('action', '=', 'guarantee.given').where('subject', '=', `corridor/${id}`).orderBy('idx').executeTakeFirstOrThrow()).entry).payload.guaranteeId as string;
      const [early, late] = [await given(ids.before), await given(ids.after)];
      const { err, index } = await forgedAudit(w, 'guarantee.voided', (entry) => entry.replaceAll(ids.after, ids.before).replace(late, early));
      expect(err.index).toBe(index);
      expect(err.message).toMatch(new RegExp(`voids guarantee ${early} of ua \\(entry \\d+\\), recorded 2022-03-08T05:00:00.000Z, before key ${w.ua.kid} was compromised \\(since 2022-03-08T06:00:00.000Z\\): that guarantee stands`));
    });
  });

  describe(`${engine}: protocol signatures made with a key revoked since`, () => {
    let w: World;
    let protocolId = '';
    let roundId = '';

    beforeAll(async () => {
      w = await makeWorld(engine);
      const med = api(w.app, w.mediator.liaison.token);
      expect((await med.post('/agenda-items', { id: 'corridors', title: 'Humanitarian corridors', visibility: 'public' })).statusCode).toBe(201);
      const round = await med.post('/rounds', {
        number: 2,
        startDate: '2022-03-03',
        venue: { name: 'Belovezhskaya Pushcha, Belarus' },
        delegations: [
          { partyId: 'ua', head: { name: 'Davyd Arakhamia' } },
          { partyId: 'ru', head: { name: 'Vladimir Medinsky' } },
        ],
        agenda: [{ itemId: 'corridors', outcome: 'agreed' }],
        visibility: 'public',
      });
      expect(round.statusCode, round.body).toBe(201);
      roundId = json(round).id;
      w.clock.set('2022-03-03T18:00:00Z');
      protocolId = json(await med.post(`/rounds/${roundId}/protocols`, { title: 'Protocol of round 2', points: [{ itemId: 'corridors', text: 'Joint guarantee of humanitarian corridors.' }], visibility: 'public' })).id;
      const text = (await api(w.app, w.ua.viewer.token).get(`/protocols/${protocolId}/text`)).rawPayload;
      for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/protocols/${protocolId}/signatures`, { jws: await signBytes(text, p) })).statusCode).toBe(201);
      w.clock.set('2022-03-08T08:30:00Z');
      expect((await revoke(w, { reason: 'compromised' })).statusCode).toBe(200);
      expect((await api(w.app, w.ru.liaison.token).post(`/parties/ru/keys/${w.ru.kid}/revoke`, { reason: 'superseded' })).statusCode).toBe(200);
    });
    afterAll(async () => w?.close());

    it('marks the one made with a compromised key, and notes the retired one neutrally', async () => {
      const sigs = json(await api(w.app, w.observer.viewer.token).get(`/protocols/${protocolId}/signatures`));
      // Both signed at the same instant: their order is the ids'.
      const byParty = (xs: any[]) => [...xs].sort((a, b) => a.partyId.localeCompare(b.partyId));
      expect(byParty(sigs).map((s: any) => [s.partyId, s.keyRevocationReason, s.keyCompromised])).toEqual([
        ['ru', 'superseded', false],
        ['ua', 'compromised', true],
      ]);
      expect(sigs.find((s: any) => s.partyId === 'ua')).toMatchObject({ keyRevokedAt: '2022-03-08T08:30:00.000Z', keyCompromisedSince: '2022-03-01T08:00:00.000Z' });
      const tl = json(await api(w.app, w.observer.viewer.token).get('/ledger/timeline'));
      expect(byParty(tl.rounds[0].protocols[0].keyNotes)).toEqual([
        { partyId: 'ru', reason: 'superseded', compromised: false },
        { partyId: 'ua', reason: 'compromised', compromised: true },
      ]);
      const page = (await w.app.inject({ method: 'GET', url: `/api/v1/rounds/${roundId}/print` })).body;
      expect(page).toContain('key reported compromised from 2022-03-01T08:00:00.000Z: this signature can no longer be told from a thief’s');
      expect(page).toContain('key since retired 2022-03-08');
    });

    it('no longer counts the one made with a compromised key: the protocol is open until that party signs again with a key that stands', async () => {
      const protocol = async () => json(await api(w.app, w.observer.viewer.token).get(`/protocols/${protocolId}`));
      const before = await protocol();
      expect(before.state).toBe('open');
      expect(before.signatures.map((s: any) => [s.partyId, s.valid])).toEqual(expect.arrayContaining([['ua', false], ['ru', true]]));
      // The printed record still lists it, marked, and says the protocol is not signed by every delegation.
      const page = (await w.app.inject({ method: 'GET', url: `/api/v1/rounds/${roundId}/print` })).body;
      expect(page).toContain('Not yet signed by every delegation');
      expect(page).toMatch(/Signed by: .*key reported compromised from/);
      // Signing again is not "already signed": the party's word is given anew with a live key.
      const fresh = await freshKey(w);
      w.clock.set('2022-03-09T10:00:00Z');
      const text = (await api(w.app, w.ua.viewer.token).get(`/protocols/${protocolId}/text`)).rawPayload;
      // With a clock that moves at every read: the signature is recorded at its log entry's time.
      const jws = await signBytes(text, fresh);
      const res = await withTickingClock(w, '2022-03-09T10:00:00Z', () => api(w.app, w.ua.liaison.token).post(`/protocols/${protocolId}/signatures`, { jws }));
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res).state).toBe('signed');
      const mine = json(res).signatures.find((s: any) => s.kid === fresh.kid);
      const entry = (await logged(w)).find((e) => e.action === 'ledger.protocol.signed' && e.payload.signatureId === mine.id);
      expect(JSON.parse(String(entry?.entry)).time).toBe(mine.createdAt);
      const again = await api(w.app, w.ua.liaison.token).post(`/protocols/${protocolId}/signatures`, { jws: await signBytes(text, fresh) });
      expect(again.statusCode).toBe(409);
      expect(json(again).code).toBe('already_signed');
      const actions = (await logged(w)).filter((e) => e.subject === `ledger/${protocolId}`).map((e) => e.action);
      expect(actions.filter((a) => a === 'ledger.protocol.fully_signed')).toHaveLength(2);
      expect((await audit(w)).size).toBeGreaterThan(0);
    });
  });

  describe(`${engine}: a key's registration time is its log entry's`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    it('records the key with the time of its key.registered entry, so "since registration" is the moment the log shows', async () => {
      const fresh = await withTickingClock(w, '2022-03-08T08:00:00Z', () => freshKey(w));
      const row = await w.store.db.selectFrom('party_keys').select('created_at').where('kid', '=', fresh.kid).executeTakeFirstOrThrow();
      const entry = (await logged(w)).find((e) => e.action === 'key.registered' && e.payload.kid === fresh.kid);
      expect(JSON.parse(String(entry?.entry)).time).toBe(row.created_at);
    });

    it('records a guarantee at the time of its guarantee.given entry, so the view and verify judge a compromise alike', async () => {
      const id = await withTickingClock(w, '2022-03-08T08:30:00Z', () => guaranteedCorridor(w));
      const rows = await w.store.db.selectFrom('guarantees').select(['id', 'created_at']).where('corridor_id', '=', id).execute();
      expect(rows).toHaveLength(2);
      const entries = (await logged(w)).filter((e) => e.action === 'guarantee.given' && e.subject === `corridor/${id}`);
      for (const r of rows) expect(JSON.parse(String(entries.find((e) => e.payload.guaranteeId === r.id)?.entry)).time).toBe(r.created_at);
    });

    it('verifies a log whose key record was read from the clock a moment before its entry (servers before this fix), compromised "since registration"', async () => {
      w.clock.set('2022-03-08T09:00:00Z');
      const fresh = await freshKey(w);
      // As earlier servers stored it: the record's time a few milliseconds before the entry's.
      await w.store.db.updateTable('party_keys').set({ created_at: '2022-03-08T08:59:59.997Z' }).where('kid', '=', fresh.kid).execute();
      w.clock.set('2022-03-08T10:00:00Z');
      const res = await revoke(w, { reason: 'compromised' }, fresh.kid);
      expect(res.statusCode, res.body).toBe(200);
      expect(json(res).compromisedSince).toBe('2022-03-08T08:59:59.997Z');
      const report = await audit(w);
      expect(report.size).toBeGreaterThan(0);
    });
  });
}
