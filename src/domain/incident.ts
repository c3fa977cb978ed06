import { densifyGeodesic, inverseGeodesic } from './geo/geodesic.js';
import { edgeTooLong, MAX_EDGE_LON_SPAN } from './geo/zone-types.js';
import { haversineM } from './tracking.js';
import type { IncidentGeometry, IncidentInput, IncidentState, IncidentView } from '../schemas/incident.js';
import type { Actor } from './authorization.js';
import { canonicalJson } from './corridor-terms.js';
import { checkHoles, checkRing, vertexBeyond } from './sites.js';
import { DomainError, type ErrorDetail } from './errors.js';
import { parseRfc3339 } from './windows.js';

/** How far in the future a report's time may lie (clock skew of a reporter's phone). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** The earliest incident time taken: before it, a mistyped year (0001, 1022), not a report. */
export const EARLIEST_INCIDENT_MS = Date.UTC(2000, 0, 1);

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

/**
 * An incident area is a place (a shelled district, a mined road), not a region: every vertex
 * within MAX_INCIDENT_RADIUS_M of the middle of its bounding box, and its rings together at most
 * MAX_INCIDENT_PERIMETER_M long — the bound a polygon site has (MAX_SITE_RADIUS_M). Bounded so
 * that probing it (incidentProbePoints: ≤ 5,000 points on its edges, ≤ 10,000 inside) and
 * matching the probes stay within tens of milliseconds; a 30°×30° polygon overflowed the stack
 * and a 20°×20° one took over a second of CPU.
 */
export const MAX_INCIDENT_RADIUS_M = 50_000;
export const MAX_INCIDENT_PERIMETER_M = 500_000;

/**
 * The size rules on a well-formed polygon, as corridor routes have them: no edge spanning more
 * than MAX_EDGE_LON_SPAN° of longitude or crossing the antimeridian (`route_edge_too_long`: in
 * plain longitudes such a ring reads as one round the rest of the globe, and matched corridors
 * worldwide), then the extent and perimeter bounds (`validation_failed`).
 */
export function geometryExtentProblem(g: IncidentGeometry): { code: 'route_edge_too_long' | 'validation_failed'; detail: ErrorDetail } | undefined {
  if (g.type === 'Point') return undefined;
  for (let i = 0; i < g.coordinates.length; i++) {
    const ring = g.coordinates[i] ?? [];
    for (let j = 1; j < ring.length; j++) {
      if (edgeTooLong(ring[j - 1] as readonly number[], ring[j] as readonly number[])) {
        return { code: 'route_edge_too_long', detail: { path: `/geometry/coordinates/${i}/${j}`, message: `the edge to position ${j} of ring ${i} spans more than ${MAX_EDGE_LON_SPAN}° of longitude or crosses the antimeridian: an incident area may not` } };
      }
    }
  }
  const far = vertexBeyond(g.coordinates, MAX_INCIDENT_RADIUS_M);
  if (far) {
    return { code: 'validation_failed', detail: { path: `/geometry/coordinates/${far.ring}/${far.index}`, message: `an incident area must lie within ${MAX_INCIDENT_RADIUS_M / 1000} km of its centre: report a larger one as several incidents` } };
  }
  let perimeter = 0;
  for (const ring of g.coordinates) {
    for (let j = 1; j < ring.length; j++) {
      const [p, q] = [ring[j] as readonly number[], ring[j - 1] as readonly number[]];
      perimeter += inverseGeodesic(q[1] as number, q[0] as number, p[1] as number, p[0] as number).s12;
    }
  }
  if (perimeter > MAX_INCIDENT_PERIMETER_M) {
    return { code: 'validation_failed', detail: { path: '/geometry/coordinates', message: `the area's rings are ${Math.round(perimeter / 1000)} km long together; an incident area's may be at most ${MAX_INCIDENT_PERIMETER_M / 1000} km` } };
  }
  return undefined;
}

/** Every rule on an incident's geometry: its form, then its size. Throws a 400 naming /geometry/…. */
export function assertIncidentGeometry(g: IncidentGeometry): void {
  const problems = geometryProblems(g);
  if (problems.length > 0) throw new DomainError('validation_failed', `malformed incident geometry: ${problems[0]?.message ?? ''}`, { details: problems });
  const size = geometryExtentProblem(g);
  if (size) throw new DomainError(size.code, `incident geometry: ${size.detail.message}`, { details: [size.detail] });
}

/** Every rule on a report: geometry, time (not in the future beyond a small tolerance), distribution. */
export function assertIncidentInput(input: IncidentInput, now: number, partyExists: (id: string) => boolean): number {
  assertIncidentGeometry(input.geometry);
  const t = parseRfc3339(input.occurredAt);
  if (t === undefined) throw new DomainError('invalid_time', `occurredAt is not an RFC 3339 date-time: ${input.occurredAt}`, { details: [{ path: '/occurredAt', message: 'not RFC 3339' }] });
  if (t < EARLIEST_INCIDENT_MS) {
    throw new DomainError('invalid_time', `occurredAt ${input.occurredAt} is before 2000-01-01 (a mistyped year?)`, { details: [{ path: '/occurredAt', message: 'before 2000-01-01' }] });
  }
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
const MAX_PROBES = 10_000;

/**
 * Longitudes where the parallel at `lat` crosses the rings' edges, sorted: the inside of the
 * polygon (even-odd, holes included) lies between the first and second, third and fourth, ….
 */
function crossings(rings: readonly (readonly (readonly number[])[])[], lat: number): number[] {
  const xs: number[] = [];
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi = 0, yi = 0] = ring[i] ?? [];
      const [xj = 0, yj = 0] = ring[j] ?? [];
      if (yi > lat !== yj > lat) xs.push(((xj - xi) * (lat - yi)) / (yj - yi) + xi);
    }
  }
  return xs.sort((a, b) => a - b);
}

/**
 * Points the deconfliction engine checks for an incident: the point itself; for a polygon, its
 * edges every ≤ 100 m (geodesically) — a zone that overlaps the polygon crosses its boundary —
 * and a grid of its inside every ≈ 250 m (a zone lying wholly inside it), so an area of shelling
 * that a corridor passes through is matched even when none of its vertices is in the zone.
 * The polygon is one assertIncidentGeometry allows (≤ 500 km of edges, ≤ 100 km across): at
 * most ≈ 5,000 points on the edges and 10,000 inside (the grid coarsens to 500 m, 1 km for an
 * area wider than ≈ 25 km), the inside found row by row (one pass over the edges per row).
 */
export function incidentProbePoints(g: IncidentGeometry): [number, number][] {
  if (g.type === 'Point') return [[g.coordinates[0], g.coordinates[1]]];
  const rings = g.coordinates.map((r) => r.map((p) => [p[0], p[1]] as [number, number]));
  const out: [number, number][] = [];
  // A loop, not push(...): a spread of a long edge's points overflowed the stack.
  for (const ring of rings) for (const p of densifyGeodesic(ring, PROBE_EDGE_M)) out.push(p);
  let [w, e, s, n] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [lon, lat] of rings[0] ?? []) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  const mPerDegLat = 111_320;
  const mPerDegLon = mPerDegLat * Math.max(0.01, Math.cos((((s + n) / 2) * Math.PI) / 180));
  let step = PROBE_INSIDE_M;
  while (((e - w) * mPerDegLon * (n - s) * mPerDegLat) / (step * step) > MAX_PROBES) step *= 2;
  const dLon = step / mPerDegLon;
  for (let lat = s + step / mPerDegLat / 2; lat < n; lat += step / mPerDegLat) {
    const xs = crossings(rings, lat);
    let k = 0;
    for (let lon = w + dLon / 2; lon < e; lon += dLon) {
      while (k < xs.length && (xs[k] as number) <= lon) k++;
      if (k % 2 === 1) out.push([lon, lat]);
    }
  }
  return out;
}

/**
 * The first vertex of each route that lies inside the incident's area (even-odd, holes
 * excluded), for the engine to check beside `incidentProbePoints`. A zone that overlaps the area
 * either crosses its boundary (the edge probes, 100 m apart, find it: a zone is at least 100 m
 * wide) or lies wholly inside it — and then so does its route, which the inside grid, coarser
 * than 250 m on large areas, might step over. Planar in degrees: near the boundary the edge
 * probes decide anyway.
 */
export function routeProbesInside(g: IncidentGeometry, routes: readonly (readonly (readonly number[])[])[]): [number, number][] {
  if (g.type === 'Point') return [];
  const rings = g.coordinates;
  const out: [number, number][] = [];
  for (const route of routes) {
    for (const [lon = 0, lat = 0] of route) {
      const xs = crossings(rings, lat);
      let k = 0;
      while (k < xs.length && (xs[k] as number) <= lon) k++;
      if (k % 2 === 1) {
        out.push([lon, lat]);
        break;
      }
    }
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

type Correctable = Pick<IncidentView, 'severity' | 'description' | 'casualties' | 'evidence'>;

/**
 * A report as a correction leaves it: the fields it gives replace the report's, and its evidence
 * is added to the report's (by digest, never removed). Refuses a correction that changes nothing —
 * the same values, evidence already present — as amendments are refused: a new version, a log
 * entry and an event for nothing would tell every reader the report changed.
 */
export function correctedReport(
  current: Correctable & { version: number },
  body: { severity?: Correctable['severity'] | undefined; description?: string | undefined; casualties?: Correctable['casualties'] | undefined; evidence?: Correctable['evidence'] | undefined },
): Correctable {
  const evidence = [...current.evidence];
  for (const e of body.evidence ?? []) if (!evidence.some((x) => x.sha256 === e.sha256.toLowerCase())) evidence.push({ ...e, sha256: e.sha256.toLowerCase() });
  const next: Correctable = {
    severity: body.severity ?? current.severity,
    description: body.description ?? current.description,
    casualties: body.casualties === undefined ? current.casualties : body.casualties,
    evidence,
  };
  const comparable = (r: Correctable): string => canonicalJson({ severity: r.severity, description: r.description, casualties: r.casualties, evidence: r.evidence });
  if (comparable(next) !== comparable({ severity: current.severity, description: current.description, casualties: current.casualties, evidence: current.evidence })) return next;
  throw new DomainError('validation_failed', `the correction changes nothing: this is version ${current.version} of the report (evidence already attached is not added twice), and a new version would only announce a change that is not there`, {
    details: [{ path: '/', message: `the same as version ${current.version}` }],
  });
}
