/**
 * If-Match as RFC 9110 §13.1.1 has it — `*` and lists of ETags too — wherever a version is
 * checked, and an OpenAPI document that lists what the server answers and enforces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, sumyPoltava, type World } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: If-Match with *, lists and single ETags`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    it('corrects a ledger entry under *, under a list naming the current version, and refuses a list that does not', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      expect((await med.post('/agenda-items', { id: 'corridors', title: 'Corridors' })).statusCode).toBe(201);
      const fix = (title: string, ifMatch: string) => med.post('/agenda-items/corridors/corrections', { reason: 'retitled', item: { title } }, { 'if-match': ifMatch });
      const any = await fix('Corridors (1)', '*');
      expect(any.statusCode, any.body).toBe(200);
      expect(any.headers.etag).toBe('"2"');
      const listed = await fix('Corridors (2)', '"1", "2"');
      expect(listed.statusCode, listed.body).toBe(200);
      expect(json(listed).version).toBe(3);
      const first = await fix('Corridors (3)', '"3", W/"9"');
      expect(first.statusCode, first.body).toBe(200);
      for (const stale of ['"1", "2"', 'W/"4"', 'W/"4", "03"']) {
        const res = await fix('never', stale);
        expect(res.statusCode, `${stale} → ${res.body}`).toBe(412);
        expect(json(res).code).toBe('precondition_failed');
      }
      expect((await fix('never', '"4", garbage')).statusCode).toBe(400);
      expect(json(await med.get('/agenda-items/corridors'))).toMatchObject({ version: 4, title: 'Corridors (3)' });
    });

    it('amends a corridor and a site under * and a list', async () => {
      const ua = api(w.app, w.ua.liaison.token);
      const c = json(await ua.post('/corridors', sumyPoltava()));
      const amended = await ua.post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ title: 'Sumy → Poltava (amended)' }), reason: 'retitled' }, { 'if-match': '*' });
      expect(amended.statusCode, amended.body).toBe(200);
      expect((await ua.post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ title: 'again' }), reason: 'again' }, { 'if-match': '"2", "3"' })).statusCode).toBe(200);
      expect((await ua.post(`/corridors/${c.id}/amend`, { terms: sumyPoltava({ title: 'stale' }), reason: 'stale' }, { 'if-match': '"1", "2"' })).statusCode).toBe(412);
      const op = api(w.app, w.aid.operator.token);
      const site = { kind: 'hospital', name: 'District hospital', geometry: { type: 'Point', coordinates: [33.265, 50.36], radiusM: 500 }, contact: 'duty desk', distribution: ['ua'] };
      const s = json(await op.post('/sites', site));
      expect((await op.post(`/sites/${s.id}/amend`, { site: { ...site, name: 'District hospital No. 1' } }, { 'if-match': '"7", "1"' })).statusCode).toBe(200);
      expect((await op.post(`/sites/${s.id}/amend`, { site: { ...site, name: 'x' } }, { 'if-match': '"1"' })).statusCode).toBe(412);
    });

    it('documents what the server answers and enforces', async () => {
      const doc = json(await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' }));
      // A read that takes its points as a body: no resource in its path, no conflict, no reference to resolve.
      const check = doc.paths['/api/v1/deconfliction/check'].post;
      for (const s of ['404', '409', '422']) expect(Object.keys(check.responses), s).not.toContain(s);
      expect(check.parameters?.some((p: any) => p.name === 'Idempotency-Key') ?? false).toBe(false);
      const key = doc.paths['/api/v1/corridors'].post.parameters.find((p: any) => p.name === 'Idempotency-Key');
      expect(key.schema).toMatchObject({ minLength: 1, maxLength: 200, pattern: '\\S' });
      const ifMatch = doc.paths['/api/v1/agenda-items/{id}/corrections'].post.parameters.find((p: any) => p.name === 'If-Match');
      const pattern = new RegExp(ifMatch.schema.pattern);
      for (const ok of ['*', '"3"', '"3", "4"', 'W/"3"']) expect(pattern.test(ok), ok).toBe(true);
      expect(pattern.test('3')).toBe(false);
      // The server holds to that key schema: 201 characters, or a blank key, are refused.
      const ua = api(w.app, w.ua.liaison.token);
      expect((await ua.post('/corridors', sumyPoltava(), { 'idempotency-key': 'k'.repeat(201) })).statusCode).toBe(400);
      expect((await ua.post('/corridors', sumyPoltava(), { 'idempotency-key': '   ' })).statusCode).toBe(400);
    });
  });
}
