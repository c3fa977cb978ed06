import { describe, expect, it } from 'vitest';
import { assertIncidentInput, canSeeIncident, incidentAudience, incidentProbePoints } from './incident.js';
import { automaticSuspensionReason, suspendsAutomatically } from './suspension-policy.js';
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
  it('probes a polygon at its vertices and centroid', () => {
    expect(incidentProbePoints({ type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]] })).toEqual([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1]]);
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
    expect(automaticSuspensionReason({ id: 'inc_1', kind: 'shelling', description: 'near Mariupol' })).toBe('Shelling (confirmed incident inc_1): near Mariupol');
  });
});
