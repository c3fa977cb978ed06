import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/app/events.js';
import { PositionIngest, positionIngestFor } from '../../src/app/positions.js';
import { startOsmandListener } from '../../src/http/osmand.js';
import { inTransaction } from '../../src/app/deps.js';
import { createMember, createParty, issueToken } from '../../src/app/parties.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';

const SUMY: [number, number] = [34.798, 50.908];
const LOKH: [number, number] = [33.265, 50.36];
const LUBNY: [number, number] = [32.997, 50.019];
const POLTAVA: [number, number] = [34.551, 49.588];
const lerp = (a: [number, number], b: [number, number], f: number): [number, number] => [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2022-03-08T08:00:00Z'); // 10:00 Kyiv, inside the window

function movement(corridorId: string, devices: string[], overrides: Record<string, unknown> = {}) {
  return {
    corridorId,
    title: 'Sumy → Poltava convoy',
    plannedDeparture: '2022-03-08T10:00:00+02:00',
    vehicles: devices.map((d, i) => ({ plate: `AB ${1000 + i} CD`, type: 'bus', seats: 50, trackerDeviceId: d })),
    manifest: { people: { adults: 50, children: 20 }, cargo: [{ id: 'insulin', item: 'Insulin', category: 'medicine', quantity: 200, unit: 'doses' }] },
    // The insulin is for the receiving operator at Poltava: it alone confirms delivery by receipt.
    distribution: ['ua', 'recv'],
    receivingPartyId: 'recv',
    ...overrides,
  };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: movements, positions, live rules, reconciliation`, () => {
    let w: World;
    let corridorId: string;
    let movId: string;
    /** The receiving party's operator and viewer. */
    const recv = { operator: '', viewer: '' };
    const fix = (deviceId: string, at: number, p: [number, number], speed = 15) => ({ deviceId, at: iso(at), lon: p[0], lat: p[1], speed });
    const post = (token: string, fixes: unknown[]) => api(w.app, token).post('/positions', { fixes });
    const alerts = async (id = movId) => json<any[]>(await api(w.app, w.aid.operator.token).get(`/movements/${id}/alerts`));
    const logActions = async () => (await w.store.db.selectFrom('log_entries').select(['action', 'entry']).orderBy('idx').execute()).map((r) => ({ action: r.action, payload: JSON.parse(r.entry).payload }));

    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set(iso(T0));
      await inTransaction(w.deps, (u) => createParty(u, w.mediator.admin, { id: 'recv', kind: 'humanitarian', name: 'Poltava receiving operator' }));
      for (const role of ['operator', 'viewer'] as const) {
        const member = await inTransaction(w.deps, (u) => createMember(u, null, 'recv', { name: `recv ${role}`, role }));
        recv[role] = (await inTransaction(w.deps, (u) => issueToken(u, null, member.id))).token;
      }
      const c = json(
        await api(w.app, w.ua.liaison.token).post(
          '/corridors',
          sumyPoltava({ widthM: 6000, checkpoints: [{ id: 'lokhvytsia', name: 'Lokhvytsia', coordinates: LOKH }, { id: 'lubny', name: 'Lubny', coordinates: LUBNY }] }),
        ),
      );
      corridorId = c.id;
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
    });
    afterAll(async () => w?.close());

    it('notifies a movement (a notification: acknowledged, never approved), with a warning when the corridor is not open at departure', async () => {
      const res = await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, ['dev-1', 'dev-2', 'dev-3']));
      expect(res.statusCode).toBe(201);
      const m = json(res);
      movId = m.id;
      expect(m).toMatchObject({ state: 'notified', operatorPartyId: 'aid', receivingPartyId: 'recv', distribution: ['ua', 'recv'], warnings: [], awaitingAcknowledgement: ['ua', 'recv'] });
      expect(m.manifest.cargo[0].id).toBe('insulin');
      const late = json(await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, [], { plannedDeparture: '2022-03-09T10:00:00+02:00', vehicles: [{ plate: 'ZZ 1', type: 'car' }] })));
      expect(late.warnings).toEqual([expect.objectContaining({ code: 'corridor_not_open', message: expect.stringMatching(/outside its windows|last window ended/) })]);
      // The same as data: the instant judged, the corridor's state then, each reason by code.
      expect(late.warnings[0]).toMatchObject({ plannedDeparture: '2022-03-09T08:00:00Z', corridorState: expect.any(String), reasons: [expect.objectContaining({ code: expect.stringMatching(/^(outside_window|expired)$/) })] });
      const busy = await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, ['dev-2']));
      expect(busy.statusCode).toBe(409);
      expect(json(busy).code).toBe('device_in_use');
      expect(json(busy).detail).toContain(`registered to movement ${movId}`); // the operator sees its own
      // Another operator, not on that movement's distribution, is refused without learning which movement holds it.
      const ngo = await inTransaction(w.deps, (u) => createParty(u, w.mediator.admin, { id: 'ngo2', kind: 'humanitarian', name: 'Second aid operator' }));
      const member = await inTransaction(w.deps, (u) => createMember(u, null, ngo.id, { name: 'ngo2 operator', role: 'operator' }));
      const token = (await inTransaction(w.deps, (u) => issueToken(u, null, member.id))).token;
      const hidden = await api(w.app, token).post('/movements', movement(corridorId, ['dev-2']));
      expect(hidden.statusCode).toBe(409);
      expect(json(hidden).detail).toContain('registered to another movement');
      expect(hidden.body).not.toContain(movId);
      expect((await api(w.app, w.ua.liaison.token).post('/movements', movement(corridorId, ['x']))).statusCode).toBe(403);
      const ack = json(await api(w.app, w.ua.liaison.token).post(`/movements/${movId}/acknowledge`));
      expect(ack.awaitingAcknowledgement).toEqual(['recv']);
      expect(json(await api(w.app, recv.operator).post(`/movements/${movId}/acknowledge`)).awaitingAcknowledgement).toEqual([]);
      expect((await api(w.app, w.ru.liaison.token).post(`/movements/${movId}/acknowledge`)).statusCode).toBe(404);
      expect((await logActions()).filter((e) => e.action.startsWith('movement.')).map((e) => e.action)).toEqual(['movement.notified', 'movement.notified', 'movement.acknowledged', 'movement.acknowledged']);
    });

    it('the operator cannot acknowledge its own movement, even if it named its own party on the distribution', async () => {
      const own = json(await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, [], { distribution: ['aid', 'ua', 'recv'], vehicles: [{ plate: 'ZZ 2', type: 'car' }] })));
      expect(own.awaitingAcknowledgement).toEqual(['ua', 'recv']);
      const ack = await api(w.app, w.aid.operator.token).post(`/movements/${own.id}/acknowledge`);
      expect(ack.statusCode).toBe(403);
      expect(json(await api(w.app, w.aid.operator.token).get(`/movements/${own.id}`)).acknowledgements).toEqual([]);
      expect((await api(w.app, w.aid.operator.token).post(`/movements/${own.id}/abort`, { reason: 'test' })).statusCode).toBe(200);
    });

    it('names the receiving party of a movement carrying cargo: another humanitarian operator, on the distribution', async () => {
      const op = api(w.app, w.aid.operator.token);
      const refused = async (overrides: Record<string, unknown>, status: number, code: string, message: RegExp) => {
        const res = await op.post('/movements', movement(corridorId, [], { vehicles: [{ plate: 'ZZ 2', type: 'truck' }], ...overrides }));
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(json(res)).toMatchObject({ code, errors: [{ path: '/receivingPartyId', message: expect.stringMatching(message) }] });
      };
      await refused({ receivingPartyId: undefined }, 400, 'validation_failed', /carrying cargo names its receiving party/);
      await refused({ receivingPartyId: 'aid', distribution: ['ua', 'aid'] }, 400, 'validation_failed', /cannot be the operator itself/);
      await refused({ receivingPartyId: 'ua' }, 400, 'validation_failed', /must be a humanitarian operator; ua is belligerent/);
      await refused({ receivingPartyId: 'recv', distribution: ['ua'] }, 400, 'validation_failed', /must be on the distribution/);
      await refused({ receivingPartyId: 'nobody' }, 422, 'unknown_party', /no party with id nobody/);
      // People only: nothing to receive, so no receiving party needed.
      const people = await op.post('/movements', movement(corridorId, [], { vehicles: [{ plate: 'ZZ 3', type: 'bus' }], manifest: { people: { adults: 10 }, cargo: [] }, receivingPartyId: undefined, distribution: ['ua'] }));
      expect(people.statusCode, people.body).toBe(201);
      expect(json(people).receivingPartyId).toBeNull();
    });

    it('stores JSON batches once per (device, time), answers only after commit, and logs one entry per batch holding a hash', async () => {
      const fixes = [0, 1, 2, 3, 4].map((i) => fix('dev-1', T0 + i * 60_000, lerp(SUMY, LOKH, i * 0.01)));
      const before = (await logActions()).length;
      const r1 = await post(w.aid.operator.token, fixes);
      expect(r1.statusCode).toBe(200);
      expect(json(r1)).toEqual({ accepted: 5, duplicates: 0, heartbeats: 0, outdated: 0 });
      const r2 = await post(w.aid.operator.token, fixes);
      expect(json(r2)).toEqual({ accepted: 0, duplicates: 5, heartbeats: 0, outdated: 0 });
      const entries = (await logActions()).slice(before);
      expect(entries.map((e) => e.action)).toEqual(['positions.recorded']);
      // Every member sees only a commitment; the mediator may open it.
      expect(Object.keys(entries[0]?.payload ?? {})).toEqual(['commitment']);
      const index = before;
      expect((await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`)).statusCode).toBe(404);
      const opened = json(await api(w.app, w.mediator.viewer.token).get(`/log/openings/${index}`)).opening;
      expect(opened).toMatchObject({ action: 'positions.recorded', subject: 'positions', payload: { fixes: 5, devices: 1, fixesSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      expect(JSON.stringify(opened.payload)).not.toContain('34.7');
      const rows = await w.store.db.selectFrom('positions').select('at').where('device_id', '=', 'dev-1').execute();
      expect(rows).toHaveLength(5);
    });

    it('refuses attributes nested too deep or too large (400 naming the fix) before the batch joins a group commit', async () => {
      // 5,000 levels: written by hand, as JSON.stringify itself runs out of stack on it. Such a fix
      // used to reach the group commit and fail it with a 500, other trackers' fixes with it.
      const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      const t = T0 + 40 * 60_000;
      const deepBatch = `{"fixes":[${JSON.stringify(fix('dev-1', t, lerp(SUMY, LOKH, 0.3)))},${JSON.stringify(fix('dev-1', t + 1000, lerp(SUMY, LOKH, 0.3))).slice(0, -1)},"attributes":${deep}}]}`;
      const bad = await api(w.app, w.aid.operator.token).raw('POST', '/positions', deepBatch, { 'content-type': 'application/json' });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(json(bad)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/fixes/1/attributes', message: 'may nest at most 4 levels deep' }] });
      const big = await post(w.aid.operator.token, [{ ...fix('dev-1', t, lerp(SUMY, LOKH, 0.3)), attributes: { note: 'x'.repeat(5_000) } }]);
      expect(big.statusCode).toBe(400);
      expect(json(big).errors[0].message).toMatch(/at most 4096/);
      // Four levels pass the check (this device is unknown: the ingest, reached, says so).
      const four = await post(w.aid.operator.token, [{ ...fix('no-such-device', t, lerp(SUMY, LOKH, 0.3)), attributes: { a: { b: { c: { d: 1 } } } } }]);
      expect(four.statusCode, four.body).toBe(404);
      expect(await w.store.db.selectFrom('positions').select('at').where('at', '=', iso(t)).execute()).toEqual([]);
    });

    it('never drops a fix silently: a row the table refuses fails its whole group, and nothing of it is stored', async () => {
      // The fast multi-row INSERT skips refused rows; the strict replay must raise what it skipped.
      const at = (i: number) => T0 + 30 * 60_000 + i * 1000;
      const good = [0, 1, 2].map((i) => ({ deviceId: 'dev-3', at: at(i), atText: iso(at(i)), lat: 50.5, lon: 34.0 }));
      const bad = { deviceId: 'dev-3', at: at(3), atText: iso(at(3)), lat: null as unknown as number, lon: 34.0 };
      await expect(positionIngestFor(w.deps).submit([...good, bad], 'json')).rejects.toThrow(/NOT NULL|null value/i);
      const rows = await w.store.db.selectFrom('positions').select('at').where('device_id', '=', 'dev-3').execute();
      expect(rows).toHaveLength(0);
    });

    it('refuses unknown devices (404 for JSON), counts the rejection for the mediator, and takes heartbeats', async () => {
      const res = await post(w.aid.operator.token, [fix('ghost-7', T0, SUMY)]);
      expect(res.statusCode).toBe(404);
      expect(json(res).unknownDevices).toEqual(['ghost-7']);
      await post(w.aid.operator.token, [fix('ghost-7', T0 + 1000, SUMY)]);
      // A party that does not operate the movement cannot feed its trackers either.
      expect((await post(w.ru.operator.token, [fix('dev-1', T0 + 9e6, SUMY)])).statusCode).toBe(404);
      const rej = json<any[]>(await api(w.app, w.mediator.liaison.token).get('/positions/rejections'));
      expect(rej.find((r) => r.deviceId === 'ghost-7')).toMatchObject({ count: 2, lastVia: 'json' });
      expect((await api(w.app, w.ua.liaison.token).get('/positions/rejections')).statusCode).toBe(403);
      w.clock.set(iso(T0 + 10 * 60_000));
      const hb = await post(w.aid.operator.token, [{ deviceId: 'dev-2' }]);
      expect(json(hb)).toEqual({ accepted: 0, duplicates: 0, heartbeats: 1, outdated: 0 });
      const latest = json<any[]>(await api(w.app, w.aid.operator.token).get('/positions/latest'));
      expect(latest.find((l) => l.deviceId === 'dev-2')).toMatchObject({ at: null, lastSeen: iso(T0 + 10 * 60_000) });
      expect(latest.find((l) => l.deviceId === 'dev-1')).toMatchObject({ at: iso(T0 + 4 * 60_000), movementId: movId });
      expect(await w.store.db.selectFrom('positions').select('at').where('device_id', '=', 'dev-2').execute()).toHaveLength(0);
      expect((await post(w.aid.operator.token, [{ deviceId: 'dev-1', lat: 50 }])).statusCode).toBe(400);
    });

    it('shows a movement, its positions and its alerts only to its operator, its distribution and the mediator — on every read path', async () => {
      const paths = [`/movements/${movId}`, `/movements/${movId}/track`, `/movements/${movId}/alerts`, `/movements/${movId}/reconciliation`];
      for (const token of [w.ru.liaison.token, w.ru.viewer.token, w.observer.viewer.token]) {
        for (const p of paths) expect((await api(w.app, token).get(p)).statusCode, p).toBe(404);
        expect(json<any[]>(await api(w.app, token).get('/movements'))).toEqual([]);
        expect(json<any[]>(await api(w.app, token).get('/positions/latest'))).toEqual([]);
        expect(json<any[]>(await api(w.app, token).get('/movement-alerts'))).toEqual([]);
      }
      for (const token of [w.ua.viewer.token, w.mediator.viewer.token, w.aid.viewer.token]) {
        for (const p of paths) expect((await api(w.app, token).get(p)).statusCode, p).toBe(200);
        expect(json<any[]>(await api(w.app, token).get('/movements')).map((m) => m.id)).toContain(movId);
      }
      for (const p of [...paths, '/movements', '/positions/latest']) expect((await api(w.app, undefined).get(p)).statusCode).toBe(401);
    });

    it('returns the track as GeoJSON: a LineString with per-point times, and the fixes as Points', async () => {
      const res = await api(w.app, w.ua.viewer.token).get(`/movements/${movId}/track`);
      expect(res.headers['content-type']).toMatch(/geo\+json/);
      const fc = json(res);
      const line = fc.features.find((f: any) => f.geometry.type === 'LineString');
      expect(line.properties).toMatchObject({ deviceId: 'dev-1', fixes: 5, times: [0, 1, 2, 3, 4].map((i) => iso(T0 + i * 60_000)) });
      expect(line.geometry.coordinates[0]).toEqual(SUMY);
      expect(fc.features.filter((f: any) => f.geometry.type === 'Point')).toHaveLength(5);
      // Since the last fix only one position is left: RFC 7946 has no one-position LineString, so the track is a Point.
      const one = json(await api(w.app, w.ua.viewer.token).get(`/movements/${movId}/track?since=${encodeURIComponent(iso(T0 + 4 * 60_000))}`));
      const track = one.features.find((f: any) => f.properties.kind === 'track');
      expect(track).toMatchObject({ geometry: { type: 'Point' }, properties: { deviceId: 'dev-1', fixes: 1, times: [iso(T0 + 4 * 60_000)] } });
      expect(one.features.every((f: any) => f.geometry.type !== 'LineString' || f.geometry.coordinates.length >= 2)).toBe(true);
    });

    it('raises off-route once per episode (after N fixes outside), tells the movement’s audience, and clears it on return', async () => {
      expect((await api(w.app, w.aid.operator.token).post(`/movements/${movId}/depart`, {})).statusCode).toBe(200);
      const t = T0 + 20 * 60_000;
      const on = lerp(SUMY, LOKH, 0.3);
      const off: [number, number] = [on[0] + 0.3, on[1] + 0.15]; // ≈ 25 km away
      await post(w.aid.operator.token, [fix('dev-2', t, on)]);
      await post(w.aid.operator.token, [0, 1, 2, 3, 4, 5].map((i) => fix('dev-2', t + (i + 1) * 10_000, off)));
      await post(w.aid.operator.token, [fix('dev-2', t + 80_000, off)]);
      let a = (await alerts()).filter((x) => x.type === 'off_route');
      expect(a).toHaveLength(1);
      expect(a[0]).toMatchObject({ deviceId: 'dev-2', state: 'open', details: { fixesOutside: 4 } });
      await post(w.aid.operator.token, [fix('dev-2', t + 90_000, on)]);
      a = (await alerts()).filter((x) => x.type === 'off_route');
      expect(a).toMatchObject([{ state: 'cleared', clearedAt: iso(t + 90_000) }]);
      const ev = (await readEvents(w.store.db, 0)).filter((e) => e.type.startsWith('movement.alert.off_route'));
      expect(ev.map((e) => e.type)).toEqual(['movement.alert.off_route', 'movement.alert.off_route.cleared']);
      expect(ev[0]?.audience?.sort()).toEqual(['aid', 'recv', 'ua']);
      const seen = json<any[]>(await api(w.app, w.ru.liaison.token).get('/movement-alerts'));
      expect(seen).toEqual([]);
    });

    it('judges fixes only between departure and arrival: before it, the buses driving to the start raise nothing', async () => {
      const op = w.aid.operator.token;
      const clockWas = w.clock.now();
      const t = T0 - 3 * 3600_000; // hours before the window opens, far from the route, moving
      w.clock.set(iso(t));
      try {
        const early = json(await api(w.app, op).post('/movements', movement(corridorId, ['dev-early'])));
        const far: [number, number] = [SUMY[0] + 0.4, SUMY[1] + 0.2];
        await post(op, [0, 1, 2, 3, 4, 5, 6].map((i) => fix('dev-early', t + i * 60_000, [far[0] - i * 0.01, far[1]], 15)));
        expect(await alerts(early.id)).toEqual([]);
        // Departed at t + 10 min: the same kind of fixes dated after it count…
        w.clock.set(iso(t + 10 * 60_000));
        expect((await api(w.app, op).post(`/movements/${early.id}/depart`, {})).statusCode).toBe(200);
        w.clock.set(iso(t + 16 * 60_000));
        // …and fixes dated before it, sent late (a phone's offline buffer), still raise nothing.
        await post(op, [7, 8, 9].map((i) => fix('dev-early', t + i * 60_000, [far[0] - i * 0.01, far[1]], 15)));
        expect(await alerts(early.id)).toEqual([]);
        await post(op, [10, 11, 12, 13, 14, 15].map((i) => fix('dev-early', t + i * 60_000, [far[0] - i * 0.01, far[1]], 15)));
        expect((await alerts(early.id)).map((x) => x.type).sort()).toEqual(['moving_while_closed', 'off_route']);
        expect((await api(w.app, op).post(`/movements/${early.id}/abort`, { reason: 'test convoy' })).statusCode).toBe(200);
      } finally {
        w.clock.set(iso(clockWas));
      }
    });

    it('stores fixes the device marks invalid (valid=false) but does not judge them: no off-route from a stale location', async () => {
      const t = T0 + 25 * 60_000;
      const on = lerp(SUMY, LOKH, 0.3);
      const off: [number, number] = [on[0] + 0.3, on[1] + 0.15];
      const stale = [0, 1, 2, 3, 4, 5].map((i) => ({ ...fix('dev-2', t + i * 10_000, off, 0), attributes: { valid: false } }));
      expect(json(await post(w.aid.operator.token, stale))).toMatchObject({ accepted: 6 });
      expect((await alerts()).filter((x) => x.state === 'open' && x.deviceId === 'dev-2')).toEqual([]);
      // The same fixes, valid, are judged: off the route for more than N fixes.
      const fresh = [6, 7, 8, 9, 10].map((i) => fix('dev-2', t + i * 10_000, off));
      await post(w.aid.operator.token, fresh);
      expect((await alerts()).filter((x) => x.state === 'open' && x.deviceId === 'dev-2').map((x) => x.type)).toEqual(['off_route']);
      await post(w.aid.operator.token, [fix('dev-2', t + 120_000, on)]);
      expect((await alerts()).filter((x) => x.state === 'open' && x.deviceId === 'dev-2')).toEqual([]);
    });

    it('stores a fix dated far ahead (a phone with a wrong clock) without letting it switch off the rules for the fixes after it', async () => {
      const t = T0 + 27 * 60_000;
      const on = lerp(SUMY, LOKH, 0.3);
      const off: [number, number] = [on[0] + 0.3, on[1] + 0.15];
      // The phone believes it is two days later; then its clock is put right.
      expect(json(await post(w.aid.operator.token, [fix('dev-2', t + 2 * 86_400_000, on)]))).toMatchObject({ accepted: 1 });
      await post(w.aid.operator.token, [0, 1, 2, 3, 4].map((i) => fix('dev-2', t + i * 10_000, off)));
      expect((await alerts()).filter((x) => x.state === 'open' && x.deviceId === 'dev-2').map((x) => x.type)).toEqual(['off_route']);
      // Nor is it the device's last position.
      const latest = json<any[]>(await api(w.app, w.aid.operator.token).get('/positions/latest')).find((p) => p.deviceId === 'dev-2');
      expect(latest.at).toBe(iso(t + 40_000));
      await post(w.aid.operator.token, [fix('dev-2', t + 60_000, on)]);
      expect((await alerts()).filter((x) => x.state === 'open' && x.deviceId === 'dev-2')).toEqual([]);
    });

    it('raises stopped after T minutes below the threshold away from a checkpoint, but not at a checkpoint', async () => {
      const t = T0 + 30 * 60_000;
      const mid = lerp(SUMY, LOKH, 0.5);
      await post(w.aid.operator.token, [0, 4, 8, 11, 12].map((m) => fix('dev-3', t + m * 60_000, mid, 0)));
      await post(w.aid.operator.token, [0, 5, 11, 15].map((m) => fix('dev-1', t + m * 60_000, LOKH, 0)));
      const a = (await alerts()).filter((x) => x.type === 'stopped');
      expect(a.map((x) => x.deviceId)).toEqual(['dev-3']);
      await post(w.aid.operator.token, [fix('dev-3', t + 13 * 60_000, lerp(SUMY, LOKH, 0.51), 14)]);
      expect((await alerts()).find((x) => x.type === 'stopped')?.state).toBe('cleared');
    });

    it('raises moving-while-closed while the corridor is suspended, and clears it when it resumes', async () => {
      const t = T0 + 60 * 60_000;
      w.clock.set(iso(t - 60_000));
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${corridorId}/suspend`, { reason: 'shelling reported' })).statusCode).toBe(200);
      await post(w.aid.operator.token, [fix('dev-3', t, lerp(SUMY, LOKH, 0.6), 15)]);
      expect((await alerts()).filter((x) => x.type === 'moving_while_closed' && x.state === 'open').map((x) => x.deviceId)).toEqual(['dev-3']);
      // Off-route is still told apart while the zone does not hold: on the route, no off-route alert.
      expect((await alerts()).filter((x) => x.type === 'off_route' && x.state === 'open')).toEqual([]);
      w.clock.set(iso(t + 60_000));
      expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${corridorId}/resume`, { reason: 'calm' })).statusCode).toBe(200);
      await post(w.aid.operator.token, [fix('dev-3', t + 120_000, lerp(SUMY, LOKH, 0.62), 15)]);
      expect((await alerts()).filter((x) => x.type === 'moving_while_closed').map((x) => x.state)).toEqual(['cleared']);
    });

    it('raises no-signal once for a silent tracker of a departed movement, and clears it on the next contact', async () => {
      w.clock.set(iso(T0 + 120 * 60_000));
      const ingest = positionIngestFor(w.deps);
      expect(await ingest.sweepSilence()).toBe(3);
      expect(await ingest.sweepSilence()).toBe(0);
      expect((await alerts()).filter((x) => x.type === 'no_signal' && x.state === 'open')).toHaveLength(3);
      await post(w.aid.operator.token, [{ deviceId: 'dev-2' }]);
      // A fix dated a minute before no-signal was raised (uploaded late) clears it — as of when it
      // was learnt, never before the alert was raised.
      await post(w.aid.operator.token, [fix('dev-1', T0 + 119 * 60_000, LUBNY, 12)]);
      const open = (await alerts()).filter((x) => x.type === 'no_signal' && x.state === 'open');
      expect(open.map((x) => x.deviceId)).toEqual(['dev-3']);
      const cleared = (await alerts()).find((x) => x.type === 'no_signal' && x.deviceId === 'dev-1');
      expect(cleared).toMatchObject({ state: 'cleared', clearedAt: cleared?.raisedAt });
      // A fix the device marks invalid is contact too: it clears no-signal without being judged.
      await post(w.aid.operator.token, [{ ...fix('dev-3', T0 + 122 * 60_000, lerp(SUMY, LOKH, 0.62), 0), attributes: { valid: false } }]);
      expect((await alerts()).filter((x) => x.type === 'no_signal' && x.state === 'open')).toEqual([]);
    });

    it('raises arrived within the destination radius', async () => {
      await post(w.aid.operator.token, [fix('dev-1', T0 + 200 * 60_000, [POLTAVA[0] + 0.005, POLTAVA[1]], 3)]);
      expect((await alerts()).filter((x) => x.type === 'arrived').map((x) => x.deviceId)).toEqual(['dev-1']);
    });

    it('records counts at each checkpoint and the arrival, reconciles by category and flags where a shortfall first appeared', async () => {
      const op = api(w.app, w.aid.operator.token);
      expect((await op.post(`/movements/${movId}/checkins`, { checkpointId: 'lokhvytsia', countedBy: 'UA checkpoint officer', people: { adults: 50, children: 20 } })).statusCode).toBe(201);
      expect((await op.post(`/movements/${movId}/checkins`, { checkpointId: 'nowhere', countedBy: 'x', people: {} })).statusCode).toBe(400);
      // Times: not in the future, not before the departure; an arrival not before the last check-in.
      const departedAt = json(await op.get(`/movements/${movId}`)).departedAt as string;
      for (const [path, at, why] of [
        ['checkins', '9999-12-31T23:59:59Z', /in the future/],
        ['checkins', new Date(Date.parse(departedAt) - 60_000).toISOString(), /before the departure/],
        ['arrive', '1970-01-01T00:00:00Z', /before the departure/],
      ] as const) {
        // An arrival names no checkpoint (its body has no such field: 400 unrecognized_keys).
        const res = await op.post(`/movements/${movId}/${path}`, { ...(path === 'checkins' ? { checkpointId: 'lubny' } : {}), countedBy: 'x', people: { adults: 1 }, at });
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res)).toMatchObject({ code: 'invalid_time', errors: [{ path: '/at' }] });
        expect(json(res).detail).toMatch(why);
      }
      expect((await api(w.app, w.ua.liaison.token).post(`/movements/${movId}/checkins`, { checkpointId: 'lubny', countedBy: 'x', people: {} })).statusCode).toBe(403);
      await op.post(`/movements/${movId}/checkins`, { checkpointId: 'lubny', countedBy: 'UA checkpoint officer', people: { adults: 48, children: 20 } });
      let d = (await alerts()).filter((x) => x.type === 'count_discrepancy');
      expect(d).toHaveLength(1);
      expect(d[0]?.details).toMatchObject({ category: 'adults', difference: -2, firstAppeared: { stage: 'checkpoint', checkpointId: 'lubny' } });
      const arr = await op.post(`/movements/${movId}/arrive`, { countedBy: 'Poltava reception centre', people: { adults: 48, children: 20 } });
      expect(arr.statusCode).toBe(200);
      expect(json(arr).state).toBe('arrived');
      d = (await alerts()).filter((x) => x.type === 'count_discrepancy');
      expect(d).toHaveLength(1);
      const rec = json(await api(w.app, w.ua.viewer.token).get(`/movements/${movId}/reconciliation`));
      expect(rec.balanced).toBe(false);
      expect(rec.people.find((p: any) => p.category === 'adults')).toMatchObject({ expected: 50, final: 48, difference: -2, firstDiscrepancy: { checkpointId: 'lubny' } });
      expect(rec.people.find((p: any) => p.category === 'adults').stages.map((s: any) => s.checkpointId ?? s.stage)).toEqual(['lokhvytsia', 'lubny', 'arrived']);
      // Cargo: confirmed by the receiving party alone — never by the operator that sent it.
      const receipt = { receivedBy: 'x', lines: [{ lineId: 'insulin', quantity: 200 }] };
      const instead = 'only the receiving party, Poltava receiving operator (recv), does — its admins, operators and liaison officers';
      for (const [token, who] of [
        [w.aid.operator.token, 'the party that sent this movement may not confirm delivery of its own cargo'],
        [w.aid.admin.token, 'the party that sent this movement may not confirm delivery of its own cargo'],
        [w.mediator.liaison.token, 'the mediator’s liaison officer may not confirm delivery of this movement’s cargo'],
        [w.ua.liaison.token, 'a belligerent party’s liaison officer may not confirm delivery of this movement’s cargo'],
      ] as const) {
        const res = await api(w.app, token).post(`/movements/${movId}/receipts`, receipt);
        expect(res.statusCode, res.body).toBe(403);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(json(res)).toMatchObject({ code: 'forbidden', detail: `${who}: ${instead}`, receivingPartyId: 'recv' });
      }
      const viewer = await api(w.app, recv.viewer).post(`/movements/${movId}/receipts`, receipt);
      expect(json(viewer)).toMatchObject({ code: 'forbidden', detail: 'a humanitarian party’s viewer may not confirm delivery of this movement’s cargo: only the receiving party’s admins, operators and liaison officers do' });
      expect(json(await api(w.app, recv.viewer).get(`/movements/${movId}`)).receipts).toEqual([]);
      // A receipt naming one line twice is sent back, not added up.
      const receiver = api(w.app, recv.operator);
      const twice = await receiver.post(`/movements/${movId}/receipts`, { receivedBy: 'pharmacy', lines: [{ lineId: 'insulin', quantity: 100 }, { lineId: 'insulin', quantity: 80 }] });
      expect(twice.statusCode).toBe(400);
      expect(json(twice)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/lines/1/lineId' }] });
      const got = await receiver.post(`/movements/${movId}/receipts`, { receivedBy: 'Poltava regional hospital pharmacy', lines: [{ lineId: 'insulin', quantity: 180 }] });
      expect(got.statusCode, got.body).toBe(201);
      expect(json(got).receipts).toMatchObject([{ partyId: 'recv', receivedBy: 'Poltava regional hospital pharmacy', lines: [{ lineId: 'insulin', quantity: 180 }] }]);
      expect((await alerts()).filter((x) => x.type === 'cargo_discrepancy')).toMatchObject([{ state: 'open', details: { lineId: 'insulin', difference: -20 } }]);
      // Arrival released the trackers and ended the live episodes.
      expect((await post(w.aid.operator.token, [fix('dev-1', T0 + 300 * 60_000, POLTAVA)])).statusCode).toBe(404);
      expect((await alerts()).filter((x) => ['no_signal', 'arrived', 'stopped', 'off_route'].includes(x.type) && x.state === 'open')).toEqual([]);
      const again = json(await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, ['dev-1'], { title: 'second run' })));
      expect(again.state).toBe('notified');
    });

    it('speaks the OsmAnd protocol on its own listener, as Traccar Client and Traccar’s server do', async () => {
      const osm = await startOsmandListener(w.deps, { host: '127.0.0.1', port: 0 });
      try {
        expect(osm?.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(osm?.address).not.toMatch(/:0$/);
        const base = osm?.address as string;
        const m = json(await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, ['phone-1'], { title: 'phone run' })));
        const t = Math.floor((T0 + 400 * 60_000) / 1000);
        const on = lerp(LOKH, LUBNY, 0.5);
        const q = `id=phone-1&timestamp=${t}&lat=${on[1]}&lon=${on[0]}&speed=20&bearing=200&altitude=120&accuracy=6&batt=77&driverUniqueId=abc`;
        const r1 = await fetch(`${base}/?${q}`, { method: 'POST' });
        expect(r1.status).toBe(200);
        expect(await r1.text()).toBe('');
        expect((await fetch(`${base}/?${q}`)).status).toBe(200); // a retry: stored once
        const form = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `deviceid=phone-1&location=${on[1]},${on[0] + 0.001}&timestamp=${encodeURIComponent(iso((t + 60) * 1000).replace('T', ' ').slice(0, 19))}` });
        expect(form.status).toBe(200);
        const j = await fetch(`${base}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ device_id: 'phone-1', location: { timestamp: iso((t + 120) * 1000), coords: { latitude: on[1], longitude: on[0] + 0.002, speed: 9, heading: 180, accuracy: 5, altitude: 110 }, is_moving: true, battery: { level: 0.7, is_charging: false } } }),
        });
        expect(j.status).toBe(200);
        expect((await fetch(`${base}/?id=phone-1&batt=70`)).status).toBe(200); // heartbeat
        const rows = await w.store.db.selectFrom('positions').selectAll().where('device_id', '=', 'phone-1').orderBy('at').execute();
        expect(rows.map((r) => r.at)).toEqual([iso(t * 1000), iso((t + 60) * 1000), iso((t + 120) * 1000)]);
        expect(rows[0]?.speed).toBeCloseTo(20 * 0.514444, 3);
        expect(JSON.parse(rows[0]?.attributes ?? '{}')).toMatchObject({ driverUniqueId: 'abc' });
        expect(rows[2]?.speed).toBe(9);
        // Unknown devices: 400 in the query form, 404 in JSON; bad reports 400; bodies never say more.
        const u1 = await fetch(`${base}/?id=nobody&lat=50&lon=33`);
        expect(u1.status).toBe(400);
        expect(await u1.text()).toBe('');
        const u2 = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: 'nobody', location: { timestamp: iso(T0), coords: { latitude: 50, longitude: 33 } } }) });
        expect(u2.status).toBe(404);
        expect(await u2.text()).toBe('');
        expect((await fetch(`${base}/?id=phone-1&lat=95&lon=33`)).status).toBe(400);
        // Times a Date cannot hold or that do not exist, and numbers only Number() would read: 400, never a 500 or another day.
        for (const bad of ['timestamp=99999999999999999999', 'timestamp=8640000000000001', `timestamp=${encodeURIComponent('2026-02-30 10:00:00')}`, 'timestamp=2026-02-30T10:00:00Z', `timestamp=${encodeURIComponent('9999-12-31T23:59:59-14:00')}`, 'lat=0x10&lon=33', 'lat=50&lon=%2033x']) {
          const r = await fetch(`${base}/?id=phone-1&lat=50&lon=33&${bad}`, { method: 'POST' });
          expect(r.status, bad).toBe(400);
          expect(await r.text()).toBe('');
        }
        const lone = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"device_id":"phone-1","location":{"timestamp":"${iso(T0)}","coords":{"latitude":50,"longitude":33},"extras":{"note":"\\ud800"}}}` });
        expect(lone.status).toBe(400);
        // A NUL, kept as an attribute, would fail the whole group's commit on PostgreSQL (the
        // other trackers' reports with it): refused in either form, and a good report still lands.
        const nul = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"device_id":"phone-1","location":{"timestamp":"${iso(T0 + 7_000)}","coords":{"latitude":50,"longitude":33},"extras":{"note":"a\\u0000b"}}}` });
        const [nulQuery, good] = await Promise.all([fetch(`${base}/?id=phone-1&lat=50&lon=33&timestamp=${Math.floor(T0 / 1000) + 8}&note=a%00b`), fetch(`${base}/?id=phone-1&lat=50&lon=33&timestamp=${Math.floor(T0 / 1000) + 9}`)]);
        expect([nul.status, nulQuery.status, good.status]).toEqual([400, 400, 200]);
        const rej = json<any[]>(await api(w.app, w.mediator.liaison.token).get('/positions/rejections'));
        expect(rej.find((r) => r.deviceId === 'nobody')).toMatchObject({ count: 2 });
        const track = json(await api(w.app, w.ua.viewer.token).get(`/movements/${m.id}/track`));
        expect(track.features[0].properties.times).toHaveLength(4); // the three above and the good report beside the NULs
        expect((await api(w.app, w.ru.viewer.token).get(`/movements/${m.id}/track`)).statusCode).toBe(404);
      } finally {
        await osm?.close();
      }
    });

    it('refuses fixes dated before 2000 or more than a year ahead, and impossible measurements, naming the fix (JSON batches)', async () => {
      const t = T0 + 41 * 60_000 + 500; // a time no other test stores dev-1 at
      const p = lerp(SUMY, LOKH, 0.3);
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ at: '1970-01-01T00:00:00Z' }, '/fixes/1/at', /before 2000-01-01: the tracker's clock has lost its date/],
        [{ at: '0001-01-01T00:00:00Z' }, '/fixes/1/at', /before 2000-01-01/],
        [{ at: '9999-12-31T00:00:00Z' }, '/fixes/1/at', /more than a year ahead of the server's clock/],
        [{ speed: 1e308 }, '/fixes/1/speed', /must be in \[0, 300\] m\/s/],
        [{ speed: -1 }, '/fixes/1/speed', /must be in \[0, 300\] m\/s/],
        [{ bearing: 999 }, '/fixes/1/bearing', /must be in \[0, 360\] degrees/],
        [{ altitude: -20_000 }, '/fixes/1/altitude', /must be in \[-1000, 50000\] m/],
        [{ accuracy: -5 }, '/fixes/1/accuracy', /must be in \[0, 1000000\] m/],
        [{ battery: 500 }, '/fixes/1/battery', /must be in \[0, 100\] %/],
      ];
      for (const [change, path, message] of cases) {
        const r = await post(w.aid.operator.token, [fix('dev-1', t, p), { ...fix('dev-1', t + 1_000, p), ...change }]);
        expect(r.statusCode, JSON.stringify(change)).toBe(400);
        expect(json(r)).toMatchObject({ code: 'validation_failed', errors: [{ path }] });
        expect(json(r).errors[0].message).toMatch(message);
      }
      // Nothing of a refused batch is stored; the bounds themselves and null (unknown) are taken.
      expect(await w.store.db.selectFrom('positions').select('at').where('device_id', '=', 'dev-1').where('at', '=', iso(t)).execute()).toEqual([]);
      const edge = await post(w.aid.operator.token, [{ ...fix('dev-1', t, p), speed: 300, bearing: 360, altitude: -1_000, accuracy: 0, battery: 100 }, { ...fix('dev-1', t + 1_000, p), speed: null, bearing: null, battery: null }]);
      expect(edge.statusCode, edge.body).toBe(200);
      const taken = json(edge);
      expect(taken.accepted + taken.duplicates + taken.outdated).toBe(2); // dev-1 may have moved on by now: counted either way
    });

    it('refuses OsmAnd reports dated 1970 or 9999, and takes a phone’s impossible measurements as unknown rather than refusing its position', async () => {
      const osm = await startOsmandListener(w.deps, { host: '127.0.0.1', port: 0 });
      try {
        const base = osm?.address as string;
        json(await api(w.app, w.aid.operator.token).post('/movements', movement(corridorId, ['phone-9'], { title: 'odd phone' })));
        const t = Math.floor((T0 + 500 * 60_000) / 1000);
        const on = lerp(LOKH, LUBNY, 0.4);
        const at = `lat=${on[1]}&lon=${on[0]}`;
        for (const stamp of ['0', '-1', '946684799', String(Math.floor(Date.parse('9999-01-01T00:00:00Z') / 1000)), '2099-01-01T00:00:00Z']) {
          const r = await fetch(`${base}/?id=phone-9&${at}&timestamp=${stamp}`, { method: 'POST' });
          expect(r.status, stamp).toBe(400);
          expect(await r.text()).toBe('');
        }
        const json1970 = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: 'phone-9', location: { timestamp: '1970-01-01T00:00:00Z', coords: { latitude: on[1], longitude: on[0] } } }) });
        expect(json1970.status).toBe(400);
        expect(await w.store.db.selectFrom('positions').select('at').where('device_id', '=', 'phone-9').execute()).toEqual([]);
        // A bearing of 999, a speed of 1e300 knots, a battery of 500 %: the position is stored, those readings are not.
        const odd = await fetch(`${base}/?id=phone-9&${at}&timestamp=${t}&speed=1e300&bearing=999&altitude=120&batt=500`, { method: 'POST' });
        expect(odd.status).toBe(200);
        // Traccar Client 9: a battery level of 5 (a percentage where a fraction belongs) and a heading of 400.
        const odd9 = await fetch(`${base}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ device_id: 'phone-9', location: { timestamp: iso((t + 60) * 1000), coords: { latitude: on[1], longitude: on[0], speed: 12, heading: 400, accuracy: -3, altitude: 110 }, battery: { level: 5, is_charging: false } } }),
        });
        expect(odd9.status).toBe(200);
        const rows = await w.store.db.selectFrom('positions').selectAll().where('device_id', '=', 'phone-9').orderBy('at').execute();
        expect(rows.map((r) => [r.at, r.lat, r.speed, r.bearing, r.altitude, r.accuracy, r.battery])).toEqual([
          [iso(t * 1000), on[1], null, null, 120, null, null],
          [iso((t + 60) * 1000), on[1], 12, null, 110, null, null],
        ]);
      } finally {
        await osm?.close();
      }
    });

    it('follows a tracker released from one movement and registered to the next (the ingest remembers devices only until the log says otherwise)', async () => {
      const op = w.aid.operator.token;
      const clockWas = w.clock.now();
      const t = T0 + 3 * 3600_000;
      w.clock.set(iso(t - 60_000));
      try {
        const first = json(await api(w.app, op).post('/movements', movement(corridorId, ['dev-moved'])));
        expect(json(await post(op, [fix('dev-moved', t, lerp(SUMY, POLTAVA, 0.1))])).accepted).toBe(1);
        w.clock.set(iso(t + 50_000));
        expect((await api(w.app, op).post(`/movements/${first.id}/abort`, { reason: 'bus broke down' })).statusCode).toBe(200);
        // Released: the next fix is refused, though the device was known a moment ago.
        expect((await post(op, [fix('dev-moved', t + 60_000, lerp(SUMY, POLTAVA, 0.11))])).statusCode).toBe(404);
        w.clock.set(iso(t + 90_000));
        const second = json(await api(w.app, op).post('/movements', movement(corridorId, ['dev-moved'])));
        expect(json(await post(op, [fix('dev-moved', t + 120_000, lerp(SUMY, POLTAVA, 0.12))])).accepted).toBe(1);
        // A fix from the phone's offline buffer, dated while the tracker was on the first convoy, is
        // that convoy's: kept out of the second one's track (and its distribution), and counted.
        expect(json(await post(op, [fix('dev-moved', t + 30_000, lerp(SUMY, POLTAVA, 0.105))]))).toMatchObject({ accepted: 0, outdated: 1 });
        const rows = await w.store.db.selectFrom('positions').select(['movement_id', 'at']).where('device_id', '=', 'dev-moved').orderBy('at').execute();
        expect(rows.map((r) => r.movement_id)).toEqual([first.id, second.id]);
        const track = json(await api(w.app, op).get(`/movements/${second.id}/track`));
        expect(track.features.filter((f: any) => f.properties.kind === 'fix')).toHaveLength(1);
      } finally {
        w.clock.set(iso(clockWas));
      }
    });

    it('keeps a tracker’s state right when two servers ingest for it (each forgets what the other’s groups changed)', async () => {
      const op = w.aid.operator.token;
      const shared = json(await api(w.app, op).post('/movements', movement(corridorId, ['dev-shared'])));
      expect((await api(w.app, op).post(`/movements/${shared.id}/depart`, {})).statusCode).toBe(200);
      const a = new PositionIngest(w.deps); // as if two server processes shared the database
      const b = new PositionIngest(w.deps);
      const t = T0 + 5 * 3600_000;
      const report = (at: number, f: number) => {
        const [lon, lat] = lerp(SUMY, POLTAVA, f);
        return [{ deviceId: 'dev-shared', at, lon, lat, speed: 10 }];
      };
      expect(await a.submit(report(t, 0.2), 'osmand')).toMatchObject({ ok: true, accepted: 1 });
      expect(await b.submit(report(t + 120_000, 0.22), 'osmand')).toMatchObject({ ok: true, accepted: 1 });
      // A late fix, older than b's: stored, but the device's newest fix stays b's.
      expect(await a.submit(report(t + 60_000, 0.21), 'osmand')).toMatchObject({ ok: true, accepted: 1 });
      const dev = await w.store.db.selectFrom('tracker_devices').select(['last_at', 'rule_state']).where('device_id', '=', 'dev-shared').executeTakeFirstOrThrow();
      expect(dev.last_at).toBe(iso(t + 120_000));
      expect(JSON.parse(dev.rule_state).lastAt).toBe(t + 120_000);
    });
    it('stores fixes in any arrival order, and of two copies of one fix in a batch the first', async () => {
      const op = w.aid.operator.token;
      json(await api(w.app, op).post('/movements', movement(corridorId, ['dev-order-a', 'dev-order-b'])));
      const at = (i: number) => T0 + 6 * 3600_000 + i * 1000;
      // Out of time order, two devices interleaved, and (a, at(1)) twice with different positions.
      const batch = [fix('dev-order-a', at(3), [34.0, 50.5]), fix('dev-order-b', at(2), [34.1, 50.5]), fix('dev-order-a', at(1), [34.2, 50.5]), fix('dev-order-b', at(0), [34.3, 50.5]), fix('dev-order-a', at(1), [34.9, 50.9])];
      expect(json(await post(op, batch))).toEqual({ accepted: 4, duplicates: 1, heartbeats: 0, outdated: 0 });
      const rows = await w.store.db.selectFrom('positions').select(['device_id', 'at', 'lon']).where('device_id', 'in', ['dev-order-a', 'dev-order-b']).orderBy('at').orderBy('device_id').execute();
      expect(rows.map((r) => [r.device_id, r.at, Number(r.lon)])).toEqual([
        ['dev-order-b', iso(at(0)), 34.3],
        ['dev-order-a', iso(at(1)), 34.2],
        ['dev-order-b', iso(at(2)), 34.1],
        ['dev-order-a', iso(at(3)), 34.0],
      ]);
    });
  });
}
