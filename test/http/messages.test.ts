/**
 * Refusals that say what was wrong: a number too large for a double, a key the JSON parser
 * refuses, a line break in an RRULE, a party named twice in a distribution.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, sumyPoltava, type World } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: problem details that say what was sent`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    it('says a number too large for a double is not a finite number, not "got null"', async () => {
      const res = await api(w.app, w.ua.viewer.token).raw('POST', '/deconfliction/check', '{"points":[{"lon":1e400,"lat":50,"at":"2022-03-08T10:00:00Z"}]}', { 'content-type': 'application/json' });
      expect(res.statusCode, res.body).toBe(400);
      const p = json(res);
      expect(p.errors[0].path).toBe('/points/0');
      expect(p.detail).toMatch(/got Infinity \(not a finite number/);
      expect(p.detail).not.toMatch(/got null/);
    });

    it('names a __proto__ key instead of calling valid JSON invalid', async () => {
      for (const [body, path] of [
        ['{"title":"x","__proto__":{"admin":true}}', '/__proto__'],
        ['{"route":{"type":"LineString","constructor":{"prototype":{}}}}', '/route/constructor'],
      ]) {
        const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', body as string, { 'content-type': 'application/json' });
        expect(res.statusCode, res.body).toBe(400);
        const p = json(res);
        expect(p.detail).not.toMatch(/not valid JSON/);
        expect(p.errors[0].path).toBe(path);
      }
      // Text that is not JSON is still said to be so.
      const broken = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', '{"title":', { 'content-type': 'application/json' });
      expect(json(broken).detail).toMatch(/not valid JSON/);
    });

    it('escapes a line break an RRULE holds when quoting it', async () => {
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3\nX-FORGED=1' }] }));
      expect(res.statusCode, res.body).toBe(400);
      const p = json(res);
      expect(p.code).toBe('invalid_rrule');
      expect(p.detail).not.toMatch(/[\n\r]/);
      expect(p.detail).toContain('\\u000a');
    });

    it('holds agreements to the same field rules: single lines, non-blank text, coordinates in range', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const agreement = { title: 'Corridors', date: '2022-03-03', venue: { name: 'Belovezhskaya Pushcha', coordinates: [23.84, 52.57] }, round: '2nd round', parties: [{ partyId: 'ua' }, { partyId: 'ru' }], text: 'Humanitarian corridors.' };
      for (const [body, path] of [
        [{ ...agreement, round: '2nd\u001b[2K round' }, '/round'],
        [{ ...agreement, text: '   ' }, '/text'],
        [{ ...agreement, venue: { name: 'x', coordinates: [200, 100] } }, '/venue/coordinates/0'],
        [{ ...agreement, parties: [{ partyId: 'ua', headOfDelegation: 'A\nB' }] }, '/parties/0/headOfDelegation'],
      ] as const) {
        const res = await med.post('/agreements', body);
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res).errors.map((e: any) => e.path)).toContain(path);
      }
      expect((await med.post('/agreements', { ...agreement, text: 'Line one.\nLine two.' })).statusCode).toBe(201);
    });

    it('refuses a party named twice in a distribution, naming the second', async () => {
      const site = { kind: 'hospital', name: 'District hospital', geometry: { type: 'Point', coordinates: [33.265, 50.36], radiusM: 500 }, contact: 'duty desk', distribution: ['ua', 'ru', 'ua'] };
      const res = await api(w.app, w.aid.operator.token).post('/sites', site);
      expect(res.statusCode, res.body).toBe(400);
      expect(json(res).errors.map((e: any) => e.path)).toEqual(['/distribution/2']);
      expect((await api(w.app, w.aid.operator.token).post('/sites', { ...site, distribution: ['ua', 'ru'] })).statusCode).toBe(201);
    });
  });
}
