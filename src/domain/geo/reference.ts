/**
 * The slow, obviously-correct answer the engine is measured against: geodesic distance
 * (GeographicLib, WGS 84) from the point to every edge of every corridor, no index.
 * Used by tests and the benchmark only; the engine never imports this file.
 */
import geodesicLib from 'geographiclib-geodesic';
import { isActiveAt, type CheckOptions, type CheckResult, type ZoneCorridor, type ZoneSite } from './zone-types.js';

const geod = geodesicLib.Geodesic.WGS84;
const GOLD = (Math.sqrt(5) - 1) / 2;

/** GeographicLib geodesic distance in metres between [lon, lat] positions. */
export function referenceDistance(a: readonly [number, number], b: readonly [number, number]): number {
  return geod.Inverse(a[1], a[0], b[1], b[0]).s12 ?? NaN;
}

/**
 * Distance from p to the geodesic edge a–b: sample the edge, then golden-section search
 * around the best sample (distance along a short geodesic is unimodal).
 */
export function referenceDistanceToEdge(
  p: readonly [number, number],
  a: readonly [number, number],
  b: readonly [number, number],
): number {
  const line = geod.InverseLine(a[1], a[0], b[1], b[0]);
  const len = line.s13;
  const at = (s: number): number => {
    const q = line.Position(s);
    return geod.Inverse(p[1], p[0], q.lat2 ?? NaN, q.lon2 ?? NaN).s12 ?? NaN;
  };
  if (len < 1e-6) return at(0);
  const n = 8;
  let bestI = 0;
  let bestD = Infinity;
  for (let i = 0; i <= n; i++) {
    const d = at((len * i) / n);
    if (d < bestD) {
      bestD = d;
      bestI = i;
    }
  }
  let lo = (len * Math.max(0, bestI - 1)) / n;
  let hi = (len * Math.min(n, bestI + 1)) / n;
  let x1 = hi - GOLD * (hi - lo);
  let x2 = lo + GOLD * (hi - lo);
  let f1 = at(x1);
  let f2 = at(x2);
  while (hi - lo > 1e-4) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - GOLD * (hi - lo);
      f1 = at(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + GOLD * (hi - lo);
      f2 = at(x2);
    }
  }
  return Math.min(bestD, f1, f2);
}

/**
 * Distance from p to the route's centre line. `cutoff` only skips edges that provably
 * cannot be nearer than it (triangle inequality: d(p, edge) ≥ d(p, a) − |ab|).
 */
export function referenceDistanceToRoute(
  route: readonly (readonly [number, number])[],
  p: readonly [number, number],
  cutoff = Infinity,
): number {
  let best = Infinity;
  const first = route[0];
  if (first === undefined) return Infinity;
  if (route.length === 1) return referenceDistance(p, first);
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1] as readonly [number, number];
    const b = route[i] as readonly [number, number];
    const da = referenceDistance(p, a);
    const lab = referenceDistance(a, b);
    if (da - lab > Math.min(best, cutoff)) continue;
    const d = referenceDistanceToEdge(p, a, b);
    if (d < best) best = d;
  }
  return best;
}

/** Geodesic edges densified to ≤ 10 m, then even-odd point in polygon in lon/lat. */
export function referenceInPolygon(rings: readonly (readonly (readonly [number, number])[])[], p: readonly [number, number]): boolean {
  let inside = false;
  for (const ring of rings) {
    const pts: [number, number][] = [];
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i] as readonly [number, number];
      const b = ring[i + 1] as readonly [number, number];
      const line = geod.InverseLine(a[1], a[0], b[1], b[0]);
      const n = Math.max(1, Math.ceil(line.s13 / 10));
      for (let k = 0; k < n; k++) {
        const q = line.Position((line.s13 * k) / n);
        pts.push([q.lon2 ?? NaN, q.lat2 ?? NaN]);
      }
    }
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i] as [number, number];
      const [xj, yj] = pts[j] as [number, number];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export interface ReferenceAnswer extends CheckResult {
  /** corridor id -> distance to its centre line, for every corridor within cutoff */
  allDistances: Record<string, number>;
}

/** The reference answer for one point. Distances beyond `cutoff` metres are not computed exactly. */
export function referenceCheck(
  corridors: readonly ZoneCorridor[],
  sites: readonly ZoneSite[],
  point: { lon: number; lat: number; at: number },
  options: CheckOptions = {},
  cutoff = Infinity,
): ReferenceAnswer {
  const p: [number, number] = [point.lon, point.lat];
  const result: ReferenceAnswer = { corridors: [], sites: [], allDistances: {} };
  const distances: Record<string, number> = {};
  for (const c of corridors) {
    const d = referenceDistanceToRoute(c.route, p, cutoff);
    result.allDistances[c.id] = d;
    if (d <= c.widthM / 2 && isActiveAt(c.active, point.at)) {
      result.corridors.push(c.id);
      distances[c.id] = d;
    }
  }
  for (const s of sites) {
    if (options.viewerPartyId !== undefined && !s.visibleTo.includes(options.viewerPartyId)) continue;
    let inside = false;
    if (s.polygon !== undefined) inside = referenceInPolygon(s.polygon, p);
    else if (s.center !== undefined && s.radiusM !== undefined) inside = referenceDistance(p, s.center) <= s.radiusM;
    if (inside) result.sites.push(s.id);
  }
  if (options.distances === true) result.distances = distances;
  return result;
}
