/**
 * Terms stored under older, looser rules (before a release bounded RRULE work, the years a time
 * may name, or route edges) must not break every reader: lists, the public page, feeds, the
 * scheduler and deconfliction answer for the other corridors, and the stale one is shown as
 * never open, with the reason, or left out of the zones (fail closed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { windowBoundaries } from '../../src/app/scheduler.js';
import { api, ENGINES, json, makeWorld, reportSkippedEngine, signBytes, sumyPoltava, type World } from '../helpers.js';

// A window RRULE the present rules refuse (it would search centuries of calendar).
const STALE_WINDOWS = Array.from({ length: 3 }, () => ({ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;BYWEEKNO=53;COUNT=1000' }));
// A route whose second edge crosses the antimeridian, which the deconfliction index refuses.
const STALE_ROUTE = { type: 'LineString', coordinates: [[179.0, 60.0], [179.9, 60.0], [-179.9, 60.0]] };

for (const { engine, available, why } of ENGINES) {
  if (!available) {
    reportSkippedEngine('terms stored under older rules', engine, why);
    continue;
  }
  describe(`${engine}: terms stored under older rules`, () => {
    let w: World;
    let good: string;
    let staleWindows: string;
    let staleRoute: string;

    const guaranteed = async (o: Record<string, unknown> = {}): Promise<string> => {
      const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava(o)));
      const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
      for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
      return c.id as string;
    };
    // Rewrites stored terms as an older release might have accepted them (the table is append-only).
    const rewrite = async (id: string, change: (t: Record<string, unknown>) => void): Promise<void> => {
      const row = await w.store.db.selectFrom('corridor_versions').select('terms').where('corridor_id', '=', id).executeTakeFirstOrThrow();
      const t = JSON.parse(row.terms) as Record<string, unknown>;
      change(t);
      if (engine === 'sqlite') await sql`DROP TRIGGER IF EXISTS corridor_versions_no_update`.execute(w.store.db);
      else await sql`ALTER TABLE corridor_versions DISABLE TRIGGER USER`.execute(w.store.db);
      await w.store.db.updateTable('corridor_versions').set({ terms: JSON.stringify(t) }).where('corridor_id', '=', id).execute();
      if (engine === 'postgres') await sql`ALTER TABLE corridor_versions ENABLE TRIGGER USER`.execute(w.store.db);
    };

    beforeAll(async () => {
      w = await makeWorld(engine);
      good = await guaranteed();
      staleWindows = await guaranteed({ title: 'Stale windows' });
      staleRoute = await guaranteed({ title: 'Stale route', route: { type: 'LineString', coordinates: [[179.0, 60.0], [179.9, 60.0]] }, origin: { name: 'A', coordinates: [179.0, 60.0] }, destination: { name: 'B', coordinates: [179.9, 60.0] }, checkpoints: [] });
      await rewrite(staleWindows, (t) => (t.windows = STALE_WINDOWS));
      await rewrite(staleRoute, (t) => (t.route = STALE_ROUTE));
      w.clock.set('2022-03-08T10:00:00Z');
    }, 60_000);
    afterAll(async () => w?.close());

    it('the stale corridor reads as never open, with the reason; the others are unaffected', async () => {
      const list = await api(w.app, w.ua.viewer.token).get('/corridors');
      expect(list.statusCode).toBe(200);
      expect(json<{ id: string }[]>(list).map((c) => c.id).sort()).toEqual([good, staleWindows, staleRoute].sort());
      const st = await api(w.app, w.ua.viewer.token).get(`/corridors/${staleWindows}/status`);
      expect(st.statusCode).toBe(200);
      expect(json(st)).toMatchObject({ open: false, state: 'guaranteed', currentWindow: null, nextWindow: null, reasons: [{ code: 'unreadable_windows' }] });
      expect(json(st).reasons[0].message).toMatch(/RRULE/);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${good}/status`))).toMatchObject({ open: true, reasons: [] });
    });

    it('the public page and its feeds still answer, without the stale corridor', async () => {
      const page = await w.app.inject({ method: 'GET', url: '/public?lang=en' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Sumy → Poltava');
      expect(page.body).not.toContain('Stale windows');
      const ics = await w.app.inject({ method: 'GET', url: '/public/corridors.ics' });
      expect(ics.statusCode).toBe(200);
      expect(ics.body).toContain('Sumy → Poltava');
      expect(ics.body).not.toContain('Stale windows');
      for (const feed of ['/public/cap.atom', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.csv']) {
        expect((await w.app.inject({ method: 'GET', url: feed })).statusCode, feed).toBe(200);
      }
      // The stale route is listed with its route but without a zone; the good one has both.
      const features = json((await w.app.inject({ method: 'GET', url: '/public/corridors.geojson' }))).features as { id: string }[];
      expect(features.map((f) => f.id).sort()).toEqual([`${good}/route`, `${good}/zone`, `${staleRoute}/route`].sort());
      const kml = (await w.app.inject({ method: 'GET', url: '/public/corridors.kml' })).body;
      expect(kml).toContain(`${good}-zone`);
      expect(kml).toContain(`${staleRoute}-route`);
      expect(kml).not.toContain(`${staleRoute}-zone`);
    });

    it('the scheduler announces the other corridors’ windows', async () => {
      const b = await windowBoundaries(w.deps, Date.parse('2022-03-08T00:00:00Z'), Date.parse('2022-03-09T00:00:00Z'));
      const want = (type: string) => [good, staleRoute].sort().map((id) => [id, type]);
      expect(b.map((x) => [x.corridorId, x.type])).toEqual([...want('corridor.opened'), ...want('corridor.closed')]);
    });

    it('deconfliction answers for the other corridors and leaves the stale route out (fail closed)', async () => {
      const check = await api(w.app, w.ua.viewer.token).post('/deconfliction/check', {
        points: [
          { lon: 33.265, lat: 50.36, at: '2022-03-08T10:00:00Z' },
          { lon: 179.5, lat: 60.0, at: '2022-03-08T10:00:00Z' },
        ],
      });
      expect(check.statusCode).toBe(200);
      const results = json(check).results as { corridors: string[] }[];
      expect(results[0]?.corridors).toEqual([good]);
      expect(results[1]?.corridors).toEqual([]);
      const zones = await api(w.app, w.ua.viewer.token).get('/ceasefire-zones?at=2022-03-08T10:00:00Z');
      expect(zones.statusCode).toBe(200);
      expect(json(zones).features.map((f: { id: string }) => f.id)).toEqual([good]);
      const explain = await api(w.app, w.ua.viewer.token).get('/deconfliction/explain?lon=33.265&lat=50.36&at=2022-03-08T10:00:00Z');
      expect(explain.statusCode).toBe(200);
      // Both corridors on this route are named: the stale one's ceasefire does not hold, and why.
      const named = json(explain).corridors as { id: string; ceasefireHolds: boolean; reasons: { code: string }[] }[];
      expect(named.find((c) => c.id === good)).toMatchObject({ ceasefireHolds: true });
      expect(named.find((c) => c.id === staleWindows)).toMatchObject({ ceasefireHolds: false, reasons: [{ code: 'unreadable_windows' }] });
      expect(named).toHaveLength(2);
    });
  });
}
