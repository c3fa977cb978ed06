import { densifyGeodesic } from './geo/geodesic.js';
import { haversineM } from './tracking.js';
import type { IncidentGeometry, IncidentInput, IncidentState } from '../schemas/incident.js';
import type { Actor } from './authorization.js';
import { checkHoles, checkRing } from './sites.js';
import { DomainError, type ErrorDetail } from './errors.js';
import { parseRfc3339 } from './windows.js';

/** How far in the future a report's time may lie (clock skew of a reporter's phone). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

function positionProblem(p: readonly number[], path: string): ErrorDetail | undefined {
  const [lon, lat] = p;
  if (p.length !== 2 || typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return { path, message: 'a position is [longitude, latitude] as two finite numbers' };
  if (lon < -180 || lon > 180) return { path, message: `longitude ${lon} is outside [-180, 180]` };
  if (lat < -90 || lat > 90) return { path, message: `latitude ${lat} is outside [-90, 90]` };
  return undefined;
}

export function geometryProblems(g: IncidentGeometry): ErrorDetail[] {
  if (g.type === 'Point') {
    const p = positionProblem(g.coordinates, '/geometry/coordinates');
    return p ? [p] : [];
  }
  const rings = g.coordinates.flatMap((ring, i) => checkRing(ring, `/geometry/coordinates/${i}`));
  return rings.length > 0 ? rings : checkHoles(g.coordinates);
}

/** Every rule on a report: geometry, time (not in the future beyond a small tolerance), distribution. */
export function assertIncidentInput(input: IncidentInput, now: number, partyExists: (id: string) => boolean): number {
  const problems = geometryProblems(input.geometry);
  if (problems.length > 0) throw new DomainError('validation_failed', `malformed incident geometry: ${problems[0]?.message ?? ''}`, { details: problems });
  const t = parseRfc3339(input.occurredAt);
  if (t === undefined) throw new DomainError('invalid_time', `occurredAt is not an RFC 3339 date-time: ${input.occurredAt}`, { details: [{ path: '/occurredAt', message: 'not RFC 3339' }] });
  if (t > now + FUTURE_TOLERANCE_MS) {
    throw new DomainError('invalid_time', `occurredAt ${input.occurredAt} is in the future (more than ${FUTURE_TOLERANCE_MS / 60_000} minutes ahead of the server clock)`, { details: [{ path: '/occurredAt', message: 'in the future' }] });
  }
  const unknown: ErrorDetail[] = [];
  (input.distribution ?? []).forEach((id, i) => {
    if (!partyExists(id)) unknown.push({ path: `/distribution/${i}`, message: `no party with id ${id}` });
  });
  if (unknown.length > 0) throw new DomainError('unknown_party', unknown[0]?.message ?? 'unknown party', { details: unknown });
  return t;
}

/** Spacing of the probes along a polygon's edges and across its inside, metres. */
export const PROBE_EDGE_M = 100;
export const PROBE_INSIDE_M = 250;
const MAX_PROBES = 100_000;

function insideRings(rings: readonly (readonly (readonly number[])[])[], lon: number, lat: number): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi = 0, yi = 0] = ring[i] ?? [];
      const [xj = 0, yj = 0] = ring[j] ?? [];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Points the deconfliction engine checks for an incident: the point itself; for a polygon, its
 * edges every ≤ 100 m (geodesically) — a zone that overlaps the polygon crosses its boundary —
 * and a grid of its inside every ≈ 250 m (a zone lying wholly inside it), so an area of shelling
 * that a corridor passes through is matched even when none of its vertices is in the zone.
 */
export function incidentProbePoints(g: IncidentGeometry): [number, number][] {
  if (g.type === 'Point') return [[g.coordinates[0], g.coordinates[1]]];
  const rings = g.coordinates.map((r) => r.map((p) => [p[0], p[1]] as [number, number]));
  const out: [number, number][] = [];
  for (const ring of rings) out.push(...densifyGeodesic(ring, PROBE_EDGE_M));
  const ext = rings[0] ?? [];
  const lons = ext.map((p) => p[0]);
  const lats = ext.map((p) => p[1]);
  const [w, e, s, n] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const mPerDegLat = 111_320;
  const mPerDegLon = mPerDegLat * Math.max(0.01, Math.cos((((s + n) / 2) * Math.PI) / 180));
  let step = PROBE_INSIDE_M;
  while (((e - w) * mPerDegLon * (n - s) * mPerDegLat) / (step * step) > MAX_PROBES) step *= 2;
  for (let lat = s + step / mPerDegLat / 2; lat < n; lat += step / mPerDegLat) {
    for (let lon = w + step / mPerDegLon / 2; lon < e; lon += step / mPerDegLon) if (insideRings(rings, lon, lat)) out.push([lon, lat]);
  }
  return out;
}

/** How near, in space and time, a movement's fixes must be to an incident to be matched to it. */
export const NEARBY_M = 5000;
export const NEARBY_MS = 30 * 60_000;

/** Metres from a fix to the nearest of an incident's probe points. */
export function distanceToProbes(probes: readonly [number, number][], lon: number, lat: number): number {
  let d = Number.POSITIVE_INFINITY;
  for (const [plon, plat] of probes) {
    d = Math.min(d, haversineM(plon, plat, lon, lat));
    if (d === 0) break;
  }
  return d;
}

/** A representative [lon, lat] of an incident: its point, or its exterior ring's vertex mean. */
export function incidentCentre(g: IncidentGeometry): [number, number] {
  if (g.type === 'Point') return [g.coordinates[0], g.coordinates[1]];
  const pts = (g.coordinates[0] ?? []).slice(0, -1);
  if (pts.length === 0) return [0, 0];
  return [pts.reduce((sum, p) => sum + (p[0] ?? 0), 0) / pts.length, pts.reduce((sum, p) => sum + (p[1] ?? 0), 0) / pts.length];
}

/**
 * Who sees an incident: the mediator, the reporter's party, and either every member
 * (distribution null) or the parties listed. Never the public until confirmed, and then only
 * through the corridor it suspended.
 */
export function canSeeIncident(actor: Pick<Actor, 'partyId' | 'partyKind'>, i: { reporterPartyId: string; distribution: readonly string[] | null }): boolean {
  return actor.partyKind === 'mediator' || actor.partyId === i.reporterPartyId || i.distribution === null || i.distribution.includes(actor.partyId);
}

/** The audience of an incident's events (null = every member), as `canSeeEvent` reads it. */
export function incidentAudience(i: { reporterPartyId: string; distribution: readonly string[] | null }): string[] | null {
  return i.distribution === null ? null : [...new Set([i.reporterPartyId, ...i.distribution])];
}

/**
 * Who hears that an incident happened near a movement: those who may see both (the mediator sees
 * all). A restricted incident must not reach a party outside its distribution through a
 * movement's event; undefined when nobody but the mediator would.
 */
export function nearbyAudience(movementAudience: readonly string[], incident: { reporterPartyId: string; distribution: readonly string[] | null }): string[] | undefined {
  const allowed = incidentAudience(incident);
  const both = allowed === null ? [...movementAudience] : movementAudience.filter((p) => allowed.includes(p));
  return both.length > 0 ? both : undefined;
}

/** The mediator's negotiators confirm and dismiss. */
export function canDecideIncident(actor: Actor): boolean {
  return actor.partyKind === 'mediator' && (actor.role === 'admin' || actor.role === 'liaison');
}

/** A party's negotiators attach dispute statements (observers and operators do not speak for a party). */
export function canDisputeIncident(actor: Actor): boolean {
  return actor.partyKind !== 'observer' && (actor.role === 'admin' || actor.role === 'liaison');
}

/** The reporter's party or the mediator correct a report (a new version; nothing is removed). */
export function canCorrectIncident(actor: Actor, i: { reporterPartyId: string }): boolean {
  // Viewers read, whichever party they belong to: the mediator's viewers too.
  return actor.role !== 'viewer' && (actor.partyKind === 'mediator' || actor.partyId === i.reporterPartyId);
}

export function assertDecision(state: IncidentState, to: 'confirmed' | 'dismissed'): void {
  if (state !== 'reported') {
    throw new DomainError('transition_not_allowed', `the incident is already ${state}; it cannot be ${to} (report a correction instead)`, { extra: { state } });
  }
}
