/**
 * Inputs and outputs of the deconfliction engine. Positions are [lon, lat] in degrees
 * (GeoJSON order, WGS 84); times are epoch milliseconds.
 */

/**
 * The widest span of longitude one edge of a route may cover, in degrees. Edges are geodesics
 * between positions in plain longitudes (-180…180), so an edge that crosses the antimeridian
 * reads as one spanning nearly 360° the other way round the globe; the engine refuses both,
 * and so do the corridor rules (src/domain/corridor-terms.ts) before anything is stored.
 */
export const MAX_EDGE_LON_SPAN = 90;

/** The engine's grid ends at these latitudes (north and south): positions beyond are refused. */
export const MAX_INDEX_LAT = 85;

/** Whether the edge from a to b covers more longitude than an edge may (see MAX_EDGE_LON_SPAN). */
export function edgeTooLong(a: readonly number[], b: readonly number[]): boolean {
  return Math.abs((a[0] as number) - (b[0] as number)) > MAX_EDGE_LON_SPAN;
}

/**
 * Whether a zone reaching `radiusM` from the position may cross the antimeridian, where the
 * engine's plain longitudes end: such a zone was stored and then missed every point on the
 * other side (a site at 179.9° with a 30 km radius did not contain 179.95° W). Generous: the
 * distance is taken along the parallel with 10 % to spare.
 */
export function reachesAntimeridian(p: readonly number[], radiusM: number): boolean {
  const lon = p[0] as number;
  const lat = p[1] as number;
  const metresPerDegree = 111_320 * Math.cos((Math.min(Math.abs(lat), MAX_INDEX_LAT) * Math.PI) / 180);
  return 180 - Math.abs(lon) < (radiusM * 1.1) / metresPerDegree;
}

export interface ZoneCorridor {
  id: string;
  version: number;
  /** centre line, [lon, lat] positions; edges are geodesics */
  route: [number, number][];
  /** full width in metres: the zone is the route buffered by widthM/2 on each side */
  widthM: number;
  /**
   * sorted, non-overlapping [startMs, endMs) intervals in which the zone holds, already
   * computed by the caller from windows, guarantees and suspensions
   */
  active: [number, number][];
}

export interface ZoneSite {
  id: string;
  version: number;
  center?: [number, number];
  radiusM?: number;
  /** GeoJSON polygon rings (exterior first, then holes), [lon, lat]; edges are geodesics */
  polygon?: [number, number][][];
  /** party ids the site was shared with */
  visibleTo: string[];
}

export interface CheckPoint {
  lon: number;
  lat: number;
  /** epoch ms */
  at: number;
}

export interface CheckResult {
  corridors: string[];
  sites: string[];
  /** corridor id -> geodesic metres to its centre line; only when asked for */
  distances?: Record<string, number>;
}

export interface CheckOptions {
  /** sites are filtered to those visible to this party; undefined = the mediator, who sees all */
  viewerPartyId?: string;
  distances?: boolean;
}

/** True when t lies in one of the sorted half-open intervals. */
export function isActiveAt(active: readonly (readonly [number, number])[], t: number): boolean {
  for (const iv of active) {
    if (t < iv[0]) return false;
    if (t < iv[1]) return true;
  }
  return false;
}
