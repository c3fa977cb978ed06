import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSeeEvent, readEvents } from '../../src/app/events.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';

const SUMY: [number, number] = [34.798, 50.908];
const iso = (ms: number): string => new Date(ms).toISOString();
const T0 = Date.parse('2022-03-08T08:00:00Z'); // inside the window

/** The event stream as a member reads it, from the start and without following. */
async function streamed(w: World, token: string): Promise<{ event: string; data: any }[]> {
  const res = await w.app.inject({ method: 'GET', url: '/api/v1/events?lastEventId=0&follow=false', headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  return res.body
    .split('\n\n')
    .map((block) => Object.fromEntries(block.split('\n').filter((l) => l.includes(': ') && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)])))
    .filter((f) => f.data !== undefined)
    .map((f) => ({ event: f.event as string, data: JSON.parse(f.data as string) }));
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: movement.positions events`, () => {
    let w: World;
    let corridorId: string;
    let movId: string;

    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set(iso(T0));
      const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM: 6000 })));
      corridorId = c.id;
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
      const m = await api(w.app, w.aid.operator.token).post('/movements', {
        corridorId,
        title: 'convoy',
        plannedDeparture: '2022-03-08T10:00:00+02:00',
        vehicles: [
          { plate: 'AB 1 CD', type: 'bus', seats: 50, trackerDeviceId: 'ev-1' },
          { plate: 'AB 2 CD', type: 'bus', seats: 50, trackerDeviceId: 'ev-2' },
        ],
        manifest: { people: { adults: 10 }, cargo: [] },
        distribution: ['ua'],
      });
      expect(m.statusCode, m.body).toBe(201);
      movId = json(m).id;
    });
    afterAll(async () => w?.close());

    it('emits one event per movement per group with the newest new fix of each device, for the operator and distribution only', async () => {
      const before = (await readEvents(w.store.db, 0)).length;
      const fixes = [
        { deviceId: 'ev-1', at: iso(T0), lon: SUMY[0], lat: SUMY[1], speed: 10 },
        { deviceId: 'ev-1', at: iso(T0 + 60_000), lon: SUMY[0] - 0.01, lat: SUMY[1] - 0.01, speed: 12 },
        { deviceId: 'ev-2', at: iso(T0 + 30_000), lon: SUMY[0] - 0.005, lat: SUMY[1] },
        { deviceId: 'ev-2', at: iso(T0 + 40_000) }, // a heartbeat: no fix
      ];
      const r = await api(w.app, w.aid.operator.token).post('/positions', { fixes });
      expect(json(r)).toEqual({ accepted: 3, duplicates: 0, heartbeats: 1, outdated: 0 });
      const evs = (await readEvents(w.store.db, 0)).slice(before).filter((e) => e.type === 'movement.positions');
      expect(evs).toHaveLength(1);
      const e = evs[0]!;
      expect(e.subject).toBe(`movement/${movId}`);
      expect(e.corridorId).toBe(corridorId);
      expect([...(e.audience ?? [])].sort()).toEqual(['aid', 'ua']);
      const p = e.payload as { movementId: string; fixes: { deviceId: string }[] };
      expect(p.movementId).toBe(movId);
      expect([...p.fixes].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))).toEqual([
        { deviceId: 'ev-1', at: iso(T0 + 60_000), lat: SUMY[1] - 0.01, lon: SUMY[0] - 0.01, speed: 12 },
        { deviceId: 'ev-2', at: iso(T0 + 30_000), lat: SUMY[1], lon: SUMY[0] - 0.005, speed: null },
      ]);
      // Who may see it: operator, distribution, mediator; not a party outside the distribution.
      expect(canSeeEvent(w.aid.operator, e)).toBe(true);
      expect(canSeeEvent(w.ua.viewer, e)).toBe(true);
      expect(canSeeEvent(w.mediator.viewer, e)).toBe(true);
      expect(canSeeEvent(w.ru.viewer, e)).toBe(false);
      expect(canSeeEvent(w.observer.viewer, e)).toBe(false);
    });

    it('a retried batch (only duplicates) emits nothing', async () => {
      const before = (await readEvents(w.store.db, 0)).length;
      const r = await api(w.app, w.aid.operator.token).post('/positions', { fixes: [{ deviceId: 'ev-1', at: iso(T0), lon: SUMY[0], lat: SUMY[1], speed: 10 }] });
      expect(json(r)).toEqual({ accepted: 0, duplicates: 1, heartbeats: 0, outdated: 0 });
      expect((await readEvents(w.store.db, 0)).slice(before).filter((e) => e.type === 'movement.positions')).toEqual([]);
    });

    it('reaches the distribution over SSE, never a party outside it', async () => {
      const ua = (await streamed(w, w.ua.viewer.token)).filter((m) => m.event === 'movement.positions');
      expect(ua.length).toBeGreaterThanOrEqual(1);
      expect(ua[0]!.data).toMatchObject({ type: 'movement.positions', subject: `movement/${movId}`, data: { movementId: movId } });
      expect((await streamed(w, w.aid.operator.token)).some((m) => m.event === 'movement.positions')).toBe(true);
      expect((await streamed(w, w.ru.viewer.token)).some((m) => m.event === 'movement.positions')).toBe(false);
      expect((await streamed(w, w.observer.viewer.token)).some((m) => m.event === 'movement.positions')).toBe(false);
      expect((await streamed(w, w.ru.viewer.token)).every((m) => !JSON.stringify(m.data).includes(movId))).toBe(true);
    });
  });
}
