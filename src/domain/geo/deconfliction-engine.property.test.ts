import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import geodesicLib from 'geographiclib-geodesic';
import { DeconflictionEngine } from './deconfliction-engine.js';
import { referenceDistance, referenceDistanceToRoute } from './reference.js';
import { isActiveAt, type CheckPoint, type ZoneCorridor, type ZoneSite } from './zone-types.js';

const geod = geodesicLib.Geodesic.WGS84;

/** Uniform doubles (fc.double favours extremes and tiny values, which would hide the boundary cases). */
function uniform(min: number, max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);
}
const T0 = Date.UTC(2022, 2, 5, 0, 0, 0);
const HOUR = 3_600_000;

/** A leg of a route: heading change (degrees) and length (metres); short and reversing legs on purpose. */
const legArb = fc.oneof(
  fc.record({ turn: uniform(-60, 60), len: uniform(500, 15_000) }),
  fc.record({ turn: fc.constant(180), len: uniform(100, 8000) }), // doubles back
  fc.record({ turn: uniform(-180, 180), len: uniform(0, 30) }), // very short
  fc.record({ turn: uniform(-20, 20), len: uniform(20_000, 60_000) }), // long geodesic edge
);

/** Half-open windows that may touch, as hours from T0. */
const activeArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 59 })), { maxLength: 4 }).map((parts) => {
  const out: [number, number][] = [];
  let t = T0;
  for (const [gapH, lenH, minute] of parts) {
    const s = t + gapH * HOUR; // gap 0: touches the previous window
    const e = s + lenH * HOUR + minute * 60_000;
    out.push([s, e]);
    t = e;
  }
  return out;
});

const corridorArb = fc.record({
  lon: uniform(30, 30.6),
  lat: uniform(48, 48.4),
  heading: uniform(0, 360),
  legs: fc.array(legArb, { minLength: 0, maxLength: 6 }),
  widthM: fc.oneof(uniform(20, 1000), uniform(1000, 12_000), uniform(12_000, 40_000)),
  active: activeArb,
});

function buildRoute(c: { lon: number; lat: number; heading: number; legs: { turn: number; len: number }[] }): [number, number][] {
  const route: [number, number][] = [[c.lon, c.lat]];
  let heading = c.heading;
  let [lon, lat] = [c.lon, c.lat];
  for (const leg of c.legs) {
    heading += leg.turn;
    const d = geod.Direct(lat, lon, heading, leg.len);
    lon = d.lon2 ?? lon;
    lat = d.lat2 ?? lat;
    route.push([lon, lat]);
  }
  return route;
}

/** Kinds of query point: anywhere, near a vertex, or just either side of a boundary. */
const pointSpecArb = fc.record({
  kind: fc.constantFrom('any', 'vertex', 'boundary', 'boundary'),
  corridor: fc.nat(),
  where: uniform(0, 1),
  side: uniform(-1, 1),
  offset: uniform(-8, 8),
  lon: uniform(29.6, 31),
  lat: uniform(47.7, 48.7),
  minutes: fc.integer({ min: -60, max: 40 * 60 }),
  edgeTime: fc.boolean(),
});

describe('engine equals the geodesic reference (property)', () => {
  it('agrees on every point farther than 1 m from a boundary', () => {
    fc.assert(
      fc.property(fc.array(corridorArb, { minLength: 1, maxLength: 3 }), fc.array(pointSpecArb, { minLength: 1, maxLength: 12 }), (specs, pointSpecs) => {
        const corridors: ZoneCorridor[] = specs.map((s, k) => ({ id: `c${k}`, version: 1, route: buildRoute(s), widthM: s.widthM, active: s.active }));
        const engine = new DeconflictionEngine(corridors, []);
        const points: CheckPoint[] = pointSpecs.map((ps) => {
          const c = corridors[ps.corridor % corridors.length] as ZoneCorridor;
          const iv = c.active[ps.corridor % Math.max(1, c.active.length)];
          const at = ps.edgeTime && iv !== undefined ? (ps.side > 0 ? iv[1] : iv[0]) + Math.round(ps.offset) : T0 + ps.minutes * 60_000;
          if (ps.kind === 'any') return { lon: ps.lon, lat: ps.lat, at };
          const i = Math.min(c.route.length - 1, Math.floor(ps.where * c.route.length));
          const v = c.route[i] as [number, number];
          if (ps.kind === 'vertex') {
            const d = geod.Direct(v[1], v[0], ps.side * 180, Math.abs(ps.offset) * 3);
            return { lon: d.lon2 ?? 0, lat: d.lat2 ?? 0, at };
          }
          const w = c.route[Math.min(c.route.length - 1, i + 1)] as [number, number];
          const line = geod.InverseLine(v[1], v[0], w[1], w[0]);
          const pos = line.Position(line.s13 * ps.where);
          const azi = (pos.azi2 ?? 0) + (ps.side >= 0 ? 90 : -90);
          const d = geod.Direct(pos.lat2 ?? 0, pos.lon2 ?? 0, azi, Math.max(0, c.widthM / 2 + ps.offset));
          return { lon: d.lon2 ?? 0, lat: d.lat2 ?? 0, at };
        });
        const got = engine.check(points, { distances: true });
        points.forEach((p, i) => {
          const res = got[i];
          expect(res).toBeDefined();
          for (const c of corridors) {
            const h = c.widthM / 2;
            const d = referenceDistanceToRoute(c.route, [p.lon, p.lat], h + 5);
            if (Math.abs(d - h) <= 1) continue; // on the boundary: either answer is right
            const expected = d <= h && isActiveAt(c.active, p.at);
            const actual = res?.corridors.includes(c.id) ?? false;
            if (actual !== expected) throw new Error(`point ${JSON.stringify(p)} corridor ${JSON.stringify(c)}: reference ${d} vs half-width ${h}, expected ${expected}`);
            if (actual) expect(Math.abs((res?.distances?.[c.id] ?? NaN) - d)).toBeLessThan(0.5);
          }
        });
      }),
      { numRuns: 400, seed: 4242 },
    );
  });

  it('agrees on circle and polygon sites', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lon: uniform(30, 30.3),
            lat: uniform(48, 48.2),
            r: uniform(5, 50_000),
            poly: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.record({ site: fc.nat(), azi: uniform(0, 360), f: uniform(0, 1.3) }), { minLength: 1, maxLength: 10 }),
        (specs, pspecs) => {
          const sites: ZoneSite[] = specs.map((s, k) => {
            if (!s.poly) return { id: `s${k}`, version: 1, center: [s.lon, s.lat], radiusM: s.r, visibleTo: ['ua'] };
            const ring: [number, number][] = [];
            for (const azi of [0, 100, 170, 260, 0]) {
              const d = geod.Direct(s.lat, s.lon, azi, s.r);
              ring.push([d.lon2 ?? 0, d.lat2 ?? 0]);
            }
            ring[ring.length - 1] = ring[0] as [number, number];
            return { id: `s${k}`, version: 1, polygon: [ring], visibleTo: ['ua'] };
          });
          const engine = new DeconflictionEngine([], sites);
          const points = pspecs.map((ps) => {
            const s = specs[ps.site % specs.length] as { lon: number; lat: number; r: number };
            const d = geod.Direct(s.lat, s.lon, ps.azi, s.r * ps.f);
            return { lon: d.lon2 ?? 0, lat: d.lat2 ?? 0, at: T0 };
          });
          const got = engine.check(points);
          const hidden = engine.check(points, { viewerPartyId: 'ru' });
          points.forEach((p, i) => {
            expect(hidden[i]?.sites).toEqual([]);
            sites.forEach((s) => {
              if (s.center !== undefined && s.radiusM !== undefined) {
                const d = referenceDistance([p.lon, p.lat], s.center);
                if (Math.abs(d - s.radiusM) <= 1) return;
                expect(got[i]?.sites.includes(s.id)).toBe(d <= s.radiusM);
              }
            });
          });
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
