import { describe, it, expect } from 'vitest';
import geodesicLib from 'geographiclib-geodesic';
import { bufferRouteToPolygon } from './deconfliction-engine.js';
import { referenceDistanceToRoute } from './reference.js';

const geod = geodesicLib.Geodesic.WGS84;

function signedArea(ring: [number, number][]): number {
  let s = 0;
  for (let k = 0; k + 1 < ring.length; k++) s += (ring[k] as [number, number])[0] * (ring[k + 1] as [number, number])[1] - (ring[k + 1] as [number, number])[0] * (ring[k] as [number, number])[1];
  return s / 2;
}

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

/** Points at distance `off` either side of each edge and around the end caps. */
function probes(route: [number, number][], off: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k + 1 < route.length; k++) {
    const a = route[k] as [number, number];
    const b = route[k + 1] as [number, number];
    const line = geod.InverseLine(a[1], a[0], b[1], b[0]);
    for (const f of [0.13, 0.5, 0.87]) {
      const p = line.Position(line.s13 * f);
      for (const side of [90, -90]) {
        const d = geod.Direct(p.lat2 ?? 0, p.lon2 ?? 0, (p.azi2 ?? 0) + side, off);
        out.push([d.lon2 ?? 0, d.lat2 ?? 0]);
      }
    }
  }
  for (const v of [route[0], route[route.length - 1]] as [number, number][]) {
    for (let azi = 0; azi < 360; azi += 30) {
      const d = geod.Direct(v[1], v[0], azi, off);
      out.push([d.lon2 ?? 0, d.lat2 ?? 0]);
    }
  }
  return out;
}

describe('bufferRouteToPolygon', () => {
  const routes: [string, [number, number][], number][] = [
    ['Sumy – Poltava', [[34.798, 50.908], [33.265, 50.36], [32.997, 50.019], [34.551, 49.588]], 4000],
    ['a route that doubles back', [[30.0, 48.0], [30.2, 48.05], [30.05, 48.02], [30.1, 48.1]], 1500],
    // Where the local frame errs most (geodesic.ts, frameErrorBound): the published zone is still on the boundary.
    ['84°N, 50 km wide', [[40, 84], [41, 84]], 50_000],
    ['85°S, 20 km wide', [[-60, -84.9], [-59, -84.7]], 20_000],
  ];
  for (const [name, route, width] of routes) {
    it(`${name}: closed, counter-clockwise, edges ≤ 1 km, holds width/2 − 2 m and not width/2 + 2 m`, () => {
      const rings = bufferRouteToPolygon(route, width);
      expect(rings.length).toBeGreaterThanOrEqual(1);
      const outer = rings[0] as [number, number][];
      expect(outer[0]).toEqual(outer[outer.length - 1]);
      expect(signedArea(outer)).toBeGreaterThan(0);
      for (const hole of rings.slice(1)) {
        expect(hole[0]).toEqual(hole[hole.length - 1]);
        expect(signedArea(hole)).toBeLessThan(0);
      }
      for (const ring of rings) {
        for (let k = 0; k + 1 < ring.length; k++) {
          const a = ring[k] as [number, number];
          const b = ring[k + 1] as [number, number];
          expect(geod.Inverse(a[1], a[0], b[1], b[0]).s12 ?? Infinity).toBeLessThanOrEqual(1000.5);
        }
      }
      // vertices lie on the geodesic buffer boundary
      for (let k = 0; k < outer.length; k += Math.max(1, Math.floor(outer.length / 40))) {
        const d = referenceDistanceToRoute(route, outer[k] as [number, number]);
        expect(Math.abs(d - width / 2)).toBeLessThan(0.05);
      }
      for (const p of probes(route, width / 2 - 2)) if (referenceDistanceToRoute(route, p) <= width / 2 - 2 + 1e-6) expect(inPolygon(rings, p)).toBe(true);
      for (const p of probes(route, width / 2 + 2)) if (referenceDistanceToRoute(route, p) >= width / 2 + 2 - 1e-6) expect(inPolygon(rings, p)).toBe(false);
    });
  }
});
