import { HIDDEN_AREA, HIDDEN_ROUTE } from '../fixtures/hidden-zone.js';
import type { KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/app/events.js';
import { matchIncident } from '../../src/app/incidents.js';
import { api, guaranteedCorridor, ENGINES, json, makeWorld } from '../helpers.js';

const SHA = 'a'.repeat(64);

function shelling(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'shelling',
    severity: 'severe',
    geometry: { type: 'Point', coordinates: [33.265, 50.36] },
    occurredAt: '2022-03-08T10:00:00Z',
    description: 'Shelling near the Lokhvytsia checkpoint',
    evidence: [{ sha256: SHA, name: 'photo.jpg' }],
    casualties: { injured: 2 },
    ...overrides,
  };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: incidents`, () => {
    it('matches a report to the corridor whose ceasefire held there; confirming it suspends the corridor in the same transaction, naming the incident', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        // No policy in the terms means the default: shelling, small-arms fire, air strikes and mines suspend.
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).terms.suspensionPolicy).toBeUndefined();
        w.clock.set('2022-03-08T10:05:00Z');
        const rep = await api(w.app, w.aid.operator.token).post('/incidents', shelling());
        expect(rep.statusCode, rep.body).toBe(201);
        const inc = json(rep);
        expect(inc).toMatchObject({ state: 'reported', corridorIds: [id], version: 1, reporterPartyId: 'aid' });
        // Outside the window, or far away, nothing matches.
        expect(json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ occurredAt: '2022-03-07T10:00:00Z' }))).corridorIds).toEqual([]);
        expect(json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ geometry: { type: 'Point', coordinates: [24, 49.8] } }))).corridorIds).toEqual([]);
        // A polygon around the checkpoint matches too.
        const poly = { type: 'Polygon', coordinates: [[[33.2, 50.3], [33.3, 50.3], [33.3, 50.4], [33.2, 50.4], [33.2, 50.3]]] };
        expect(json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ geometry: poly, kind: 'obstruction' }))).corridorIds).toEqual([id]);

        expect((await api(w.app, w.ua.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'x' })).statusCode).toBe(403);
        const conf = await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'confirmed by two observers' });
        expect(conf.statusCode, conf.body).toBe(200);
        expect(json(conf)).toMatchObject({ state: 'confirmed', decisionReason: 'confirmed by two observers' });
        expect(json(conf).suspensionIds).toHaveLength(1);
        const c = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`));
        expect(c.state).toBe('suspended');
        expect(c.suspensions[0]).toMatchObject({ since: '2022-03-08T10:00:00.000Z', until: null, id: json(conf).suspensionIds[0] });
        expect(c.suspensions[0].reason).toMatch(new RegExp(`^Shelling \\(confirmed incident ${inc.id}\\)`));
        // The same as structured data, for an app to say in its reader's language (not the English reason).
        expect(c.suspensions[0].incident).toEqual({ id: inc.id, kind: 'shelling' });
        const status = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/status?at=2022-03-08T12:00:00Z`));
        expect(status.open).toBe(false);
        expect((await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'again' })).statusCode).toBe(409);

        const types = (await readEvents(w.store.db, 0)).map((e) => e.type);
        expect(types.slice(-2)).toEqual(['corridor.suspended', 'incident.confirmed']);

        // Disputes by any party's negotiators; observers do not speak for a party.
        expect((await api(w.app, w.ru.liaison.token).post(`/incidents/${inc.id}/disputes`, { statement: 'No firing from our positions.' })).statusCode).toBe(201);
        expect((await api(w.app, w.observer.viewer.token).post(`/incidents/${inc.id}/disputes`, { statement: 'x' })).statusCode).toBe(403);
        const got = json(await api(w.app, w.observer.viewer.token).get(`/incidents/${inc.id}`));
        expect(got.disputes).toMatchObject([{ partyId: 'ru', statement: 'No firing from our positions.' }]);
        // Corrections are new versions; evidence is only ever added.
        const cor = await api(w.app, w.aid.operator.token).post(`/incidents/${inc.id}/corrections`, { casualties: { injured: 3 }, evidence: [{ sha256: 'B'.repeat(64) }], reason: 'hospital figures' });
        expect(cor.statusCode, cor.body).toBe(200);
        expect(json(cor)).toMatchObject({ version: 2, casualties: { injured: 3 }, evidence: [{ sha256: SHA }, { sha256: 'b'.repeat(64) }] });
        // The version to send back in If-Match is the ETag of the report and of the correction's answer.
        expect(cor.headers.etag).toBe('"2"');
        expect((await api(w.app, w.observer.viewer.token).get(`/incidents/${inc.id}`)).headers.etag).toBe('"2"');
        // If-Match guards a correction against one made meanwhile: a stale or weak tag is 412, nothing changes.
        for (const tag of ['"1"', 'W/"2"', '"02"', '"99"']) {
          const stale = await api(w.app, w.aid.operator.token).post(`/incidents/${inc.id}/corrections`, { severity: 'minor', reason: 'stale view' }, { 'if-match': tag });
          expect(stale.statusCode, `${tag}: ${stale.body}`).toBe(412);
          expect(json(stale).code).toBe('precondition_failed');
        }
        const current = await api(w.app, w.aid.operator.token).post(`/incidents/${inc.id}/corrections`, { severity: 'minor', reason: 'seen version 2' }, { 'if-match': '"2"' });
        expect(json(current)).toMatchObject({ version: 3, severity: 'minor' });
        expect(current.headers.etag).toBe('"3"');
        // The resumption is the mediator's, with a reason.
        // A movement notified to depart while it is suspended carries the warning as data too:
        // the instant, the corridor's state, since when and by which incident.
        const mov = await api(w.app, w.aid.operator.token).post('/movements', { corridorId: id, title: 'Held convoy', plannedDeparture: '2022-03-08T12:00:00Z', vehicles: [{ plate: 'AA 1', type: 'bus' }], manifest: { people: { adults: 3 } }, distribution: ['ua'] });
        expect(mov.statusCode, mov.body).toBe(201);
        expect(json(mov).warnings).toEqual([
          {
            code: 'corridor_not_open',
            message: expect.stringMatching(/^the corridor is not open at the planned departure \(2022-03-08T12:00:00Z\): suspended since 2022-03-08T10:00:00Z: Shelling/),
            plannedDeparture: '2022-03-08T12:00:00Z',
            corridorState: 'suspended',
            nextWindowStart: null,
            reasons: [expect.objectContaining({ code: 'suspended', since: '2022-03-08T10:00:00Z', suspensionId: json(conf).suspensionIds[0], incident: { id: inc.id, kind: 'shelling' } })],
          },
        ]);
        expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: 'calm restored' })).statusCode).toBe(200);
        // Resumed since: the warning is what was judged at notification, unchanged.
        expect(json(await api(w.app, w.aid.operator.token).get(`/movements/${json(mov).id}`)).warnings).toEqual(json(mov).warnings);
      } finally {
        await w.close();
      }
    });

    it('a policy that leaves it to the mediator does not suspend, and a dismissal changes nothing', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w, { suspensionPolicy: { automatic: [], resumeBy: 'mediator' } });
        w.clock.set('2022-03-08T10:05:00Z');
        const a = json(await api(w.app, w.ua.liaison.token).post('/incidents', shelling()));
        const b = json(await api(w.app, w.ua.liaison.token).post('/incidents', shelling()));
        const conf = json(await api(w.app, w.mediator.liaison.token).post(`/incidents/${a.id}/confirm`, { reason: 'seen' }));
        expect(conf.suspensionIds).toEqual([]);
        expect(json(await api(w.app, w.mediator.liaison.token).post(`/incidents/${b.id}/dismiss`, { reason: 'duplicate' })).state).toBe('dismissed');
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).state).toBe('guaranteed');
      } finally {
        await w.close();
      }
    });

    it('keeps incidents with a distribution from other parties, in lists, reads, events and exports', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T10:05:00Z');
        const inc = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ distribution: ['ua'] })));
        expect((await api(w.app, w.ru.viewer.token).get(`/incidents/${inc.id}`)).statusCode).toBe(404);
        expect(json(await api(w.app, w.ru.viewer.token).get('/incidents'))).toEqual([]);
        expect(json(await api(w.app, w.ua.viewer.token).get('/incidents'))).toHaveLength(1);
        expect(json(await api(w.app, w.mediator.viewer.token).get('/incidents'))).toHaveLength(1);
        const gj = await api(w.app, w.ua.viewer.token).get('/exports/incidents.geojson');
        expect(gj.headers['content-type']).toMatch(/application\/geo\+json/);
        expect(json(gj).features[0]).toMatchObject({ type: 'Feature', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, properties: { kind: 'shelling' } });
        expect(json(await api(w.app, w.ru.viewer.token).get('/exports/incidents.geojson')).features).toEqual([]);
        const csv = (await api(w.app, w.ua.viewer.token).get('/exports/incidents.csv')).body.split('\r\n');
        expect(csv[0]).toMatch(/^Incident id,Kind,/);
        expect(csv[1]).toMatch(/^#event\+id,#event\+type,#severity,#status,#date\+occurred/);
        expect(csv[2]).toContain(inc.id);
        expect((await api(w.app, w.ru.viewer.token).get('/exports/incidents.csv')).body.split('\r\n')).toHaveLength(3);
        expect((await api(w.app, undefined).get('/exports/incidents.csv')).statusCode).toBe(401);
        const ev = (await readEvents(w.store.db, 0)).find((e) => e.type === 'incident.reported');
        expect(ev?.audience).toEqual(['aid', 'ua']);
        // Confirmed, it suspends a corridor every member reads: the suspension says what
        // happened, never which restricted report said so (its id would show that it exists).
        const cor = await guaranteedCorridor(w);
        const inc2 = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling({ distribution: ['ua'] })));
        expect(inc2.corridorIds).toContain(cor);
        expect((await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc2.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
        const seen = json(await api(w.app, w.ru.viewer.token).get(`/corridors/${cor}`));
        expect(seen.state).toBe('suspended');
        expect(seen.suspensions[0].reason).toBe('Shelling (a confirmed incident)');
        // Its kind as data, its id not (the same rule as the reason's words).
        expect(seen.suspensions[0].incident).toEqual({ id: null, kind: 'shelling' });
        const everything = [JSON.stringify(seen), (await api(w.app, w.ru.viewer.token).get('/log/entries?start=0&end=1000')).body, JSON.stringify((await readEvents(w.store.db, 0)).filter((e) => e.audience === null || e.audience.includes('ru')))];
        for (const text of everything) expect(text).not.toContain(inc2.id);
      } finally {
        await w.close();
      }
    });

    it('refuses a correction that changes nothing, as an amendment is: no version, log entry or event', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T10:05:00Z');
        const inc = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling()));
        const events = (await readEvents(w.store.db, 0)).length;
        const log = Number((await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
        const same = [
          { reason: 'nothing new', severity: 'severe' },
          { reason: 'nothing new', description: 'Shelling near the Lokhvytsia checkpoint', casualties: { injured: 2 } },
          // Evidence already attached (in either case of its digest) is not added twice.
          { reason: 'the same photo', evidence: [{ sha256: SHA.toUpperCase() }] },
        ];
        for (const body of same) {
          const res = await api(w.app, w.aid.operator.token).post(`/incidents/${inc.id}/corrections`, body);
          expect(res.statusCode, res.body).toBe(400);
          expect(json(res)).toMatchObject({ code: 'validation_failed' });
          expect(json(res).detail).toMatch(/changes nothing/);
        }
        expect(json(await api(w.app, w.aid.operator.token).get(`/incidents/${inc.id}`)).version).toBe(1);
        expect((await readEvents(w.store.db, 0)).length).toBe(events);
        expect(Number((await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(log);
        // A change, however small, is a new version.
        expect(json(await api(w.app, w.aid.operator.token).post(`/incidents/${inc.id}/corrections`, { reason: 'worse', severity: 'extreme' })).version).toBe(2);
      } finally {
        await w.close();
      }
    });

    it('matches a narrow corridor lying wholly inside a large area, between the points of its coarse inside grid', async () => {
      const w = await makeWorld(engine);
      try {
        const [a, b] = HIDDEN_ROUTE as [[number, number], [number, number]];
        const id = await guaranteedCorridor(w, { title: 'Hidden lane', route: { type: 'LineString', coordinates: [a, b] }, widthM: 100, origin: { name: 'A', coordinates: a }, destination: { name: 'B', coordinates: b }, checkpoints: [] });
        w.clock.set('2022-03-08T10:05:00Z');
        const res = await api(w.app, w.aid.operator.token).post('/incidents', shelling({ geometry: HIDDEN_AREA }));
        expect(res.statusCode, res.body).toBe(201);
        expect(json(res).corridorIds).toEqual([id]);
      } finally {
        await w.close();
      }
    });

    it('matches an area against the routes the deconfliction index holds, reading no corridor from the store once the index is current', async () => {
      const w = await makeWorld(engine);
      try {
        const [a, b] = HIDDEN_ROUTE as [[number, number], [number, number]];
        const id = await guaranteedCorridor(w, { title: 'Hidden lane', route: { type: 'LineString', coordinates: [a, b] }, widthM: 100, origin: { name: 'A', coordinates: a }, destination: { name: 'B', coordinates: b }, checkpoints: [] });
        const at = Date.parse('2022-03-08T10:05:00Z');
        // Every query that names the corridors table.
        let corridorQueries = 0;
        const recorder: KyselyPlugin = {
          transformQuery: ({ node }) => {
            if (JSON.stringify(node).includes('"name":"corridors"')) corridorQueries++;
            return node;
          },
          transformResult: async ({ result }) => result,
        };
        const deps = { ...w.deps, store: { ...w.deps.store, db: w.deps.store.db.withPlugin(recorder) } };
        // The first match builds this store's index, reading every corridor once.
        expect(await matchIncident(deps, HIDDEN_AREA, at)).toEqual([id]);
        expect(corridorQueries).toBeGreaterThan(0);
        corridorQueries = 0;
        // Each area report loaded every corridor again to probe their routes (the index holds them).
        for (let k = 0; k < 3; k++) expect(await matchIncident(deps, HIDDEN_AREA, at)).toEqual([id]);
        expect(corridorQueries).toBe(0);
        // A corridor changed since: the index catches up (reading that one), and its route counts.
        const other = await guaranteedCorridor(w, { title: 'Second hidden lane', route: { type: 'LineString', coordinates: [a, b] }, widthM: 100, origin: { name: 'A', coordinates: a }, destination: { name: 'B', coordinates: b }, checkpoints: [] });
        expect(await matchIncident(deps, HIDDEN_AREA, at)).toEqual([id, other].sort());
        expect(corridorQueries).toBeGreaterThan(0);
      } finally {
        await w.close();
      }
    });

    it('refuses an area across the antimeridian or too large to probe, naming /geometry, and matches and suspends nothing', async () => {
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        const across = { type: 'Polygon', coordinates: [[[179.9, 50.45], [-179.9, 50.45], [-179.9, 50.55], [179.9, 50.55], [179.9, 50.45]]] };
        const res = await api(w.app, w.aid.operator.token).post('/incidents', shelling({ geometry: across }));
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res)).toMatchObject({ code: 'route_edge_too_long', errors: [{ path: '/geometry/coordinates/0/1' }] });
        // 30°×30° answered 500 (the stack overflowed while probing it).
        const huge = { type: 'Polygon', coordinates: [[[20, 35], [50, 35], [50, 65], [20, 65], [20, 35]]] };
        const big = await api(w.app, w.aid.operator.token).post('/incidents', shelling({ geometry: huge }));
        expect(big.statusCode, big.body).toBe(400);
        expect(json(big)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/geometry/coordinates/0/0' }] });
        expect(json(await api(w.app, w.mediator.viewer.token).get('/incidents'))).toEqual([]);
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).state).toBe('guaranteed');
      } finally {
        await w.close();
      }
    });

    it('refuses bad input with a clear 4xx', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T10:05:00Z');
        const post = (b: Record<string, unknown>) => api(w.app, w.ua.liaison.token).post('/incidents', shelling(b));
        const cases: [Record<string, unknown>, number, RegExp][] = [
          [{ geometry: { type: 'Point', coordinates: [200, 50] } }, 400, /longitude 200/],
          [{ geometry: { type: 'Polygon', coordinates: [[[33, 50], [34, 50], [33, 51]]] } }, 400, /at least 4 positions/],
          [{ geometry: { type: 'Polygon', coordinates: [[[33, 50], [34, 50], [34, 51], [33, 51]]] } }, 400, /not closed/],
          [{ geometry: { type: 'LineString', coordinates: [[33, 50], [34, 50]] } }, 400, /schema/],
          // A hole outside its exterior; a ring past 1,000 positions (self-intersection is checked in quadratic time).
          [{ geometry: { type: 'Polygon', coordinates: [[[33, 50], [33.1, 50], [33.1, 50.1], [33, 50.1], [33, 50]], [[34, 51], [34.1, 51], [34.1, 51.1], [34, 51.1], [34, 51]]] } }, 400, /hole 1 reaches outside the exterior ring/],
          [{ geometry: { type: 'Polygon', coordinates: [Array.from({ length: 1001 }, (_, i) => (i === 1000 ? [33.01, 50] : [33 + 0.01 * Math.cos(i / 159), 50 + 0.01 * Math.sin(i / 159)]))] } }, 400, /1000/],
          [{ occurredAt: '2022-03-08T11:00:00Z' }, 400, /in the future/],
          [{ occurredAt: '0001-01-01T00:00:00Z' }, 400, /before 2000-01-01/],
          [{ occurredAt: 'yesterday' }, 400, /RFC 3339/],
          [{ evidence: [{ sha256: 'abc' }] }, 400, /SHA-256/],
          [{ evidence: [{ sha256: 'g'.repeat(64) }] }, 400, /SHA-256/],
          [{ kind: 'rumour' }, 400, /kind/],
          [{ distribution: ['nobody'] }, 422, /no party/],
        ];
        for (const [body, status, detail] of cases) {
          const res = await post(body);
          expect(res.statusCode, JSON.stringify(body)).toBe(status);
          expect(res.headers['content-type']).toMatch(/problem\+json/);
          expect(JSON.stringify(json(res)), JSON.stringify(body)).toMatch(detail);
        }
        expect((await api(w.app, undefined).post('/incidents', shelling())).statusCode).toBe(401);
      } finally {
        await w.close();
      }
    });
  });
}
