import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/app/events.js';
import { tickWindows } from '../../src/app/scheduler.js';
import { defaultDeps } from '../../src/app/deps.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld, signBytes, sumyPoltava } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the window scheduler`, () => {
    it('announces each window start and end once, across restarts and competing processes, late after downtime but never skipped', async () => {
      const w = await makeWorld(engine);
      try {
        const c = { id: await guaranteedCorridor(w, { windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }] }) };
        w.clock.set('2022-03-08T06:00:00Z');
        expect(await tickWindows(w.deps)).toBe(0); // first run: the watermark starts now
        w.clock.set('2022-03-08T07:00:00Z');
        // Two "processes" tick at once: only one wins the watermark.
        const other = defaultDeps(w.store, w.clock.now);
        const [a, b] = await Promise.all([tickWindows(w.deps), tickWindows(other)]);
        expect(a + b).toBe(1);
        expect(await tickWindows(w.deps)).toBe(0);
        // Down from 08 March 08:00 to 10 March 12:00 ("restart"): the missed boundaries come, in order, once.
        w.clock.set('2022-03-10T12:00:00Z');
        expect(await tickWindows(other)).toBe(4);
        expect(await tickWindows(w.deps)).toBe(0);
        // A suspension in force means the next window does not "open".
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling' });
        w.clock.set('2022-03-11T00:00:00Z');
        expect(await tickWindows(w.deps)).toBe(0);
        const events = (await readEvents(w.store.db, 0)).filter((e) => e.type === 'corridor.opened' || e.type === 'corridor.closed');
        expect(events.map((e) => [e.type, (e.payload as any).at])).toEqual([
          ['corridor.opened', '2022-03-08T07:00:00Z'],
          ['corridor.closed', '2022-03-08T19:00:00Z'],
          ['corridor.opened', '2022-03-09T07:00:00Z'],
          ['corridor.closed', '2022-03-09T19:00:00Z'],
          ['corridor.opened', '2022-03-10T07:00:00Z'],
        ]);
        expect(events[0]).toMatchObject({ corridorId: c.id, audience: null, payload: { window: { timeZone: 'Europe/Kyiv' } } });
      } finally {
        await w.close();
      }
    });

    it('announces a corridor guaranteed inside one of its windows as opened then, and closed at the window’s end', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T06:00:00Z');
        expect(await tickWindows(w.deps)).toBe(0); // the watermark starts before the window
        const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
        await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, w.ua) });
        w.clock.set('2022-03-08T10:00:00Z'); // mid-window (07:00–19:00Z): the second signature opens it
        expect(await tickWindows(w.deps)).toBe(0); // the window started while it was not guaranteed
        await api(w.app, w.ru.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, w.ru) });
        w.clock.set('2022-03-08T20:00:00Z');
        expect(await tickWindows(w.deps)).toBe(1);
        const events = (await readEvents(w.store.db, 0)).filter((e) => e.type === 'corridor.opened' || e.type === 'corridor.closed');
        expect(events.map((e) => [e.type, (e.payload as any).at])).toEqual([
          ['corridor.opened', '2022-03-08T10:00:00Z'],
          ['corridor.closed', '2022-03-08T19:00:00Z'],
        ]);
        expect(events[0]).toMatchObject({ corridorId: c.id, audience: null, payload: { state: 'open', window: { start: '2022-03-08T07:00:00Z', end: '2022-03-08T19:00:00Z', timeZone: 'Europe/Kyiv' } } });
        // The public CAP chain starts with it: an Alert, then the window's end cancels it.
        const atom = (await w.app.inject({ method: 'GET', url: '/public/cap.atom' })).body;
        expect([...atom.matchAll(/<entry>/g)]).toHaveLength(2);
      } finally {
        await w.close();
      }
    });

    it('does not announce the start of a window the corridor was not yet guaranteed at, even when the scheduler catches up later', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T06:00:00Z');
        expect(await tickWindows(w.deps)).toBe(0); // the watermark stays before the window's start
        const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
        w.clock.set('2022-03-08T10:00:00Z'); // no tick since 06:00: the scheduler lags (or was down)
        for (const p of [w.ua, w.ru]) await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
        w.clock.set('2022-03-08T20:00:00Z');
        expect(await tickWindows(w.deps)).toBe(1); // only the end: at 07:00 it was not guaranteed
        const events = (await readEvents(w.store.db, 0)).filter((e) => e.type === 'corridor.opened' || e.type === 'corridor.closed');
        expect(events.map((e) => [e.type, (e.payload as any).at])).toEqual([
          ['corridor.opened', '2022-03-08T10:00:00Z'],
          ['corridor.closed', '2022-03-08T19:00:00Z'],
        ]);
      } finally {
        await w.close();
      }
    });
  });
}
