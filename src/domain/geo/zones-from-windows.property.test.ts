/**
 * The whole chain a ceasefire zone answer depends on, against obviously-correct references:
 * windows as agreed (RRULE in Europe/Kyiv, across the last Sunday of March), guarantees and
 * suspensions → `activeIntervals` → the engine; versus, per point, `computeStatus(…).open` and
 * the geodesic distance to every edge (GeographicLib). Points within ±1 m of the zone boundary
 * and within a second of a window edge may go either way.
 */
import fc from 'fast-check';
import geodesicLib from 'geographiclib-geodesic';
import { describe, expect, it } from 'vitest';
import { activeIntervals, computeStatus } from '../corridor-status.js';
import { formatUtc } from '../windows.js';
import { DeconflictionEngine } from './deconfliction-engine.js';
import { referenceDistanceToRoute } from './reference.js';

const geod = geodesicLib.Geodesic.WGS84;
const HOUR = 3_600_000;
// Daily windows starting on 25–27 March 2022 span the change to summer time on the 27th.
const DAY0 = Date.UTC(2022, 2, 25);

const unit = fc.integer({ min: 0, max: 1_000_000 }).map((k) => k / 1_000_000);

const scenario = fc.record({
  lon: unit.map((u) => 30 + u),
  lat: unit.map((u) => 48 + u),
  heading: unit.map((u) => u * 360),
  legs: fc.array(fc.record({ turn: unit.map((u) => (u - 0.5) * 240), len: unit.map((u) => 50 + u * 20_000) }), { minLength: 1, maxLength: 5 }),
  widthM: unit.map((u) => 200 + u * 10_000),
  startDay: fc.integer({ min: 0, max: 2 }),
  startHour: fc.integer({ min: 5, max: 12 }),
  lengthH: fc.integer({ min: 1, max: 10 }),
  count: fc.integer({ min: 1, max: 5 }),
  signedBoth: fc.boolean(),
  suspension: fc.option(fc.record({ startH: fc.integer({ min: 0, max: 120 }), lenH: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }) }), { nil: null }),
  points: fc.array(fc.record({ along: unit, side: unit.map((u) => (u - 0.5) * 2), hour: unit.map((u) => u * 150), day: fc.integer({ min: 0, max: 5 }), frac: unit, near: fc.boolean() }), { minLength: 20, maxLength: 40 }),
});

describe('ceasefire zones from agreed windows (property)', () => {
  it('the engine fed by activeIntervals equals computeStatus + GeographicLib, across a DST change', () => {
    const tally = [0, 0];
    fc.assert(
      fc.property(scenario, (s) => {
        const route: [number, number][] = [[s.lon, s.lat]];
        let heading = s.heading;
        for (const leg of s.legs) {
          heading += leg.turn;
          const last = route[route.length - 1] as [number, number];
          const d = geod.Direct(last[1], last[0], heading, leg.len);
          route.push([d.lon2 ?? last[0], d.lat2 ?? last[1]]);
        }
        const day = new Date(DAY0 + s.startDay * 24 * HOUR).toISOString().slice(0, 10);
        const hh = String(s.startHour).padStart(2, '0');
        const eh = String(s.startHour + s.lengthH).padStart(2, '0');
        // Written with the winter offset; recurrences keep the local wall-clock time.
        const windows = [{ start: `${day}T${hh}:00:00+02:00`, end: `${day}T${eh}:00:00+02:00`, timeZone: 'Europe/Kyiv', rrule: `FREQ=DAILY;COUNT=${s.count}` }];
        const suspensions = s.suspension ? [{ since: DAY0 + s.suspension.startH * HOUR, until: s.suspension.lenH === null ? null : DAY0 + (s.suspension.startH + s.suspension.lenH) * HOUR, reason: 'x' }] : [];
        const base = {
          corridorId: 'c',
          version: 1,
          state: (s.suspension ? 'suspended' : 'guaranteed') as 'suspended' | 'guaranteed',
          windows,
          requiredGuarantors: [
            { id: 'ua', name: 'UA' },
            { id: 'ru', name: 'RU' },
          ],
          signedParties: s.signedBoth ? ['ua', 'ru'] : ['ua'],
          suspensions,
        };
        const engine = new DeconflictionEngine([{ id: 'c', version: 1, route, widthM: s.widthM, active: activeIntervals(base) }], []);
        for (const p of s.points) {
          // A point near the route: pick a vertex-anchored offset across it.
          const anchor = route[Math.min(route.length - 1, Math.floor(p.along * route.length))] as [number, number];
          const d = geod.Direct(anchor[1], anchor[0], heading + 90, p.side * s.widthM);
          const pt: [number, number] = [d.lon2 ?? anchor[0], d.lat2 ?? anchor[1]];
          // Half the instants fall around a window (either offset), half anywhere in the period.
          const at = p.near ? DAY0 + (s.startDay + p.day) * 24 * HOUR + Math.floor((s.startHour - 3.5 + p.frac * (s.lengthH + 2)) * HOUR) : DAY0 + Math.floor(p.hour * HOUR);
          const dist = referenceDistanceToRoute(route, pt);
          if (Math.abs(dist - s.widthM / 2) < 1) continue;
          const open = computeStatus({ ...base, at }).open;
          const expected = open && dist <= s.widthM / 2;
          const got = (engine.check([{ lon: pt[0], lat: pt[1], at }])[0]?.corridors ?? []).includes('c');
          tally[expected ? 1 : 0] = (tally[expected ? 1 : 0] ?? 0) + 1;
          if (got !== expected) throw new Error(`mismatch at ${formatUtc(at)} (${pt.join(',')}): engine ${got}, reference ${expected} (open ${open}, d ${dist.toFixed(2)} m of ${s.widthM / 2})`);
        }
      }),
      { numRuns: 150, seed: 20220327 },
    );
    // Both answers occur often enough for the comparison to mean something.
    expect(tally[1]).toBeGreaterThan(200);
    expect(tally[0]).toBeGreaterThan(200);
  });

  it('a daily 09:00 Kyiv window holds at 09:30 local on both sides of the change, not at 08:30', () => {
    const route: [number, number][] = [
      [30.5, 50.4],
      [30.6, 50.45],
    ];
    const base = {
      corridorId: 'c',
      version: 1,
      state: 'guaranteed' as const,
      windows: [{ start: '2022-03-26T09:00:00+02:00', end: '2022-03-26T16:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=2' }],
      requiredGuarantors: [{ id: 'ua', name: 'UA' }],
      signedParties: ['ua'],
      suspensions: [],
    };
    const engine = new DeconflictionEngine([{ id: 'c', version: 1, route, widthM: 1000, active: activeIntervals(base) }], []);
    const at = (iso: string): boolean => (engine.check([{ lon: 30.5, lat: 50.4, at: Date.parse(iso) }])[0]?.corridors ?? []).includes('c');
    expect(at('2022-03-26T09:30:00+02:00')).toBe(true);
    expect(at('2022-03-27T09:30:00+03:00')).toBe(true); // summer time: 06:30Z
    expect(at('2022-03-27T08:30:00+03:00')).toBe(false); // would be 09:30 winter time
  });
});
