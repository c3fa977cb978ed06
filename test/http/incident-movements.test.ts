import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/app/events.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava } from '../helpers.js';

const LOKH: [number, number] = [33.265, 50.36];

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: incidents matched to movements near them`, () => {
    it('records the movements within 5 km and 30 minutes, tells only those who may see them', async () => {
      const w = await makeWorld(engine);
      try {
        const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM: 6000 })));
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
        for (const p of [w.ua, w.ru]) await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
        w.clock.set('2022-03-08T10:30:00Z');
        const body = (title: string, device: string) => ({
          corridorId: c.id,
          title,
          plannedDeparture: '2022-03-08T10:00:00+02:00',
          vehicles: [{ plate: title, type: 'bus', seats: 50, trackerDeviceId: device }],
          manifest: { people: { adults: 40 }, cargo: [] },
          distribution: ['ua'],
        });
        const near = json(await api(w.app, w.aid.operator.token).post('/movements', body('near', 'dev-near')));
        const far = json(await api(w.app, w.aid.operator.token).post('/movements', body('far', 'dev-far')));
        const late = json(await api(w.app, w.aid.operator.token).post('/movements', body('late', 'dev-late')));
        const fixes = [
          { deviceId: 'dev-near', at: '2022-03-08T10:05:00Z', lon: LOKH[0] + 0.02, lat: LOKH[1], speed: 10 }, // ~1.4 km away, 5 min before
          { deviceId: 'dev-far', at: '2022-03-08T10:05:00Z', lon: LOKH[0] + 0.3, lat: LOKH[1] + 0.2, speed: 10 }, // ~30 km away
          { deviceId: 'dev-late', at: '2022-03-08T11:00:00Z', lon: LOKH[0], lat: LOKH[1], speed: 10 }, // here, but 50 min later
        ];
        expect((await api(w.app, w.aid.operator.token).post('/positions', { fixes })).statusCode).toBe(200);
        const rep = await api(w.app, w.ru.liaison.token).post('/incidents', {
          kind: 'shelling',
          severity: 'severe',
          geometry: { type: 'Point', coordinates: LOKH },
          occurredAt: '2022-03-08T10:10:00Z',
          description: 'Shelling near Lokhvytsia',
          evidence: [],
        });
        expect(rep.statusCode, rep.body).toBe(201);
        const inc = json(rep);
        // The reporter (ru) is not on the movements' distribution: it learns of none of them.
        expect(inc.movementIds).toEqual([]);
        expect(inc.corridorIds).toEqual([c.id]);
        for (const who of [w.aid.viewer, w.ua.viewer, w.mediator.viewer]) {
          expect(json(await api(w.app, who.token).get(`/incidents/${inc.id}`)).movementIds).toEqual([near.id]);
        }
        expect(json(await api(w.app, w.ru.viewer.token).get(`/incidents/${inc.id}`)).movementIds).toEqual([]);
        expect(json(await api(w.app, w.ru.viewer.token).get('/incidents')).find((i: any) => i.id === inc.id).movementIds).toEqual([]);
        // Nor through the answers to its own writes on the report (they told it before).
        const disputed = await api(w.app, w.ru.liaison.token).post(`/incidents/${inc.id}/disputes`, { statement: 'We dispute the time.' });
        expect(disputed.statusCode, disputed.body).toBe(201);
        expect(json(disputed).movementIds).toEqual([]);
        const corrected = await api(w.app, w.ru.liaison.token).post(`/incidents/${inc.id}/corrections`, { severity: 'moderate', reason: 'second look' });
        expect(corrected.statusCode, corrected.body).toBe(200);
        expect(json(corrected).movementIds).toEqual([]);
        // The mediator's viewers read; they do not rewrite a party's report.
        expect((await api(w.app, w.mediator.viewer.token).post(`/incidents/${inc.id}/corrections`, { severity: 'minor', reason: 'downplayed' })).statusCode).toBe(403);
        const told = (await readEvents(w.store.db, 0)).filter((e) => e.type === 'movement.incident_nearby');
        expect(told).toEqual([expect.objectContaining({ subject: `movement/${near.id}`, audience: ['aid', 'ua'], payload: expect.objectContaining({ incidentId: inc.id, movementId: near.id }) })]);
        expect([far.id, late.id]).not.toContain(told[0]?.payload && (told[0].payload as { movementId: string }).movementId);
        // An incident restricted to its reporter's own party reaches no one else through a movement:
        // neither the operator nor the party on the movement's distribution hear of it, or where.
        const secret = await api(w.app, w.ru.liaison.token).post('/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: LOKH }, occurredAt: '2022-03-08T10:12:00Z', description: 'Seen by ru only', evidence: [], distribution: ['ru'] });
        expect(secret.statusCode, secret.body).toBe(201);
        const toldOfSecret = (await readEvents(w.store.db, 0)).filter((e) => e.type === 'movement.incident_nearby' && (e.payload as { incidentId: string }).incidentId === json(secret).id);
        expect(toldOfSecret.map((e) => e.audience)).toEqual([[]]); // the mediator's alone
        // Analysts' exports obey the distribution too.
        const geo = json(await api(w.app, w.ua.viewer.token).get('/exports/movements.geojson'));
        expect(geo.features.map((f: any) => f.id).sort()).toEqual([near.id, far.id, late.id].sort());
        expect(geo.features.find((f: any) => f.id === near.id)).toMatchObject({ geometry: { type: 'Point', coordinates: [LOKH[0] + 0.02, LOKH[1]] }, properties: { people: 40, corridorId: c.id } });
        expect(json(await api(w.app, w.ru.viewer.token).get('/exports/movements.geojson')).features).toEqual([]);
        const csv = (await api(w.app, w.ua.viewer.token).get('/exports/movements.csv')).body.split('\r\n').filter(Boolean);
        expect(csv[1]).toMatch(/^#activity\+id,/);
        expect(csv).toHaveLength(2 + 3);
        expect((await api(w.app, w.ru.viewer.token).get('/exports/movements.csv')).body.split('\r\n').filter(Boolean)).toHaveLength(2);
        expect((await api(w.app, undefined).get('/exports/movements.csv')).statusCode).toBe(401);
      } finally {
        await w.close();
      }
    });
  });
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: incident areas`, () => {
    it('matches a polygon that a corridor crosses even when none of its vertices lies in the zone', async () => {
      const w = await makeWorld(engine);
      try {
        const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM: 1000 })));
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
        for (const p of [w.ua, w.ru]) await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
        w.clock.set('2022-03-08T10:30:00Z');
        // A thin strip across the route at Lokhvytsia, its corners ~7 km either side of it.
        const strip = [[LOKH[0] - 0.1, LOKH[1] - 0.002], [LOKH[0] + 0.1, LOKH[1] - 0.002], [LOKH[0] + 0.1, LOKH[1] + 0.002], [LOKH[0] - 0.1, LOKH[1] + 0.002], [LOKH[0] - 0.1, LOKH[1] - 0.002]];
        const rep = await api(w.app, w.aid.operator.token).post('/incidents', { kind: 'obstruction', severity: 'moderate', geometry: { type: 'Polygon', coordinates: [strip] }, occurredAt: '2022-03-08T10:00:00Z', description: 'Road blocked across the corridor', evidence: [] });
        expect(rep.statusCode, rep.body).toBe(201);
        expect(json(rep).corridorIds).toEqual([c.id]);
        // A strip beside the route, not touching the zone, is not matched.
        const beside = strip.map(([lon, lat]) => [lon! + 0.3, lat!]);
        expect(json(await api(w.app, w.aid.operator.token).post('/incidents', { kind: 'obstruction', severity: 'moderate', geometry: { type: 'Polygon', coordinates: [beside] }, occurredAt: '2022-03-08T10:00:00Z', description: 'elsewhere', evidence: [] })).corridorIds).toEqual([]);
      } finally {
        await w.close();
      }
    });
  });
}
