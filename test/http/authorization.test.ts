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
      addMemberToAid: (p, r) => (p === 'mediator' || p === 'aid') && r === 'admin',
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
  });
}
