import { describe, expect, it } from 'vitest';
import { assertIncidentInput, canSeeIncident, MAX_INCIDENT_PERIMETER_M, incidentAudience, incidentCentre, incidentProbePoints, routeProbesInside } from './incident.js';
import { haversineM } from './tracking.js';
import { HIDDEN_AREA, HIDDEN_ROUTE } from '../../test/fixtures/hidden-zone.js';
import { automaticSuspensionReason, suspendsAutomatically, suspendsOnConfirm } from './suspension-policy.js';
import { IncidentInput } from '../schemas/incident.js';

const NOW = Date.parse('2022-03-05T10:00:00Z');
const base = IncidentInput.parse({ kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [37.5, 47.1] }, occurredAt: '2022-03-05T09:30:00Z', description: 'x' });

describe('incident rules', () => {
  it('accepts a point in range and a time up to five minutes ahead', () => {
    expect(assertIncidentInput(base, NOW, () => true)).toBe(Date.parse('2022-03-05T09:30:00Z'));
    expect(() => assertIncidentInput({ ...base, occurredAt: '2022-03-05T10:04:00Z' }, NOW, () => true)).not.toThrow();
  });
  it('refuses times in the future, malformed geometry and unknown parties', () => {
    expect(() => assertIncidentInput({ ...base, occurredAt: '2022-03-05T10:06:00Z' }, NOW, () => true)).toThrow(/future/);
    expect(() => assertIncidentInput({ ...base, occurredAt: '0001-01-01T00:00:00Z' }, NOW, () => true)).toThrow(/before 2000-01-01/);
    expect(() => assertIncidentInput({ ...base, occurredAt: '1999-12-31T23:59:59Z' }, NOW, () => true)).toThrow(/before 2000-01-01/);
    expect(assertIncidentInput({ ...base, occurredAt: '2000-01-01T00:00:00Z' }, NOW, () => true)).toBe(Date.UTC(2000, 0, 1));
    expect(() => assertIncidentInput({ ...base, geometry: { type: 'Point', coordinates: [200, 47] } }, NOW, () => true)).toThrow(/longitude/);
    expect(() => assertIncidentInput({ ...base, geometry: { type: 'Polygon', coordinates: [[[37, 47], [38, 47], [38, 48]]] } }, NOW, () => true)).toThrow(/4 positions/);
    expect(() => assertIncidentInput({ ...base, geometry: { type: 'Polygon', coordinates: [[[37, 47], [38, 47], [38, 48], [37.5, 48]]] } }, NOW, () => true)).toThrow(/not closed/);
    expect(() => assertIncidentInput({ ...base, distribution: ['zz'] }, NOW, () => false)).toThrow(/no party/);
  });
  it('probes a polygon along its edges every ≤ 100 m and across its inside, and nowhere outside it', () => {
    const ring: [number, number][] = [[30, 50], [30.02, 50], [30.02, 50.01], [30, 50.01], [30, 50]];
    const pts = incidentProbePoints({ type: 'Polygon', coordinates: [ring] });
    for (const v of ring) expect(pts).toContainEqual(v);
    // ≈1.43 km × 1.11 km: the edges alone need ≥ 51 probes at 100 m, the inside ≈ 24 at 250 m.
    expect(pts.length).toBeGreaterThan(51 + 20);
    // Edges are geodesics: along a parallel they bow a little poleward (here < 1 m).
    const eps = 1e-5;
    expect(pts.every(([lon, lat]) => lon! >= 30 - eps && lon! <= 30.02 + eps && lat! >= 50 - eps && lat! <= 50.01 + eps)).toBe(true);
    const [clon, clat] = incidentCentre({ type: 'Polygon', coordinates: [ring] });
    expect(clon).toBeCloseTo(30.01, 9);
    expect(clat).toBeCloseTo(50.005, 9);
    expect(incidentProbePoints({ type: 'Point', coordinates: [30, 50] })).toEqual([[30, 50]]);
  });
  it('refuses a polygon across the antimeridian, one wider than 100 km and one with too long an outline', () => {
    const across = IncidentInput.parse({ ...base, geometry: { type: 'Polygon', coordinates: [[[179.9, 50.45], [-179.9, 50.45], [-179.9, 50.55], [179.9, 50.55], [179.9, 50.45]]] } });
    expect(() => assertIncidentInput(across, NOW, () => true)).toThrow(expect.objectContaining({ code: 'route_edge_too_long', details: [expect.objectContaining({ path: '/geometry/coordinates/0/1' })] }));
    const square = (d: number): IncidentInput => ({ ...base, geometry: { type: 'Polygon', coordinates: [[[30, 40], [30 + d, 40], [30 + d, 40 + d], [30, 40 + d], [30, 40]]] } });
    // 30°×30° overflowed the stack while probing; now it, and anything past 50 km from the middle, is refused.
    expect(() => assertIncidentInput(square(30), NOW, () => true)).toThrow(expect.objectContaining({ code: 'validation_failed', details: [expect.objectContaining({ path: '/geometry/coordinates/0/0' })] }));
    expect(() => assertIncidentInput(square(1), NOW, () => true)).toThrow(/within 50 km of its centre/);
    expect(() => assertIncidentInput(square(0.6), NOW, () => true)).not.toThrow();
    // A zigzag inside a small box whose edges add up to more than the bound.
    const zigzag: [number, number][] = Array.from({ length: 995 }, (_, i) => [30 + (i % 2) * 0.5, 40 + (0.5 * i) / 995]);
    const long: IncidentInput = { ...base, geometry: { type: 'Polygon', coordinates: [[...zigzag, [29.99, 40.5], [29.99, 40], zigzag[0] as [number, number]]] } };
    expect(() => assertIncidentInput(long, NOW, () => true)).toThrow(new RegExp(`at most ${MAX_INCIDENT_PERIMETER_M / 1000} km`));
  });
  it('probes the largest polygon allowed at the same spacing, within a bounded number of points', () => {
    // A disc ≈ 49 km in radius drawn with 1,000 positions: ≈ 3,100 edge probes and ≈ 7,500 inside (1 km grid).
    const ring = Array.from({ length: 1000 }, (_, i) => (i === 999 ? [34.682, 50] : [34 + 0.682 * Math.cos(i / 159), 50 + 0.44 * Math.sin(i / 159)]));
    const g = IncidentInput.parse({ ...base, geometry: { type: 'Polygon', coordinates: [ring] } });
    expect(() => assertIncidentInput(g, NOW, () => true)).not.toThrow();
    const pts = incidentProbePoints(g.geometry);
    expect(pts.length).toBeGreaterThan(10_000);
    expect(pts.length).toBeLessThan(15_000);
  });
  it('shows an incident to the mediator, the reporter and its distribution only', () => {
    const i = { reporterPartyId: 'ua', distribution: ['aid'] };
    expect(canSeeIncident({ partyId: 'ru', partyKind: 'belligerent' }, i)).toBe(false);
    expect(canSeeIncident({ partyId: 'aid', partyKind: 'humanitarian' }, i)).toBe(true);
    expect(canSeeIncident({ partyId: 'mediator', partyKind: 'mediator' }, i)).toBe(true);
    expect(incidentAudience(i)).toEqual(['ua', 'aid']);
    expect(incidentAudience({ reporterPartyId: 'ua', distribution: null })).toBeNull();
  });
  it('suspends by default on shelling, small-arms fire, air strikes and mines, not on obstruction', () => {
    expect(suspendsAutomatically(undefined, 'shelling')).toBe(true);
    expect(suspendsAutomatically(undefined, 'mine_uxo')).toBe(true);
    expect(suspendsAutomatically(undefined, 'obstruction')).toBe(false);
    expect(suspendsAutomatically({ automatic: [], resumeBy: 'mediator' }, 'shelling')).toBe(false);
    expect(automaticSuspensionReason({ id: 'inc_1', kind: 'shelling', distribution: null })).toBe('Shelling (confirmed incident inc_1)');
    // A restricted report is not named where every member reads.
    expect(automaticSuspensionReason({ id: 'inc_1', kind: 'shelling', distribution: ['ua'] })).toBe('Shelling (a confirmed incident)');
    // Confirming suspends only a guaranteed corridor whose policy names the kind.
    expect(suspendsOnConfirm('guaranteed', undefined, 'shelling')).toBe(true);
    expect(suspendsOnConfirm('suspended', undefined, 'shelling')).toBe(false);
    expect(suspendsOnConfirm('proposed', undefined, 'shelling')).toBe(false);
    expect(suspendsOnConfirm('guaranteed', undefined, 'obstruction')).toBe(false);
  });
  it('adds a point of each route lying wholly inside a large area, which its coarse inside grid can step over', () => {
    const probes = incidentProbePoints(HIDDEN_AREA);
    // The grid alone: nothing within 60 m of the route (the zone is 100 m wide).
    const along = Array.from({ length: 21 }, (_, i) => [HIDDEN_ROUTE[0]![0] + ((HIDDEN_ROUTE[1]![0] - HIDDEN_ROUTE[0]![0]) * i) / 20, HIDDEN_ROUTE[0]![1]] as const);
    let nearest = Number.POSITIVE_INFINITY;
    for (const [lon, lat] of along) for (const [plon, plat] of probes) nearest = Math.min(nearest, haversineM(lon, lat, plon, plat));
    expect(nearest).toBeGreaterThan(60);
    expect(routeProbesInside(HIDDEN_AREA, [HIDDEN_ROUTE, [[10, 10], [11, 11]]])).toEqual([HIDDEN_ROUTE[0]]);
    // Outside the area, in a hole, or for a point incident: none.
    const [ring] = HIDDEN_AREA.coordinates;
    const [[a0 = 0, a1 = 0] = [], [b0 = 0] = []] = HIDDEN_ROUTE;
    const hole: [number, number][] = [[a0 - 0.001, a1 - 0.001], [b0 + 0.001, a1 - 0.001], [b0 + 0.001, a1 + 0.001], [a0 - 0.001, a1 + 0.001], [a0 - 0.001, a1 - 0.001]];
    expect(routeProbesInside({ type: 'Polygon', coordinates: [ring!, hole] }, [HIDDEN_ROUTE])).toEqual([]);
    expect(routeProbesInside({ type: 'Point', coordinates: [33, 50] }, [HIDDEN_ROUTE])).toEqual([]);
  });
});
