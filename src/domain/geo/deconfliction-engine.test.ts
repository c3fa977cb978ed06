import { describe, it, expect } from 'vitest';
import geodesicLib from 'geographiclib-geodesic';
import { DeconflictionEngine, buildDeconflictionEngine, type ZoneCorridor, type ZoneSite } from './deconfliction-engine.js';
import { referenceCheck } from './reference.js';

const geod = geodesicLib.Geodesic.WGS84;
const T = Date.UTC(2022, 2, 5, 7, 30);
const H = 3_600_000;

/** A point `off` metres to the left (+) or right (−) of the geodesic a→b, at fraction f along it. */
function beside(a: [number, number], b: [number, number], f: number, off: number): [number, number] {
  const line = geod.InverseLine(a[1], a[0], b[1], b[0]);
  const p = line.Position(line.s13 * f);
  const d = geod.Direct(p.lat2 ?? 0, p.lon2 ?? 0, (p.azi2 ?? 0) + (off >= 0 ? -90 : 90), Math.abs(off));
  return [d.lon2 ?? 0, d.lat2 ?? 0];
}

const mariupol: [number, number] = [37.543, 47.097];
const zaporizhzhia: [number, number] = [35.14, 47.839];
const corridor: ZoneCorridor = { id: 'mariupol-zaporizhzhia', version: 1, route: [mariupol, zaporizhzhia], widthM: 2000, active: [[T - H, T + 2 * H]] };

describe('DeconflictionEngine', () => {
  it('follows the geodesic edge, not the straight lon/lat line, to the metre', () => {
    const e = buildDeconflictionEngine([corridor]);
    for (const f of [0.1, 0.37, 0.5, 0.81]) {
      for (const side of [1, -1]) {
        const inside = beside(mariupol, zaporizhzhia, f, side * 998);
        const outside = beside(mariupol, zaporizhzhia, f, side * 1002);
        const [rIn, rOut] = e.check([
          { lon: inside[0], lat: inside[1], at: T },
          { lon: outside[0], lat: outside[1], at: T },
        ]);
        expect(rIn?.corridors).toEqual(['mariupol-zaporizhzhia']);
        expect(rOut?.corridors).toEqual([]);
      }
    }
    // the lon/lat midpoint is hundreds of metres off the geodesic, so outside a 2 km zone's half-width? check via reference
    const mid = { lon: (mariupol[0] + zaporizhzhia[0]) / 2, lat: (mariupol[1] + zaporizhzhia[1]) / 2, at: T };
    expect(e.check([mid])[0]?.corridors).toEqual(referenceCheck([corridor], [], mid).corridors);
  });

  it('answers in time: windows are half-open, touching windows leave no gap', () => {
    const c: ZoneCorridor = { ...corridor, active: [[T, T + H], [T + H, T + 2 * H]] };
    const e = new DeconflictionEngine([c]);
    const [lon, lat] = beside(mariupol, zaporizhzhia, 0.5, 0);
    const at = (t: number): string[] => e.check([{ lon, lat, at: t }])[0]?.corridors ?? [];
    expect(at(T - 1)).toEqual([]);
    expect(at(T)).toEqual([c.id]);
    expect(at(T + H - 1)).toEqual([c.id]);
    expect(at(T + H)).toEqual([c.id]);
    expect(at(T + 2 * H - 1)).toEqual([c.id]);
    expect(at(T + 2 * H)).toEqual([]);
    expect(at(T + 1000 * H)).toEqual([]); // far outside the hour table
  });

  it('a suspension or resumption changes the very next answer', () => {
    const e = new DeconflictionEngine([corridor]);
    const [lon, lat] = beside(mariupol, zaporizhzhia, 0.3, 100);
    const q = [{ lon, lat, at: T }];
    expect(e.check(q)[0]?.corridors).toEqual([corridor.id]);
    e.setCorridorActive(corridor.id, [[T - H, T - 60_000]]); // suspended since T − 1 min
    expect(e.check(q)[0]?.corridors).toEqual([]);
    e.setCorridorActive(corridor.id, [[T - H, T - 60_000], [T - 1, T + 5 * 24 * H]]); // resumed
    expect(e.check(q)[0]?.corridors).toEqual([corridor.id]);
    expect(e.check([{ lon, lat, at: T + 4 * 24 * H }])[0]?.corridors).toEqual([corridor.id]);
    expect(() => e.setCorridorActive(corridor.id, [[T, T - 1]])).toThrow(RangeError);
    expect(() => e.setCorridorActive('nope', [])).toThrow(RangeError);
  });

  it('upserts, amends and removes corridors without a rebuild, and stays equal to a fresh build', () => {
    const base: ZoneCorridor[] = [];
    for (let i = 0; i < 30; i++) {
      const a: [number, number] = [30 + (i % 6) * 0.05, 48 + Math.floor(i / 6) * 0.05];
      base.push({ id: `c${i}`, version: 1, route: [a, [a[0] + 0.1, a[1] + 0.02], [a[0] + 0.05, a[1] - 0.03]], widthM: 1500 + i * 100, active: [[T - H, T + H]] });
    }
    const e = new DeconflictionEngine(base.slice(0, 20));
    const live = new Map(base.slice(0, 20).map((c) => [c.id, c]));
    for (let round = 0; round < 40; round++) {
      const c = base[(round * 7) % base.length] as ZoneCorridor;
      if (round % 5 === 4) {
        e.removeCorridor(c.id);
        live.delete(c.id);
      } else {
        const amended: ZoneCorridor = { ...c, version: round, widthM: 800 + ((round * 331) % 4000), route: c.route.map(([x, y]) => [x + round * 0.001, y] as [number, number]) };
        e.upsertCorridor(amended);
        live.set(c.id, amended);
      }
    }
    e.compact();
    const fresh = new DeconflictionEngine([...live.values()]);
    const pts = [];
    for (let i = 0; i < 400; i++) pts.push({ lon: 29.95 + (i % 20) * 0.022, lat: 47.95 + Math.floor(i / 20) * 0.017, at: T });
    const a = e.check(pts);
    const b = fresh.check(pts);
    a.forEach((r, i) => expect([...r.corridors].sort()).toEqual([...(b[i]?.corridors ?? [])].sort()));
    expect(e.removeCorridor('c0') || e.removeCorridor('c1')).toBe(true);
    expect(e.removeCorridor('never')).toBe(false);
  });

  it('protected sites: circles, polygons, distribution, update and withdrawal', () => {
    const hospital: ZoneSite = { id: 'hospital-3', version: 1, center: [37.55, 47.1], radiusM: 300, visibleTo: ['ua', 'ru'] };
    const ring: [number, number][] = [
      [37.5, 47.08],
      [37.52, 47.08],
      [37.52, 47.09],
      [37.5, 47.09],
      [37.5, 47.08],
    ];
    const theatre: ZoneSite = { id: 'drama-theatre', version: 1, polygon: [ring], visibleTo: ['ua'] };
    const e = new DeconflictionEngine([], [hospital, theatre]);
    const inHospital = geod.Direct(47.1, 37.55, 40, 299);
    const outHospital = geod.Direct(47.1, 37.55, 40, 301);
    const pts = [
      { lon: inHospital.lon2 ?? 0, lat: inHospital.lat2 ?? 0, at: T },
      { lon: outHospital.lon2 ?? 0, lat: outHospital.lat2 ?? 0, at: T },
      { lon: 37.51, lat: 47.085, at: T },
    ];
    expect(e.check(pts).map((r) => r.sites)).toEqual([['hospital-3'], [], ['drama-theatre']]);
    expect(e.check(pts, { viewerPartyId: 'ru' }).map((r) => r.sites)).toEqual([['hospital-3'], [], []]);
    expect(e.check(pts, { viewerPartyId: 'icrc' }).map((r) => r.sites)).toEqual([[], [], []]);
    e.upsertSite({ ...hospital, version: 2, radiusM: 310 });
    expect(e.check(pts).map((r) => r.sites)).toEqual([['hospital-3'], ['hospital-3'], ['drama-theatre']]);
    expect(e.removeSite('drama-theatre')).toBe(true);
    expect(e.check(pts).map((r) => r.sites)).toEqual([['hospital-3'], ['hospital-3'], []]);
    expect(() => e.upsertSite({ ...hospital, radiusM: 0 })).toThrow(RangeError);
    expect(() => e.upsertSite({ ...hospital, radiusM: 50_001 })).toThrow(RangeError);
    expect(() => e.upsertSite({ id: 'open', version: 1, polygon: [ring.slice(0, 4)], visibleTo: [] })).toThrow(/not closed|at least 4/);
  });

  it('gives geodesic distances to the centre line when asked', () => {
    const e = new DeconflictionEngine([corridor]);
    const [lon, lat] = beside(mariupol, zaporizhzhia, 0.6, -640);
    const r = e.check([{ lon, lat, at: T }], { distances: true })[0];
    expect(r?.corridors).toEqual([corridor.id]);
    expect(Math.abs((r?.distances?.[corridor.id] ?? 0) - 640)).toBeLessThan(0.05);
    expect(e.check([{ lon, lat, at: T }])[0]?.distances).toBeUndefined();
  });

  it('treats bad points as matching nothing and rejects bad corridors by name', () => {
    const e = new DeconflictionEngine([corridor]);
    expect(e.check([{ lon: NaN, lat: 47, at: T }, { lon: 37, lat: 95, at: T }, { lon: 37, lat: 47, at: NaN }]).map((r) => r.corridors)).toEqual([[], [], []]);
    expect(() => e.upsertCorridor({ ...corridor, widthM: -1 })).toThrow(/widthM/);
    expect(() => e.upsertCorridor({ ...corridor, route: [[200, 47]] })).toThrow(/route\[0\]/);
    expect(() => new DeconflictionEngine([corridor, corridor])).toThrow(/duplicate/);
    // a failed update leaves the index as it was
    expect(e.check([{ lon: beside(mariupol, zaporizhzhia, 0.5, 0)[0], lat: beside(mariupol, zaporizhzhia, 0.5, 0)[1], at: T }])[0]?.corridors).toEqual([corridor.id]);
  });

  it('a single-position route is a disc', () => {
    const e = new DeconflictionEngine([{ id: 'p', version: 1, route: [[30, 48]], widthM: 1000, active: [[T - H, T + H]] }]);
    const a = geod.Direct(48, 30, 123, 498);
    const b = geod.Direct(48, 30, 123, 502);
    expect(e.check([{ lon: a.lon2 ?? 0, lat: a.lat2 ?? 0, at: T }, { lon: b.lon2 ?? 0, lat: b.lat2 ?? 0, at: T }]).map((r) => r.corridors)).toEqual([['p'], []]);
  });
});

describe('DeconflictionEngine at high latitudes (±85°, where the index ends)', () => {
  // The local frame errs more towards the poles: with a bound that ignored latitude, a point
  // 24,995 m from the route [[40,84],[41,84]] of a 50 km zone was answered "outside", and circle
  // sites near 84.5° missed points up to 60 m inside their rim. Docs promise ±1 m everywhere.
  const cases: [string, [number, number][], number][] = [
    ['84°N, the probe’s route', [[40, 84], [41, 84]], 50_000],
    ['80°N', [[10, 80], [12, 80.4]], 50_000],
    ['85°S', [[-60, -84.8], [-58, -84.6]], 40_000],
    ['70°S, a narrow zone', [[100, -70], [100.3, -70.05]], 2_000],
  ];
  for (const [name, route, width] of cases) {
    it(`${name}: inside 1.05 m within the half-width, outside 1.05 m beyond it, as the reference says`, () => {
      const c: ZoneCorridor = { id: 'polar', version: 1, route, widthM: width, active: [[T - H, T + H]] };
      const e = buildDeconflictionEngine([c]);
      const a = route[0] as [number, number];
      const b = route[1] as [number, number];
      for (const f of [0, 0.05, 0.3, 0.5, 0.77, 1]) {
        for (const side of [1, -1]) {
          for (const [off, want] of [
            [width / 2 - 1.05, ['polar']],
            [width / 2 + 1.05, []],
          ] as const) {
            const [lon, lat] = beside(a, b, f, side * off);
            const ref = referenceCheck([c], [], { lon, lat, at: T }).corridors;
            expect(ref, `reference at ${f} ${side * off}`).toEqual(want);
            expect(e.check([{ lon, lat, at: T }])[0]?.corridors, `${name}: ${f}, ${side * off} m`).toEqual(want);
          }
        }
      }
      // Around the ends too.
      for (const v of [a, b]) {
        for (let azi = 0; azi < 360; azi += 45) {
          for (const [off, want] of [
            [width / 2 - 1.05, ['polar']],
            [width / 2 + 1.05, []],
          ] as const) {
            const d = geod.Direct(v[1], v[0], azi, off);
            const p = { lon: d.lon2 ?? 0, lat: d.lat2 ?? 0, at: T };
            if (JSON.stringify(referenceCheck([c], [], p).corridors) !== JSON.stringify(want)) continue; // the other end's cap reaches it
            expect(e.check([p])[0]?.corridors, `${name}: cap ${azi}° ${off} m`).toEqual(want);
          }
        }
      }
    });
  }

  it('circle sites near the poles: inside 1.05 m within the rim, outside beyond it', () => {
    for (const [lon, lat, r] of [
      [30, 84.5, 50_000],
      [-120, -84.7, 30_000],
      [5, 78, 50_000],
    ] as const) {
      const site: ZoneSite = { id: 'polar-site', version: 1, center: [lon, lat], radiusM: r, visibleTo: [] };
      const e = buildDeconflictionEngine([], [site]);
      for (let azi = 0; azi < 360; azi += 15) {
        for (const [off, want] of [
          [r - 1.05, ['polar-site']],
          [r + 1.05, []],
        ] as const) {
          const d = geod.Direct(lat, lon, azi, off);
          const p = { lon: d.lon2 ?? 0, lat: d.lat2 ?? 0, at: T };
          expect(e.check([p])[0]?.sites, `${lat}° ${azi}° ${off} m`).toEqual(want);
        }
      }
    }
  });
});
