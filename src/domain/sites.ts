import Flatbush from 'flatbush';
import type { SiteInput } from '../schemas/site.js';
import type { Actor } from './authorization.js';
import { canonicalJson } from './corridor-terms.js';
import { DomainError, type ErrorDetail } from './errors.js';
import { inverseGeodesic } from './geo/geodesic.js';
import { MAX_INDEX_LAT, reachesAntimeridian } from './geo/zone-types.js';

export const MAX_SITE_RADIUS_M = 50_000;

function positionProblem(p: readonly number[], path: string): ErrorDetail | undefined {
  const [lon, lat] = p;
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return { path, message: 'a position is two finite numbers' };
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) return { path, message: `position [${lon}, ${lat}] is out of range` };
  if (Math.abs(lat) > MAX_INDEX_LAT) return { path, message: `latitude ${lat} is beyond ±${MAX_INDEX_LAT}°, where the deconfliction index ends` };
  return undefined;
}

/** Whether segments p1–p2 and p3–p4 cross or touch (planar, in lon/lat: enough to refuse bad rings). */
function segmentsIntersect(p1: readonly number[], p2: readonly number[], p3: readonly number[], p4: readonly number[]): boolean {
  const d = (a: readonly number[], b: readonly number[], c: readonly number[]): number => ((b[0] ?? 0) - (a[0] ?? 0)) * ((c[1] ?? 0) - (a[1] ?? 0)) - ((b[1] ?? 0) - (a[1] ?? 0)) * ((c[0] ?? 0) - (a[0] ?? 0));
  const on = (a: readonly number[], b: readonly number[], c: readonly number[]): boolean =>
    Math.min(a[0] ?? 0, b[0] ?? 0) <= (c[0] ?? 0) && (c[0] ?? 0) <= Math.max(a[0] ?? 0, b[0] ?? 0) && Math.min(a[1] ?? 0, b[1] ?? 0) <= (c[1] ?? 0) && (c[1] ?? 0) <= Math.max(a[1] ?? 0, b[1] ?? 0);
  const d1 = d(p3, p4, p1);
  const d2 = d(p3, p4, p2);
  const d3 = d(p1, p2, p3);
  const d4 = d(p1, p2, p4);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && on(p3, p4, p1)) || (d2 === 0 && on(p3, p4, p2)) || (d3 === 0 && on(p1, p2, p3)) || (d4 === 0 && on(p1, p2, p4));
}

/**
 * The indices of a ring's positions without consecutive repeats: `[a, b, b, c, a]` is the ring
 * a–b–c. GeoJSON allows a position repeated (RFC 7946 only asks that the ring be closed), and a
 * zero-length edge "crossed" its neighbours, so such a ring was refused as intersecting itself.
 */
function withoutRepeats(ring: readonly (readonly number[])[]): number[] {
  const kept: number[] = [];
  ring.forEach((p, i) => {
    const prev = kept.length > 0 ? ring[kept[kept.length - 1] as number] : undefined;
    if (prev === undefined || prev[0] !== p[0] || prev[1] !== p[1]) kept.push(i);
  });
  return kept;
}

/** Ring rules: ≥ 4 positions (3 distinct corners and the closing one), closed, in range, no self-intersection; repeated consecutive positions are dropped first. */
export function checkRing(ring: readonly (readonly number[])[], path: string): ErrorDetail[] {
  if (ring.length < 4) return [{ path, message: `a ring needs at least 4 positions (closed), got ${ring.length}` }];
  const bad = ring.map((p, i) => positionProblem(p, `${path}/${i}`)).filter((x): x is ErrorDetail => x !== undefined);
  if (bad.length > 0) return bad;
  const first = ring[0] ?? [];
  const last = ring[ring.length - 1] ?? [];
  if (first[0] !== last[0] || first[1] !== last[1]) return [{ path, message: 'the ring is not closed: its last position must equal its first' }];
  const kept = withoutRepeats(ring);
  if (kept.length < 4) return [{ path, message: `a ring needs at least 4 positions (closed) once repeated ones are dropped, got ${kept.length}` }];
  const n = kept.length - 1;
  const at = (k: number): readonly number[] => ring[kept[k] as number] ?? [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // the closing edge meets the first at the shared vertex
      if (segmentsIntersect(at(i), at(i + 1), at(j), at(j + 1))) {
        // Named as sent: edges and positions by their index in the request.
        return [{ path: `${path}/${kept[j] as number}`, message: `the ring intersects itself (edge ${kept[i] as number} crosses edge ${kept[j] as number})` }];
      }
    }
  }
  // Shoelace (a ring that does not cross itself): positions all in one place or on one line enclose nothing, and contain no point.
  let twiceArea = 0;
  for (let i = 0; i < n; i++) twiceArea += ((ring[i] as number[])[0] as number) * ((ring[i + 1] as number[])[1] as number) - ((ring[i + 1] as number[])[0] as number) * ((ring[i] as number[])[1] as number);
  if (twiceArea === 0) return [{ path, message: 'the ring encloses no area (its positions are one point, or on one line)' }];
  return [];
}

/**
 * A closed ring's edges by horizontal band: a point's inside/outside test reads only the edges
 * whose latitude range can reach it (a few dozen of a 1,000-edge ring, not all of them).
 */
interface BandedRing {
  readonly ring: readonly (readonly number[])[];
  readonly y0: number;
  readonly h: number;
  readonly bands: number[][];
}
const BANDS = 64;

function bandRing(ring: readonly (readonly number[])[]): BandedRing {
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of ring) {
    y0 = Math.min(y0, p[1] as number);
    y1 = Math.max(y1, p[1] as number);
  }
  const h = (y1 - y0) / BANDS || 1;
  const bands: number[][] = Array.from({ length: BANDS }, () => []);
  const band = (y: number): number => Math.min(BANDS - 1, Math.max(0, Math.floor((y - y0) / h)));
  for (let i = 0; i < ring.length - 1; i++) {
    const a = (ring[i] as readonly number[])[1] as number;
    const b = (ring[i + 1] as readonly number[])[1] as number;
    for (let k = band(Math.min(a, b)); k <= band(Math.max(a, b)); k++) (bands[k] as number[]).push(i);
  }
  return { ring, y0, h, bands };
}

/** Where `p` lies against a banded ring (planar, in lon/lat): inside, on its boundary, or outside. */
function placeInRing(p: readonly number[], r: BandedRing): 'in' | 'on' | 'out' {
  const [x, y] = p as [number, number];
  const k = Math.floor((y - r.y0) / r.h);
  if (k < 0 || k > BANDS || (k === BANDS && y > r.y0 + r.h * BANDS)) return 'out';
  let inside = false;
  for (const i of r.bands[Math.min(k, BANDS - 1)] as number[]) {
    const [xi, yi] = r.ring[i] as [number, number];
    const [xj, yj] = r.ring[i + 1] as [number, number];
    // On the edge: collinear and within its box.
    if ((xj - xi) * (y - yi) - (yj - yi) * (x - xi) === 0 && Math.min(xi, xj) <= x && x <= Math.max(xi, xj) && Math.min(yi, yj) <= y && y <= Math.max(yi, yj)) return 'on';
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 'in' : 'out';
}

/**
 * Where two rings of one polygon cross (edges meeting at a point inside both) or run along each
 * other (collinear edges sharing more than a point): the first such pair, or undefined. Rings
 * may touch at points (OGC simple features). Candidate pairs come from an R-tree of the edges'
 * boxes (flatbush), so 20 rings of 1,000 positions cost milliseconds, not 2 × 10⁸ edge tests.
 */
function ringsCross(rings: readonly (readonly (readonly number[])[])[]): { ring: number; edge: number; other: number } | undefined {
  const edges: [number, number][] = [];
  for (let r = 0; r < rings.length; r++) for (let e = 0; e < (rings[r] as readonly unknown[]).length - 1; e++) edges.push([r, e]);
  const index = new Flatbush(edges.length);
  const at = (r: number, e: number): readonly number[] => (rings[r] as readonly (readonly number[])[])[e] as readonly number[];
  for (const [r, e] of edges) {
    const [a, b] = [at(r, e), at(r, e + 1)];
    index.add(Math.min(a[0] as number, b[0] as number), Math.min(a[1] as number, b[1] as number), Math.max(a[0] as number, b[0] as number), Math.max(a[1] as number, b[1] as number));
  }
  index.finish();
  for (let k = 0; k < edges.length; k++) {
    const [r, e] = edges[k] as [number, number];
    const [a, b] = [at(r, e), at(r, e + 1)];
    const found = index.search(Math.min(a[0] as number, b[0] as number), Math.min(a[1] as number, b[1] as number), Math.max(a[0] as number, b[0] as number), Math.max(a[1] as number, b[1] as number), (j) => j > k && (edges[j] as [number, number])[0] !== r);
    for (const j of found) {
      const [r2, e2] = edges[j] as [number, number];
      if (edgesCross(a, b, at(r2, e2), at(r2, e2 + 1))) return { ring: Math.max(r, r2), edge: r > r2 ? e : e2, other: Math.min(r, r2) };
    }
  }
  return undefined;
}

/** Whether p1–p2 and p3–p4 cross at a point inside both, or overlap along a stretch (collinear). */
function edgesCross(p1: readonly number[], p2: readonly number[], p3: readonly number[], p4: readonly number[]): boolean {
  const d = (a: readonly number[], b: readonly number[], c: readonly number[]): number => ((b[0] as number) - (a[0] as number)) * ((c[1] as number) - (a[1] as number)) - ((b[1] as number) - (a[1] as number)) * ((c[0] as number) - (a[0] as number));
  const [d1, d2, d3, d4] = [d(p3, p4, p1), d(p3, p4, p2), d(p1, p2, p3), d(p1, p2, p4)];
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  if (d1 !== 0 || d2 !== 0 || d3 !== 0 || d4 !== 0) return false;
  // Collinear: project on the longer axis and ask whether the overlap is longer than a point.
  const axis = Math.abs((p2[0] as number) - (p1[0] as number)) >= Math.abs((p2[1] as number) - (p1[1] as number)) ? 0 : 1;
  const [lo1, hi1] = [Math.min(p1[axis] as number, p2[axis] as number), Math.max(p1[axis] as number, p2[axis] as number)];
  const [lo2, hi2] = [Math.min(p3[axis] as number, p4[axis] as number), Math.max(p3[axis] as number, p4[axis] as number)];
  return Math.min(hi1, hi2) > Math.max(lo1, lo2);
}

/**
 * Holes (rings after the first, each valid on its own) lie inside the exterior ring and outside
 * one another, touching at most at points (RFC 7946 §3.1.6, OGC simple features). A hole outside
 * its exterior, or across it, was stored, and the point check then counted points outside the
 * polygon as in it. Checked planar: no two rings cross or share a stretch of edge, every hole
 * position lies in or on the exterior, and no hole starts inside another (with no crossings,
 * one position tells whether a whole hole is inside another).
 */
export function checkHoles(rings: readonly (readonly (readonly number[])[])[]): ErrorDetail[] {
  if (rings.length < 2) return [];
  const banded = rings.map(bandRing);
  const exterior = banded[0] as BandedRing;
  for (let i = 1; i < rings.length; i++) {
    const hole = rings[i] as readonly (readonly number[])[];
    for (let k = 0; k < hole.length - 1; k++) {
      if (placeInRing(hole[k] as readonly number[], exterior) === 'out') return [{ path: `/geometry/coordinates/${i}/${k}`, message: `hole ${i} reaches outside the exterior ring: a hole lies inside it` }];
    }
  }
  const crossing = ringsCross(rings);
  if (crossing) {
    const what = crossing.other === 0 ? 'the exterior ring' : `hole ${crossing.other}`;
    return [{ path: `/geometry/coordinates/${crossing.ring}/${crossing.edge}`, message: `hole ${crossing.ring} crosses ${what} (edge ${crossing.edge}): rings may touch at points only` }];
  }
  for (let i = 1; i < rings.length; i++) {
    const hole = rings[i] as readonly (readonly number[])[];
    for (let j = 1; j < rings.length; j++) {
      if (j === i) continue;
      // A position of hole i not on hole j decides (the rings do not cross); all on it would be
      // the same ring traced twice, which the crossing check refuses as shared edges.
      let place: 'in' | 'on' | 'out' = 'on';
      for (let k = 0; k < hole.length - 1 && place === 'on'; k++) place = placeInRing(hole[k] as readonly number[], banded[j] as BandedRing);
      if (place === 'in') return [{ path: `/geometry/coordinates/${i}/0`, message: `hole ${i} lies inside hole ${j}: holes lie outside one another` }];
    }
  }
  return [];
}

/**
 * A polygon site is a place, like a circle site: every vertex within MAX_SITE_RADIUS_M of the
 * middle of its bounding box. Without a bound, one polygon the size of a continent took the
 * deconfliction index minutes to raster, blocking every other request.
 */
export function checkPolygonExtent(rings: readonly (readonly (readonly number[])[])[]): ErrorDetail[] {
  const far = vertexBeyond(rings, MAX_SITE_RADIUS_M);
  return far ? [{ path: `/geometry/coordinates/${far.ring}/${far.index}`, message: `a site polygon must lie within ${MAX_SITE_RADIUS_M / 1000} km of its centre, as a circle site does (and not across the antimeridian)` }] : [];
}

/**
 * The first vertex of the rings farther than `radiusM` (geodesic) from the middle of their
 * bounding box, or null: how a site polygon and an incident area are kept to a place.
 */
export function vertexBeyond(rings: readonly (readonly (readonly number[])[])[], radiusM: number): { ring: number; index: number } | null {
  let [w, e, s, n] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const ring of rings) {
    for (const p of ring) {
      w = Math.min(w, p[0] as number);
      e = Math.max(e, p[0] as number);
      s = Math.min(s, p[1] as number);
      n = Math.max(n, p[1] as number);
    }
  }
  const [lon0, lat0] = [(w + e) / 2, (s + n) / 2];
  for (let i = 0; i < rings.length; i++) {
    const ring = rings[i] as readonly (readonly number[])[];
    for (let j = 0; j < ring.length; j++) {
      const p = ring[j] as readonly number[];
      if (inverseGeodesic(lat0, lon0, p[1] as number, p[0] as number).s12 > radiusM) return { ring: i, index: j };
    }
  }
  return null;
}

export interface SiteContext {
  readonly partyExists: (id: string) => boolean;
}

/** Every rule on a site notification; throws `validation_failed`/`unknown_party` listing each problem. */
export function assertSiteInput(input: SiteInput, ctx: SiteContext): void {
  const problems: ErrorDetail[] = [];
  const g = input.geometry;
  if (g.type === 'Point') {
    const p = positionProblem(g.coordinates, '/geometry/coordinates');
    if (p) problems.push(p);
    if (!Number.isFinite(g.radiusM) || g.radiusM <= 0 || g.radiusM > MAX_SITE_RADIUS_M) {
      problems.push({ path: '/geometry/radiusM', message: `radius must be > 0 and ≤ ${MAX_SITE_RADIUS_M} metres, got ${g.radiusM}` });
    } else if (!p && reachesAntimeridian(g.coordinates, g.radiusM)) {
      problems.push({ path: '/geometry/coordinates', message: `a circle of ${g.radiusM} m around this point would reach across the antimeridian, where zones cannot follow it` });
    }
  } else {
    g.coordinates.forEach((ring, i) => problems.push(...checkRing(ring, `/geometry/coordinates/${i}`)));
    if (problems.length === 0) problems.push(...checkHoles(g.coordinates));
    if (problems.length === 0) problems.push(...checkPolygonExtent(g.coordinates));
  }
  const unknown: ErrorDetail[] = [];
  input.distribution.forEach((id, i) => {
    if (!ctx.partyExists(id)) unknown.push({ path: `/distribution/${i}`, message: `no party with id ${id}` });
  });
  if (problems.length > 0) throw new DomainError('validation_failed', problems[0]?.message ?? 'invalid site', { details: problems });
  if (unknown.length > 0) throw new DomainError('unknown_party', unknown[0]?.message ?? 'unknown party', { details: unknown });
}

/**
 * Who may see a protected site: its operator's party, the mediator, and the parties it was
 * shared with. Nobody else — not even to learn that it exists: a no-strike list must never
 * become a target list.
 */
export function canSeeSite(actor: Pick<Actor, 'partyId' | 'partyKind'>, site: { operatorPartyId: string; distribution: readonly string[] }): boolean {
  return actor.partyKind === 'mediator' || actor.partyId === site.operatorPartyId || site.distribution.includes(actor.partyId);
}

/** Humanitarian operators (and the mediator) notify sites; admins and operators act for the party. */
export function canNotifySite(actor: Actor): boolean {
  return (actor.partyKind === 'humanitarian' || actor.partyKind === 'mediator') && (actor.role === 'admin' || actor.role === 'operator' || actor.role === 'liaison');
}

/** The notifying party's admins and operators amend and withdraw its sites. */
export function canManageSite(actor: Actor, site: { operatorPartyId: string }): boolean {
  return actor.partyId === site.operatorPartyId && (actor.role === 'admin' || actor.role === 'operator' || actor.role === 'liaison');
}

/** Withdrawing a site: its operator's members who manage it, or the mediator's — not viewers. */
export function canWithdrawSite(actor: Actor, site: { operatorPartyId: string }): boolean {
  return canManageSite(actor, site) || (actor.partyKind === 'mediator' && actor.role !== 'viewer');
}

/** A belligerent on the distribution acknowledges, through its negotiators. */
export function canAcknowledgeSite(actor: Actor, site: { distribution: readonly string[] }): boolean {
  return actor.partyKind === 'belligerent' && site.distribution.includes(actor.partyId) && (actor.role === 'admin' || actor.role === 'liaison');
}

export function requireSite(ok: boolean, what: string): void {
  if (!ok) throw new DomainError('forbidden', what);
}

/** Refuses an amendment that leaves the site as it is: a new version asks every party to acknowledge it again, for nothing. */
export function assertSiteChanged(current: SiteInput, next: SiteInput, version: number): void {
  if (canonicalJson(current) !== canonicalJson(next)) return;
  throw new DomainError('validation_failed', `the amendment changes nothing: this is version ${version} of the site, and a new version would only ask every party to acknowledge it again`, {
    details: [{ path: '/site', message: `the same as version ${version}` }],
  });
}
