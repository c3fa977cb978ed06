import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type TestMember, type World } from '../helpers.js';

/**
 * Role × action over HTTP, for every member of every party in the test world: the HTTP layer
 * must give exactly the domain's answer (allowed → not 403; denied → 403 forbidden).
 */
for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: authorisation matrix over HTTP`, () => {
    let w: World;
    let members: [string, TestMember][];
    beforeAll(async () => {
      w = await makeWorld(engine);
      members = (['mediator', 'ua', 'ru', 'aid', 'observer'] as const).flatMap((p) =>
        (['admin', 'liaison', 'operator', 'viewer'] as const).map((r) => [`${p} ${r}`, w[p][r]] as [string, TestMember]),
      );
    });
    afterAll(async () => w?.close());

    /** Who may do it, by party and role. `ua` proposes every corridor used below. */
    const RULES: Record<string, (party: string, role: string) => boolean> = {
      propose: (p, r) => ['mediator', 'ua', 'ru'].includes(p) && ['admin', 'liaison'].includes(r),
      amend: (p, r) => ['mediator', 'ua'].includes(p) && ['admin', 'liaison'].includes(r),
      withdraw: (p, r) => ['mediator', 'ua'].includes(p) && ['admin', 'liaison'].includes(r),
      reject: (p, r) => p === 'ru' && ['admin', 'liaison'].includes(r),
      suspend: (p, r) => p === 'mediator' && ['admin', 'liaison'].includes(r),
      createParty: (p, r) => p === 'mediator' && r === 'admin',
      createAgreement: (p, r) => p === 'mediator' && ['admin', 'liaison'].includes(r),
      // The party's own admins only: the mediator may not add members to a party that has an admin.
      addMemberToAid: (p, r) => p === 'aid' && r === 'admin',
      read: () => true,
    };

    async function freshCorridor(): Promise<string> {
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava());
      return json(res).id;
    }

    async function guaranteedCorridor(): Promise<string> {
      const id = await freshCorridor();
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;
      for (const party of [w.ua, w.ru]) {
        const res = await api(w.app, party.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(bytes, party) });
        expect(res.statusCode).toBe(201);
      }
      return id;
    }

    let n = 0;
    const attempts: Record<string, (m: TestMember) => Promise<number>> = {
      propose: async (m) => (await api(w.app, m.token).post('/corridors', sumyPoltava())).statusCode,
      amend: async (m) => (await api(w.app, m.token).post(`/corridors/${await freshCorridor()}/amend`, { baseVersion: 1, terms: sumyPoltava({ widthM: 2100 }) })).statusCode,
      withdraw: async (m) => (await api(w.app, m.token).post(`/corridors/${await freshCorridor()}/withdraw`, { reason: 'test' })).statusCode,
      reject: async (m) => (await api(w.app, m.token).post(`/corridors/${await freshCorridor()}/reject`, { reason: 'test' })).statusCode,
      suspend: async (m) => (await api(w.app, m.token).post(`/corridors/${await guaranteedCorridor()}/suspend`, { reason: 'test' })).statusCode,
      createParty: async (m) => (await api(w.app, m.token).post('/parties', { kind: 'observer', name: `Observer ${n++}` })).statusCode,
      createAgreement: async (m) =>
        (await api(w.app, m.token).post('/agreements', { title: 't', date: '2022-03-03', venue: { name: 'v' }, round: '2', parties: [{ partyId: 'ua' }], text: 'x' })).statusCode,
      addMemberToAid: async (m) => (await api(w.app, m.token).post('/parties/aid/members', { name: `m${n++}`, role: 'viewer' })).statusCode,
      read: async (m) => (await api(w.app, m.token).get('/corridors')).statusCode,
    };

    for (const action of Object.keys(RULES)) {
      it(`${action}: exactly the allowed party kinds and roles may`, async () => {
        for (const [label, m] of members) {
          const [party = '', role = ''] = label.split(' ');
          const status = await attempts[action]!(m);
          const allowed = RULES[action]!(party, role);
          if (allowed) expect(status, `${label} ${action}`).toBeLessThan(300);
          else expect(status, `${label} ${action}`).toBe(403);
        }
      });
    }

    it('the mediator hands a new party its first admin and that admin’s first token, and can never get a token of a party', async () => {
      const mediator = api(w.app, w.mediator.admin.token);
      const party = json(await mediator.post('/parties', { id: 'icrc-like', kind: 'humanitarian', name: 'A relief agency' }));
      // A party with no admin: only an admin may be created for it.
      expect((await mediator.post(`/parties/${party.id}/members`, { name: 'Liaison', role: 'liaison' })).statusCode).toBe(403);
      const admin = await mediator.post(`/parties/${party.id}/members`, { name: 'First admin', role: 'admin' });
      expect(admin.statusCode, admin.body).toBe(201);
      const first = await mediator.post(`/members/${json(admin).id}/tokens`, { label: 'handed over' });
      expect(first.statusCode, first.body).toBe(201);
      // After that the party is its own: no second token for its admin, no more members.
      expect((await mediator.post(`/members/${json(admin).id}/tokens`, { label: 'again' })).statusCode).toBe(403);
      expect((await mediator.post(`/parties/${party.id}/members`, { name: 'Second admin', role: 'admin' })).statusCode).toBe(403);
      // Nor for a belligerent: a planted liaison, or a token for one it already has, would let
      // the mediator register a key in Russia's name and sign guarantees Russia never made.
      expect((await mediator.post('/parties/ru/members', { name: 'Planted', role: 'liaison' })).statusCode).toBe(403);
      expect((await mediator.post(`/members/${w.ru.liaison.memberId}/tokens`, {})).statusCode).toBe(403);
      expect(json(first).handedOver).toBe(true);
      // The handed-over token, which the mediator has seen, says whose it is and makes its holder a
      // token of its own; nothing else — not a member, not a key in the party's name, not a read.
      const handed = api(w.app, json(first).token);
      const me = await handed.get('/me');
      expect(me.statusCode, me.body).toBe(200);
      expect(json(me)).toMatchObject({ member: { id: json(admin).id }, handedOverToken: true });
      for (const refused of [
        await handed.post(`/parties/${party.id}/members`, { name: 'Operator', role: 'operator' }),
        await handed.post(`/parties/${party.id}/keys`, { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'OmhtxreWW6zO5GZOWdWmJ5EvzA4STU7j7qjzwckBw-8' } }),
        await handed.get('/corridors'),
        await handed.get(`/members/${w.ru.liaison.memberId}/tokens`),
      ]) {
        expect(refused.statusCode, refused.body).toBe(403);
        expect(json(refused)).toMatchObject({ code: 'token_handed_over', detail: expect.stringMatching(/issue yourself a token of your own/) });
      }
      expect((await handed.get(`/members/${json(admin).id}/tokens`)).statusCode).toBe(200);
      // Its own token retires the handed-over one, in the same step.
      const mine = await handed.post(`/members/${json(admin).id}/tokens`, { label: 'my own' });
      expect(mine.statusCode, mine.body).toBe(201);
      expect(json(mine).handedOver).toBe(false);
      expect((await handed.get('/me')).statusCode).toBe(401);
      // The new party's admin manages it from here.
      const own = api(w.app, json(mine).token);
      expect(json(await own.get('/me')).handedOverToken).toBe(false);
      expect((await own.post(`/parties/${party.id}/members`, { name: 'Operator', role: 'operator' })).statusCode).toBe(201);
      // The mediator may still list and revoke a party's tokens (a compromised token is stopped), not act with them.
      const tokens = await mediator.get(`/members/${json(admin).id}/tokens`);
      expect(tokens.statusCode, tokens.body).toBe(200);
      expect(json(tokens).map((t: { label: string; handedOver: boolean; revokedAt: string | null }) => [t.label, t.handedOver, t.revokedAt !== null]).sort()).toEqual([
        ['handed over', true, true],
        ['my own', false, false],
      ]);
      expect((await mediator.post(`/tokens/${json(mine).id}/revoke`, {})).statusCode).toBe(200);
      expect((await own.get('/me')).statusCode).toBe(401);
      // The log says the handed-over token was retired, and by whom.
      const entries = (json(await mediator.get('/log/entries?start=0&end=1000')).entries as { entry: string }[]).map((e) => JSON.parse(Buffer.from(e.entry, 'base64').toString('utf8')));
      const tokenEntries = entries.filter((e) => e.subject === `member/${json(admin).id}` && String(e.action).startsWith('token.')).map((e) => [e.action, e.actor, e.payload]);
      expect(tokenEntries).toEqual([
        ['token.issued', w.mediator.admin.memberId, { tokenId: json(first).id, label: 'handed over', handedOver: true }],
        ['token.revoked', json(admin).id, { tokenId: json(first).id, reason: 'replaced the token handed over' }],
        ['token.issued', json(admin).id, { tokenId: json(mine).id, label: 'my own' }],
        ['token.revoked', w.mediator.admin.memberId, { tokenId: json(mine).id }],
      ]);
    });

    it('hands over only to a party that cannot act by itself; one handed-over token makes one token, even raced; no secret is kept for replay', async () => {
      const mediator = api(w.app, w.mediator.admin.token);
      const pid = `relief-${engine}`;
      expect((await mediator.post('/parties', { id: pid, kind: 'humanitarian', name: `Relief ${engine}` })).statusCode).toBe(201);
      const alice = json(await mediator.post(`/parties/${pid}/members`, { name: 'Alice', role: 'admin' }));
      const handed = json(await mediator.post(`/members/${alice.id}/tokens`, { label: 'handed over' }));
      expect((await w.app.inject({ method: 'HEAD', url: '/api/v1/me', headers: { authorization: `Bearer ${handed.token}` } })).statusCode).toBe(200);
      // Raced: of several requests with the same handed-over token, exactly one makes a token.
      const raced = await Promise.all([1, 2, 3, 4].map((i) => api(w.app, handed.token).post(`/members/${alice.id}/tokens`, { label: `race ${i}` })));
      expect(raced.map((r) => r.statusCode).sort()).toEqual([201, 401, 401, 401]);
      const own = json(raced.find((r) => r.statusCode === 201) as (typeof raced)[number]).token as string;
      const list = json(await api(w.app, own).get(`/members/${alice.id}/tokens`)) as { handedOver: boolean; revokedAt: string | null }[];
      expect(list.filter((t) => t.revokedAt === null).map((t) => t.handedOver)).toEqual([false]);
      // The party acts by itself now: the mediator hands nothing more over, to a new admin (made by
      // the party) or to a liaison, though neither holds a token yet.
      const carol = json(await api(w.app, own).post(`/parties/${pid}/members`, { name: 'Carol', role: 'admin' }));
      const lena = json(await api(w.app, own).post(`/parties/${pid}/members`, { name: 'Lena', role: 'liaison' }));
      expect((await mediator.post(`/members/${carol.id}/tokens`, {})).statusCode).toBe(403);
      expect((await mediator.post(`/members/${lena.id}/tokens`, {})).statusCode).toBe(403);
      // Any member rotates its own token, not only admins.
      const lenaToken = json(await api(w.app, own).post(`/members/${lena.id}/tokens`, { label: 'from Alice' })).token as string;
      expect((await api(w.app, lenaToken).post(`/members/${lena.id}/tokens`, { label: 'rotated' })).statusCode).toBe(201);
      // A token's secret is not kept for replay: the record holds a message, and a retry is a 409.
      const withKey = await api(w.app, own).post(`/members/${alice.id}/tokens`, { label: 'keyed' }, { 'idempotency-key': 'k-tok-1' });
      expect(withKey.statusCode).toBe(201);
      const records = await w.store.db.selectFrom('idempotency').select('response').execute();
      expect(records.some((r) => r.response.includes(json(withKey).token))).toBe(false);
      const retry = await api(w.app, own).post(`/members/${alice.id}/tokens`, { label: 'keyed' }, { 'idempotency-key': 'k-tok-1' });
      expect(retry.statusCode).toBe(409);
      expect(json(retry)).toMatchObject({ code: 'duplicate', detail: expect.stringMatching(/shown only once/) });
      // Locked out (the mediator revoked every token of the party): it may hand over again, visibly.
      for (const t of json(await mediator.get(`/members/${alice.id}/tokens`)) as { id: string; revokedAt: string | null }[]) if (t.revokedAt === null) await mediator.post(`/tokens/${t.id}/revoke`, {});
      for (const m of [carol, lena]) for (const t of json(await mediator.get(`/members/${m.id}/tokens`)) as { id: string; revokedAt: string | null }[]) if (t.revokedAt === null) await mediator.post(`/tokens/${t.id}/revoke`, {});
      const again = await mediator.post(`/members/${alice.id}/tokens`, { label: 'restored' });
      expect(again.statusCode, again.body).toBe(201);
      expect(json(again).handedOver).toBe(true);
    });
  });
}
