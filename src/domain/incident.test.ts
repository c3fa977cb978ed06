import { describe, expect, it } from 'vitest';
import { assertIncidentInput, canSeeIncident, incidentAudience, incidentCentre, incidentProbePoints } from './incident.js';
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
});
