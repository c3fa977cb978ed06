/**
 * Zones and sites at their limits through the API: the narrowest zone allowed over the longest
 * route allowed still makes a polygon that covers the route and lies on the boundary; narrower
 * widths are refused; a site ring may repeat a position (valid GeoJSON).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferRouteToPolygon } from '../../src/domain/geo/buffer-polygon.js';
import { inverseGeodesic } from '../../src/domain/geo/geodesic.js';
import { referenceDistanceToRoute } from '../../src/domain/geo/reference.js';
import { MIN_WIDTH_M } from '../../src/domain/corridor-terms.js';
import { api, ENGINES, json, makeWorld, sumyPoltava, type World } from '../helpers.js';

/** Even-odd point in rings (lon/lat), as the tests of the polygons use. */
function inPolygon(rings: [number, number][][], p: [number, number]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

describe('the narrowest zone over the longest route', () => {
  it(`${MIN_WIDTH_M} m over ~1,990 km: one ring around the whole route, its vertices on the boundary`, () => {
    // A zigzag across Ukraine's latitudes and beyond, just under the 2,000 km a route may have.
    const route: [number, number][] = [];
    for (let k = 0; k <= 49; k++) route.push([22 + k * 0.45, 44 + k * 0.2 + (k % 2) * 0.05]);
    let length = 0;
    for (let i = 1; i < route.length; i++) length += inverseGeodesic((route[i - 1] as [number, number])[1], (route[i - 1] as [number, number])[0], (route[i] as [number, number])[1], (route[i] as [number, number])[0]).s12;
    expect(length).toBeGreaterThan(1_950_000);
    expect(length).toBeLessThan(2_000_000);
    const rings = bufferRouteToPolygon(route, MIN_WIDTH_M);
    expect(rings).toHaveLength(1);
    const outer = rings[0] as [number, number][];
    expect(outer.length).toBeGreaterThan(4000);
    for (let k = 0; k < outer.length; k += Math.floor(outer.length / 20)) expect(Math.abs(referenceDistanceToRoute(route, outer[k] as [number, number]) - MIN_WIDTH_M / 2)).toBeLessThan(0.05);
    // The route itself lies in the zone, from end to end.
    for (const p of route) expect(inPolygon(rings, p), JSON.stringify(p)).toBe(true);
    for (let i = 1; i < route.length; i += 7) {
      const a = route[i - 1] as [number, number];
      const b = route[i] as [number, number];
      expect(inPolygon(rings, [(a[0] + b[0]) / 2 + 0.00001, (a[1] + b[1]) / 2])).toBe(referenceDistanceToRoute(route, [(a[0] + b[0]) / 2 + 0.00001, (a[1] + b[1]) / 2]) <= MIN_WIDTH_M / 2);
    }
  }, 120_000);
});

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: zone and site geometry at their limits`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    it(`refuses a zone narrower than ${MIN_WIDTH_M} m, saying why`, async () => {
      for (const widthM of [0.0001, 1, 99.9]) {
        const res = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM }));
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res)).toMatchObject({ code: 'width_out_of_range', errors: [{ path: '/widthM' }] });
        expect(json(res).detail).toMatch(/at least 100/);
      }
      const ok = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ widthM: MIN_WIDTH_M }));
      expect(ok.statusCode, ok.body).toBe(201);
    });

    it('takes a site ring with a repeated consecutive position, as GeoJSON allows', async () => {
      const ring = [[33.26, 50.35], [33.27, 50.35], [33.27, 50.35], [33.27, 50.36], [33.26, 50.36], [33.26, 50.35]];
      const site = { kind: 'hospital', name: 'District hospital', geometry: { type: 'Polygon', coordinates: [ring] }, contact: 'duty desk', distribution: ['ua'] };
      const res = await api(w.app, w.aid.operator.token).post('/sites', site);
      expect(res.statusCode, res.body).toBe(201);
      // Its zone holds: the middle of the square is inside it.
      const check = json(await api(w.app, w.aid.operator.token).post('/deconfliction/check', { points: [{ lon: 33.265, lat: 50.355, at: '2022-03-08T10:00:00Z' }] }));
      expect(check.results[0].sites).toEqual([json(res).id]);
      // A ring that really crosses itself is still refused, named by the index sent.
      const bow = [[33.26, 50.35], [33.26, 50.35], [33.27, 50.36], [33.27, 50.35], [33.26, 50.36], [33.26, 50.35]];
      const crossed = await api(w.app, w.aid.operator.token).post('/sites', { ...site, geometry: { type: 'Polygon', coordinates: [bow] } });
      expect(crossed.statusCode).toBe(400);
      expect(json(crossed).detail).toMatch(/intersects itself \(edge 0 crosses edge 3\)/);
      // Repeats dropped, too few corners remain.
      const thin = await api(w.app, w.aid.operator.token).post('/sites', { ...site, geometry: { type: 'Polygon', coordinates: [[[33.26, 50.35], [33.27, 50.35], [33.27, 50.35], [33.26, 50.35]]] } });
      expect(thin.statusCode).toBe(400);
    });
  });
}
