import { describe, it, expect } from 'vitest';
import geodesicLib from 'geographiclib-geodesic';
import {
  DEG,
  densifyGeodesic,
  directGeodesic,
  distanceToGeodesicSegment,
  frameAt,
  frameErrorBound,
  inverseGeodesic,
} from './geodesic.js';
import { referenceDistanceToEdge } from './reference.js';

const geod = geodesicLib.Geodesic.WGS84;

/** Park–Miller generator: tests are deterministic. */
function makeRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

describe('Vincenty inverse and direct', () => {
  it('agree with GeographicLib to a millimetre', () => {
    const rnd = makeRandom(7);
    for (let i = 0; i < 2000; i++) {
      const lat1 = -70 + rnd() * 140;
      const lon1 = -180 + rnd() * 360;
      const azi = rnd() * 360 - 180;
      const s = rnd() * 2_000_000;
      const ref = geod.Direct(lat1, lon1, azi, s);
      const mine = directGeodesic(lat1, lon1, azi, s);
      const err = geod.Inverse(mine.lat2, mine.lon2, ref.lat2 ?? 0, ref.lon2 ?? 0).s12 ?? 1;
      expect(err).toBeLessThan(1e-3);
      const inv = inverseGeodesic(lat1, lon1, ref.lat2 ?? 0, ref.lon2 ?? 0);
      expect(Math.abs(inv.s12 - s)).toBeLessThan(1e-3);
      expect(Math.abs(((inv.azi1 - azi + 540) % 360) - 180)).toBeLessThan(1e-6);
    }
  });
  it('gives zero for coincident points', () => {
    expect(inverseGeodesic(48, 30, 48, 30).s12).toBe(0);
  });
});

describe('local frame', () => {
  it('keeps distances within the stated bound up to 25 km from the origin', () => {
    const rnd = makeRandom(11);
    for (const r of [2000, 8000, 15000, 25000]) {
      for (let i = 0; i < 500; i++) {
        const lat0 = 44 + rnd() * 9;
        const lon0 = 22 + rnd() * 18;
        const f = frameAt(lat0 * DEG);
        const xy = (lat: number, lon: number): [number, number] => {
          const dp = (lat - lat0) * DEG;
          const dl = (lon - lon0) * DEG;
          return [(f.g + f.dg * dp) * dl, f.m * dp + f.hm * dp * dp + f.kl * dl * dl];
        };
        const p = geod.Direct(lat0, lon0, rnd() * 360, rnd() * r);
        const q = geod.Direct(lat0, lon0, rnd() * 360, rnd() * r);
        const [px, py] = xy(p.lat2 ?? 0, p.lon2 ?? 0);
        const [qx, qy] = xy(q.lat2 ?? 0, q.lon2 ?? 0);
        const exact = geod.Inverse(p.lat2 ?? 0, p.lon2 ?? 0, q.lat2 ?? 0, q.lon2 ?? 0).s12 ?? 0;
        expect(Math.abs(Math.hypot(px - qx, py - qy) - exact)).toBeLessThan(frameErrorBound(r) / 2);
      }
    }
  });
});

describe('local frame at every latitude the index accepts', () => {
  // The engine's decisions rest on this bound (zone-index.ts: when to measure exactly, which cells
  // are wholly inside): calibrated over ±85° in both hemispheres, point to point and point to a
  // 6 km segment as the index measures them, at the radii its corridors and sites use.
  const segDist = (px: number, py: number, ax: number, ay: number, bx: number, by: number): number => {
    const dx = bx - ax;
    const dy = by - ay;
    const l = dx * dx + dy * dy;
    const t = l > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / l)) : 0;
    return Math.hypot(px - ax - t * dx, py - ay - t * dy);
  };
  for (const band of [-85, -80, -70, -60, -45, -20, 0, 20, 45, 53, 60, 70, 75, 80, 83, 85]) {
    it(`keeps the error under half the bound at ${band}°`, () => {
      const rnd = makeRandom(1000 + band);
      for (const r of [4000, 12_000, 25_000, 35_000, 52_000]) {
        for (let i = 0; i < 120; i++) {
          const lat0 = Math.max(-85, Math.min(85, band - 0.5 + rnd()));
          const lon0 = -170 + rnd() * 340;
          const f = frameAt(lat0 * DEG);
          const xy = (lat: number, lon: number): [number, number] => {
            const dp = (lat - lat0) * DEG;
            const dl = (lon - lon0) * DEG;
            return [(f.g + f.dg * dp) * dl, f.m * dp + f.hm * dp * dp + f.kl * dl * dl];
          };
          const p = geod.Direct(lat0, lon0, rnd() * 360, rnd() * r);
          const a = geod.Direct(lat0, lon0, rnd() * 360, rnd() * r);
          const b = geod.Direct(a.lat2 ?? 0, a.lon2 ?? 0, rnd() * 360, rnd() * 6000);
          const [px, py] = xy(p.lat2 ?? 0, p.lon2 ?? 0);
          const [ax, ay] = xy(a.lat2 ?? 0, a.lon2 ?? 0);
          const [bx, by] = xy(b.lat2 ?? 0, b.lon2 ?? 0);
          const reach = Math.max(Math.abs(p.lat2 ?? 0), Math.abs(a.lat2 ?? 0), Math.abs(b.lat2 ?? 0));
          const pp = geod.Inverse(p.lat2 ?? 0, p.lon2 ?? 0, a.lat2 ?? 0, a.lon2 ?? 0).s12 ?? 0;
          expect(Math.abs(Math.hypot(px - ax, py - ay) - pp)).toBeLessThan(frameErrorBound(r, reach) / 2);
          const edge = distanceToGeodesicSegment(p.lat2 ?? 0, p.lon2 ?? 0, a.lat2 ?? 0, a.lon2 ?? 0, b.lat2 ?? 0, b.lon2 ?? 0);
          expect(Math.abs(segDist(px, py, ax, ay, bx, by) - edge)).toBeLessThan(frameErrorBound(r + 6000, reach) / 2);
        }
      }
    });
  }
  it('is the mid-latitude bound up to 52°, and grows as tan² beyond', () => {
    expect(frameErrorBound(20_000, 52)).toBe(frameErrorBound(20_000));
    expect(frameErrorBound(20_000, -84)).toBeCloseTo(frameErrorBound(20_000, 84), 12);
    expect(frameErrorBound(20_000, 84) / frameErrorBound(20_000)).toBeGreaterThan(50);
  });
});

describe('distance to a geodesic edge', () => {
  it('matches the golden-section reference, including long edges and points beyond the ends', () => {
    const rnd = makeRandom(3);
    for (let i = 0; i < 150; i++) {
      const a: [number, number] = [22 + rnd() * 18, 44 + rnd() * 9];
      const len = i % 3 === 0 ? rnd() * 300_000 : rnd() * 8000;
      const e = geod.Direct(a[1], a[0], rnd() * 360, len);
      const b: [number, number] = [e.lon2 ?? 0, e.lat2 ?? 0];
      const q = geod.Direct(a[1], a[0], rnd() * 360, rnd() * (len + 20000));
      const p: [number, number] = [q.lon2 ?? 0, q.lat2 ?? 0];
      const mine = distanceToGeodesicSegment(p[1], p[0], a[1], a[0], b[1], b[0]);
      expect(Math.abs(mine - referenceDistanceToEdge(p, a, b))).toBeLessThan(2e-3);
    }
  });
  it('matches it at every latitude the index accepts, ±85° in both hemispheres', () => {
    const rnd = makeRandom(31);
    for (let i = 0; i < 150; i++) {
      const a: [number, number] = [-170 + rnd() * 340, -84.5 + rnd() * 169];
      const len = rnd() * 8000;
      const e = geod.Direct(a[1], a[0], rnd() * 360, len);
      const b: [number, number] = [e.lon2 ?? 0, e.lat2 ?? 0];
      const q = geod.Direct(a[1], a[0], rnd() * 360, rnd() * 50_000);
      const p: [number, number] = [q.lon2 ?? 0, q.lat2 ?? 0];
      const mine = distanceToGeodesicSegment(p[1], p[0], a[1], a[0], b[1], b[0]);
      expect(Math.abs(mine - referenceDistanceToEdge(p, a, b))).toBeLessThan(2e-3);
    }
  });
});

describe('densifyGeodesic', () => {
  it('keeps the ends, splits long edges into equal pieces on the geodesic', () => {
    const route: [number, number][] = [
      [30.5, 50.45],
      [34.55, 49.59],
      [34.56, 49.59],
    ];
    const out = densifyGeodesic(route, 1000);
    expect(out[0]).toEqual(route[0]);
    expect(out[out.length - 1]).toEqual(route[2]);
    for (let i = 1; i < out.length; i++) {
      const [a, b] = [out[i - 1] as [number, number], out[i] as [number, number]];
      expect(inverseGeodesic(a[1], a[0], b[1], b[0]).s12).toBeLessThanOrEqual(1000 + 1e-6);
    }
    // the midpoint of the long edge lies on GeographicLib's geodesic
    const line = geod.InverseLine(50.45, 30.5, 49.59, 34.55);
    const mid = out[Math.floor((out.length - 1) / 2)] as [number, number];
    const dist = referenceDistanceToEdge(mid, route[0] as [number, number], route[1] as [number, number]);
    expect(dist).toBeLessThan(0.01);
    expect(line.s13).toBeGreaterThan(290_000);
  });
});
