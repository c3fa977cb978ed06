import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';

const LOKHVYTSIA = { lon: 33.265, lat: 50.36 };
const IN_WINDOW = '2022-03-08T12:00:00+02:00';

function site(overrides: Record<string, unknown> = {}) {
  return {
    kind: 'hospital',
    name: 'Lokhvytsia district hospital',
    geometry: { type: 'Point', coordinates: [LOKHVYTSIA.lon, LOKHVYTSIA.lat], radiusM: 500 },
    contact: 'duty desk +380 00 000 0000',
    distribution: ['ua'],
    ...overrides,
  };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: ceasefire zones, protected sites and deconfliction`, () => {
    let w: World;
    let corridorId: string;
    beforeAll(async () => {
      w = await makeWorld(engine);
      const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
      corridorId = c.id;
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
    });
    afterAll(async () => w?.close());

    const check = (token: string, points: unknown[], distances = false) => api(w.app, token).post('/deconfliction/check', { points, distances });

    it('derives ceasefire zones from guaranteed corridors inside their windows, as closed right-hand polygons', async () => {
      const res = await api(w.app, w.observer.viewer.token).get(`/ceasefire-zones?at=${encodeURIComponent(IN_WINDOW)}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/geo\+json/);
      const fc = json(res);
      const f = fc.features.find((x: any) => x.properties.corridorId === corridorId);
      expect(f.properties).toMatchObject({ version: 1, state: 'guaranteed', window: { timeZone: 'Europe/Kyiv' } });
      const ring: [number, number][] = f.geometry.coordinates[0];
      expect(ring[0]).toEqual(ring.at(-1));
      // Counter-clockwise exterior (positive shoelace area in lon/lat).
      let area = 0;
      for (let i = 1; i < ring.length; i++) area += (ring[i - 1]![0] * ring[i]![1] - ring[i]![0] * ring[i - 1]![1]) / 2;
      expect(area).toBeGreaterThan(0);
      const outside = json(await api(w.app, w.observer.viewer.token).get('/ceasefire-zones?at=2022-03-09T12:00:00Z'));
      expect(outside.features.find((x: any) => x.properties.corridorId === corridorId)).toBeUndefined();
    });

    it('answers per point and instant, and a suspension changes the very next answer', async () => {
      const pts = [
        { ...LOKHVYTSIA, at: IN_WINDOW },
        { ...LOKHVYTSIA, at: '2022-03-09T12:00:00+02:00' },
        { lon: 30.5, lat: 46.5, at: IN_WINDOW },
      ];
      const r1 = json(await check(w.ua.viewer.token, pts, true)).results;
      expect(r1[0].corridors).toContain(corridorId);
      expect(r1[0].distances[corridorId]).toBeLessThan(5);
      expect(r1[1].corridors).not.toContain(corridorId);
      expect(r1[2].corridors).toEqual([]);
      w.clock.set('2022-03-08T10:30:00Z');
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${corridorId}/suspend`, { reason: 'shelling', since: '2022-03-08T10:00:00Z' })).statusCode).toBe(200);
      expect(json(await check(w.ua.viewer.token, pts)).results[0].corridors).not.toContain(corridorId);
      expect(json(await check(w.ua.viewer.token, [{ ...LOKHVYTSIA, at: '2022-03-08T09:30:00Z' }])).results[0].corridors).toContain(corridorId);
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${corridorId}/resume`, { reason: 'calm' })).statusCode).toBe(200);
      expect(json(await check(w.ua.viewer.token, [{ ...LOKHVYTSIA, at: '2022-03-08T13:00:00+02:00' }])).results[0].corridors).toContain(corridorId);
      w.clock.set('2022-03-01T08:00:00Z');
    });

    it('runs the sites workflow and never shows a site outside its distribution', async () => {
      const created = await api(w.app, w.aid.operator.token).post('/sites', site());
      expect(created.statusCode, created.body).toBe(201);
      const s = json(created);
      expect(s).toMatchObject({ state: 'active', version: 1, operatorPartyId: 'aid', awaitingAcknowledgement: ['ua'] });
      // Visible to the operator, the mediator and the distribution; invisible (404, not 403) to others.
      for (const who of [w.aid.viewer, w.mediator.viewer, w.ua.viewer]) expect((await api(w.app, who.token).get(`/sites/${s.id}`)).statusCode).toBe(200);
      for (const who of [w.ru.admin, w.observer.viewer]) {
        expect((await api(w.app, who.token).get(`/sites/${s.id}`)).statusCode).toBe(404);
        expect(json(await api(w.app, who.token).get('/sites')).map((x: any) => x.id)).not.toContain(s.id);
        expect(json(await check(who.token, [{ ...LOKHVYTSIA, at: IN_WINDOW }])).results[0].sites).not.toContain(s.id);
        expect((await api(w.app, who.token).post(`/sites/${s.id}/acknowledge`, {})).statusCode).toBe(404);
      }
      expect(json(await check(w.ua.viewer.token, [{ ...LOKHVYTSIA, at: IN_WINDOW }])).results[0].sites).toContain(s.id);
      expect(json(await check(w.mediator.viewer.token, [{ ...LOKHVYTSIA, at: IN_WINDOW }])).results[0].sites).toContain(s.id);
      // The log records it as a commitment only: every member reads the log, and learns nothing of the site.
      const entries = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('subject', '=', `site/${s.id}`).execute();
      expect(entries.length).toBe(1);
      expect(JSON.parse(entries[0]!.entry)).toEqual({ index: entries[0]!.idx, time: expect.any(String), actor: 'restricted', action: 'restricted', subject: 'restricted', payload: { commitment: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      // Acknowledge, amend (re-acknowledge), withdraw.
      expect((await api(w.app, w.ua.viewer.token).post(`/sites/${s.id}/acknowledge`, {})).statusCode).toBe(403);
      const acked = json(await api(w.app, w.ua.liaison.token).post(`/sites/${s.id}/acknowledge`, {}));
      expect(acked.awaitingAcknowledgement).toEqual([]);
      expect((await api(w.app, w.ua.liaison.token).post(`/sites/${s.id}/acknowledge`, {})).statusCode).toBe(409);
      expect((await api(w.app, w.ua.liaison.token).get(`/sites/${s.id}`)).headers.etag).toBe('"1"');
      const amendedRes = await api(w.app, w.aid.operator.token).post(`/sites/${s.id}/amend`, { baseVersion: 1, site: site({ name: 'Lokhvytsia hospital (new wing)' }) });
      expect(amendedRes.headers.etag).toBe('"2"');
      const amended = json(amendedRes);
      expect(amended).toMatchObject({ version: 2, awaitingAcknowledgement: ['ua'] });
      expect((await api(w.app, w.ua.liaison.token).get(`/sites/${s.id}`)).headers.etag).toBe('"2"');
      expect((await api(w.app, w.ua.liaison.token).post(`/sites/${s.id}/amend`, { site: site() })).statusCode).toBe(403);
      // If-Match: a stale version is 412 and nothing changes.
      const stale = await api(w.app, w.aid.operator.token).post(`/sites/${s.id}/amend`, { site: site({ name: 'Lokhvytsia hospital (east wing)' }) }, { 'if-match': '"1"' });
      expect(stale.statusCode, stale.body).toBe(412);
      expect(json(stale)).toMatchObject({ code: 'precondition_failed', currentVersion: 2 });
      // An amendment that changes nothing would only ask for the acknowledgements again: refused.
      const same = await api(w.app, w.aid.operator.token).post(`/sites/${s.id}/amend`, { baseVersion: 2, site: site({ name: 'Lokhvytsia hospital (new wing)' }) });
      expect(same.statusCode, same.body).toBe(400);
      expect(json(same)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/site', message: 'the same as version 2' }] });
      // Not by a viewer, the mediator's included.
      expect((await api(w.app, w.mediator.viewer.token).post(`/sites/${s.id}/withdraw`, { reason: 'intern click' })).statusCode).toBe(403);
      const withdrawn = json(await api(w.app, w.aid.operator.token).post(`/sites/${s.id}/withdraw`, { reason: 'closed' }));
      expect(withdrawn.state).toBe('withdrawn');
      expect(json(await check(w.ua.viewer.token, [{ ...LOKHVYTSIA, at: IN_WINDOW }])).results[0].sites).not.toContain(s.id);
      // Belligerents do not notify sites.
      expect((await api(w.app, w.ua.liaison.token).post('/sites', site())).statusCode).toBe(403);
    });

    it('refuses bad sites with the offending path', async () => {
      const sq = (lon: number, lat: number, d: number): number[][] => [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]];
      const cases: [unknown, string][] = [
        [site({ geometry: { type: 'Point', coordinates: [33, 50], radiusM: 0 } }), '/geometry/radiusM'],
        [site({ geometry: { type: 'Point', coordinates: [33, 50], radiusM: 50_001 } }), '/geometry/radiusM'],
        [site({ geometry: { type: 'Point', coordinates: [233, 50], radiusM: 10 } }), '/geometry/coordinates'],
        [site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33.1, 50], [33.1, 50.1], [33, 50.1]]] } }), '/geometry/coordinates/0'],
        [site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33.1, 50.1], [33.1, 50], [33, 50.1], [33, 50]]] } }), '/geometry/coordinates/0/2'],
        // Where the index ends, and places no bigger than a circle site may be (a polygon round
        // the globe took the index over a minute to raster, blocking every request meanwhile).
        [site({ geometry: { type: 'Point', coordinates: [33, 86], radiusM: 10 } }), '/geometry/coordinates'],
        [site({ geometry: { type: 'Polygon', coordinates: [[[-170, -80], [170, -80], [170, 80], [-170, 80], [-170, -80]]] } }), '/geometry/coordinates/0/0'],
        [site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [34, 50], [34, 51], [33, 51], [33, 50]]] } }), '/geometry/coordinates/0/0'],
        [site({ geometry: { type: 'Polygon', coordinates: [[[179.9, 50], [-179.9, 50], [-179.9, 50.1], [179.9, 50.1], [179.9, 50]]] } }), '/geometry/coordinates/0/0'],
        [site({ geometry: { type: 'Polygon', coordinates: [Array.from({ length: 1001 }, (_, i) => (i === 1000 ? [33, 50] : [33 + 0.01 * Math.cos(i / 159), 50 + 0.01 * Math.sin(i / 159)]))] } }), '/geometry/coordinates/0'],
        // A ring with no area: one point four times.
        [site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33, 50], [33, 50], [33, 50]]] } }), '/geometry/coordinates/0'],
        // A circle reaching across the antimeridian (the index's longitudes end there).
        [site({ geometry: { type: 'Point', coordinates: [179.9, -16.8], radiusM: 30_000 } }), '/geometry/coordinates'],
        [site({ geometry: { type: 'Point', coordinates: [-179.95, 10], radiusM: 10_000 } }), '/geometry/coordinates'],
        // Holes: outside the exterior, across it, inside another hole.
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33.5, 50.5, 0.01)] } }), '/geometry/coordinates/1/0'],
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33.09, 50.05, 0.02)] } }), '/geometry/coordinates/1/1'],
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33.02, 50.02, 0.05), sq(33.03, 50.03, 0.01)] } }), '/geometry/coordinates/2/0'],
        // Two holes that cross, the second starting outside the first (one position per hole missed it).
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33.02, 50.02, 0.03), [[33.01, 50.03], [33.06, 50.03], [33.06, 50.04], [33.01, 50.04], [33.01, 50.03]]] } }), '/geometry/coordinates/2/0'],
        // A hole whose every corner is inside a U-shaped exterior, its edges across the notch.
        [site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33.1, 50], [33.1, 50.1], [33.07, 50.1], [33.07, 50.03], [33.03, 50.03], [33.03, 50.1], [33, 50.1], [33, 50]], [[33.01, 50.05], [33.09, 50.05], [33.09, 50.06], [33.01, 50.06], [33.01, 50.05]]] } }), '/geometry/coordinates/1/0'],
        // A hole sharing a stretch of two exterior edges (rings may touch at points only).
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33, 50, 0.02)] } }), '/geometry/coordinates/1/0'],
        // The same hole twice.
        [site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), sq(33.02, 50.02, 0.01), sq(33.02, 50.02, 0.01)] } }), '/geometry/coordinates/2/0'],
      ];
      for (const [body, path] of cases) {
        const res = await api(w.app, w.aid.operator.token).post('/sites', body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(json(res).errors.map((e: any) => e.path)).toContain(path);
      }
      // Near the antimeridian but clear of it.
      expect((await api(w.app, w.aid.operator.token).post('/sites', site({ geometry: { type: 'Point', coordinates: [179, -16.8], radiusM: 30_000 } }))).statusCode).toBe(201);
      // A hole inside, touching the exterior at one point, is a hole; so are two holes touching at a corner.
      const diamond = [[33.05, 50], [33.07, 50.02], [33.05, 50.04], [33.03, 50.02], [33.05, 50]];
      const holed = await api(w.app, w.aid.operator.token).post('/sites', site({ geometry: { type: 'Polygon', coordinates: [sq(33, 50, 0.1), diamond, sq(33.07, 50.04, 0.02)] } }));
      expect(holed.statusCode, holed.body).toBe(201);
      // Twenty rings of 1,000 positions each, the most a site may have, are judged (an R-tree finds the edge pairs).
      const ring = (lon: number, lat: number) => Array.from({ length: 1000 }, (_, i) => (i === 999 ? [lon + 0.004, lat] : [lon + 0.004 * Math.cos((2 * Math.PI * i) / 999), lat + 0.004 * Math.sin((2 * Math.PI * i) / 999)]));
      const many = [sq(33, 50, 0.1), ...Array.from({ length: 19 }, (_, k) => ring(33.01 + 0.01 * (k % 9), 50.01 + 0.02 * Math.floor(k / 9)))];
      const big = await api(w.app, w.aid.operator.token).post('/sites', site({ geometry: { type: 'Polygon', coordinates: many } }));
      expect(big.statusCode, big.body.slice(0, 300)).toBe(201);
      // A polygon of ~10 km still fits.
      const fits = await api(w.app, w.aid.operator.token).post('/sites', site({ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33.1, 50], [33.1, 50.05], [33, 50.05], [33, 50]]] } }));
      expect(fits.statusCode, fits.body).toBe(201);
      const unknown = await api(w.app, w.aid.operator.token).post('/sites', site({ distribution: ['narnia'] }));
      expect(unknown.statusCode).toBe(422);
    });

    it('refuses bad check points naming the index, and more than 100,000 points', async () => {
      const good = { ...LOKHVYTSIA, at: IN_WINDOW };
      const cases: [unknown[], number][] = [
        [[good, good, good, { lon: 200, lat: 50, at: IN_WINDOW }], 3],
        [[good, { lon: 33, lat: -95, at: IN_WINDOW }], 1],
        [[{ lon: 33, lat: 50, at: 'yesterday' }], 0],
        [[good, { lon: '33', lat: 50, at: IN_WINDOW }], 1],
        [[good, null], 1],
        [[{ lat: 50, at: IN_WINDOW }], 0],
      ];
      for (const [points, index] of cases) {
        const res = await check(w.ua.viewer.token, points);
        expect(res.statusCode).toBe(400);
        expect(json(res)).toMatchObject({ code: 'validation_failed', index });
        expect(json(res).errors[0].path).toBe(`/points/${index}`);
      }
      const many = await check(w.ua.viewer.token, new Array(100_001).fill(good));
      expect(many.statusCode).toBe(400);
      expect(json(many).detail).toMatch(/at most 100000 points/);
      const max = await check(w.ua.viewer.token, new Array(100_000).fill(good));
      expect(max.statusCode).toBe(200);
      expect(json(max).results).toHaveLength(100_000);
    });

    it('explains a point in words: which zone covers it and whether its ceasefire held', async () => {
      const explain = async (at: string) => json(await api(w.app, w.ua.viewer.token).get(`/deconfliction/explain?lon=${LOKHVYTSIA.lon}&lat=${LOKHVYTSIA.lat}&at=${encodeURIComponent(at)}`));
      const e = await explain('2022-03-08T09:30:00Z');
      expect(e.corridors).toEqual([expect.objectContaining({ id: corridorId, ceasefireHolds: true, distanceM: 0 })]);
      // The suspension of the earlier test covered 10:00Z to 10:30Z.
      const during = await explain('2022-03-08T10:15:00Z');
      expect(during.corridors[0]).toMatchObject({ ceasefireHolds: false, reasons: [{ code: 'suspended', since: '2022-03-08T10:00:00Z', reason: 'shelling' }] });
      const later = await explain('2022-03-09T12:00:00Z');
      expect(later.corridors[0]).toMatchObject({ ceasefireHolds: false, state: 'closed' });
    });
  });
}
