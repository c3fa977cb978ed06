/**
 * Geodesic maths on the WGS 84 ellipsoid, self-contained so the production engine
 * depends on no geodesy package (geographiclib-geodesic is a dev dependency, used only
 * as the yardstick in tests and the benchmark).
 *
 * - `inverseGeodesic` / `directGeodesic`: Vincenty's iterations (sub-millimetre on the
 *   ellipsoid for non-antipodal points; corridors are local, so antipodes never occur).
 * - `frameAt`: coefficients of a second-order expansion of the azimuthal-equidistant
 *   projection (the exponential map) around a latitude; the engine's fast distance maths.
 * - `distanceToGeodesicSegment`: exact distance from a point to a geodesic edge, the
 *   engine's fallback near a zone boundary.
 */

export const WGS84_A = 6378137;
export const WGS84_F = 1 / 298.257223563;
export const WGS84_B = WGS84_A * (1 - WGS84_F);
const E2 = WGS84_F * (2 - WGS84_F);
const EP2 = (WGS84_A * WGS84_A - WGS84_B * WGS84_B) / (WGS84_B * WGS84_B);
export const DEG = Math.PI / 180;

export interface InverseResult {
  /** geodesic distance in metres */
  s12: number;
  /** forward azimuth at point 1, degrees clockwise from north */
  azi1: number;
  /** forward azimuth at point 2, degrees */
  azi2: number;
}

export interface DirectResult {
  lat2: number;
  lon2: number;
  azi2: number;
}

function vincentyAB(cos2Alpha: number): [number, number] {
  const u2 = cos2Alpha * EP2;
  const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const B = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  return [A, B];
}

function deltaSigma(B: number, sinS: number, cosS: number, cos2Sm: number): number {
  return (
    B *
    sinS *
    (cos2Sm +
      (B / 4) *
        (cosS * (-1 + 2 * cos2Sm * cos2Sm) -
          (B / 6) * cos2Sm * (-3 + 4 * sinS * sinS) * (-3 + 4 * cos2Sm * cos2Sm)))
  );
}

/** Geodesic inverse problem (degrees in, metres and degrees out). */
export function inverseGeodesic(lat1: number, lon1: number, lat2: number, lon2: number): InverseResult {
  const f = WGS84_F;
  let L = (lon2 - lon1) * DEG;
  if (L > Math.PI) L -= 2 * Math.PI;
  else if (L < -Math.PI) L += 2 * Math.PI;
  const tanU1 = (1 - f) * Math.tan(lat1 * DEG);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
  const sinU1 = tanU1 * cosU1;
  const tanU2 = (1 - f) * Math.tan(lat2 * DEG);
  const cosU2 = 1 / Math.sqrt(1 + tanU2 * tanU2);
  const sinU2 = tanU2 * cosU2;
  let lambda = L;
  let sinL = 0;
  let cosL = 1;
  let sinS = 0;
  let cosS = 1;
  let sigma = 0;
  let sinAlpha = 0;
  let cos2Alpha = 1;
  let cos2Sm = 0;
  for (let iter = 0; iter < 200; iter++) {
    sinL = Math.sin(lambda);
    cosL = Math.cos(lambda);
    const t1 = cosU2 * sinL;
    const t2 = cosU1 * sinU2 - sinU1 * cosU2 * cosL;
    sinS = Math.sqrt(t1 * t1 + t2 * t2);
    if (sinS === 0) return { s12: 0, azi1: 0, azi2: 0 };
    cosS = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    sigma = Math.atan2(sinS, cosS);
    sinAlpha = (cosU1 * cosU2 * sinL) / sinS;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2Sm = cos2Alpha !== 0 ? cosS - (2 * sinU1 * sinU2) / cos2Alpha : 0;
    const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
    const prev = lambda;
    lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinS * (cos2Sm + C * cosS * (-1 + 2 * cos2Sm * cos2Sm)));
    if (Math.abs(lambda - prev) < 1e-13) break;
  }
  const [A, B] = vincentyAB(cos2Alpha);
  const s12 = WGS84_B * A * (sigma - deltaSigma(B, sinS, cosS, cos2Sm));
  const azi1 = Math.atan2(cosU2 * sinL, cosU1 * sinU2 - sinU1 * cosU2 * cosL) / DEG;
  const azi2 = Math.atan2(cosU1 * sinL, -sinU1 * cosU2 + cosU1 * sinU2 * cosL) / DEG;
  return { s12, azi1, azi2 };
}

/** Geodesic direct problem (degrees and metres in, degrees out). */
export function directGeodesic(lat1: number, lon1: number, azi1: number, s12: number): DirectResult {
  const f = WGS84_F;
  const a1 = azi1 * DEG;
  const sinA1 = Math.sin(a1);
  const cosA1 = Math.cos(a1);
  const tanU1 = (1 - f) * Math.tan(lat1 * DEG);
  const cosU1 = 1 / Math.sqrt(1 + tanU1 * tanU1);
  const sinU1 = tanU1 * cosU1;
  const sigma1 = Math.atan2(tanU1, cosA1);
  const sinAlpha = cosU1 * sinA1;
  const cos2Alpha = 1 - sinAlpha * sinAlpha;
  const [A, B] = vincentyAB(cos2Alpha);
  const s0 = s12 / (WGS84_B * A);
  let sigma = s0;
  let sinS = 0;
  let cosS = 1;
  let cos2Sm = 0;
  for (let iter = 0; iter < 100; iter++) {
    cos2Sm = Math.cos(2 * sigma1 + sigma);
    sinS = Math.sin(sigma);
    cosS = Math.cos(sigma);
    const next = s0 + deltaSigma(B, sinS, cosS, cos2Sm);
    if (Math.abs(next - sigma) < 1e-14) {
      sigma = next;
      break;
    }
    sigma = next;
  }
  cos2Sm = Math.cos(2 * sigma1 + sigma);
  sinS = Math.sin(sigma);
  cosS = Math.cos(sigma);
  const x = sinU1 * sinS - cosU1 * cosS * cosA1;
  const lat2 = Math.atan2(sinU1 * cosS + cosU1 * sinS * cosA1, (1 - f) * Math.sqrt(sinAlpha * sinAlpha + x * x));
  const lambda = Math.atan2(sinS * sinA1, cosU1 * cosS - sinU1 * sinS * cosA1);
  const C = (f / 16) * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
  const L = lambda - (1 - C) * f * sinAlpha * (sigma + C * sinS * (cos2Sm + C * cosS * (-1 + 2 * cos2Sm * cos2Sm)));
  let lon2 = lon1 + L / DEG;
  if (lon2 > 180) lon2 -= 360;
  else if (lon2 < -180) lon2 += 360;
  return { lat2: lat2 / DEG, lon2, azi2: Math.atan2(sinAlpha, -x) / DEG };
}

/**
 * Local frame around latitude phi0 (radians). With dPhi, dLam in radians from the
 * frame origin, the azimuthal-equidistant coordinates in metres are, to second order,
 *   x = (g + dg·dPhi)·dLam
 *   y = m·dPhi + hm·dPhi² + kl·dLam²
 * where m, g are the meridian radius and the radius of the parallel, dg = dg/dphi,
 * hm = ½·dm/dphi and kl = −½·g·dg/m (the Christoffel terms of the metric m²dφ² + g²dλ²).
 * Measured against GeographicLib: ≤ 1.3 cm of distance error within 10 km of the origin,
 * ≤ 11 cm within 20 km; `frameErrorBound` states a bound about twice that.
 */
export interface Frame {
  g: number;
  dg: number;
  m: number;
  hm: number;
  kl: number;
}

export function frameAt(phi0: number): Frame {
  const s = Math.sin(phi0);
  const c = Math.cos(phi0);
  const w = 1 - E2 * s * s;
  const n = WGS84_A / Math.sqrt(w);
  const m = (WGS84_A * (1 - E2)) / (w * Math.sqrt(w));
  const g = n * c;
  const dg = -m * s;
  const dm = (3 * m * E2 * s * c) / w;
  return { g, dg, m, hm: 0.5 * dm, kl: (-0.5 * g * dg) / m };
}

/**
 * Bound (metres) on the frame's distance error when every point involved is within r metres of
 * an origin at latitude `latDeg` or nearer the equator (default: the mid-latitudes).
 *
 * The second-order expansion's error grows with the curvature of the parallels, as tan²φ: against
 * GeographicLib (geodesic.test.ts, "local frame") the worst error is about 0.27·tan²φ times the
 * mid-latitude bound 0.03·(r/10 km)³ + 2 mm, from the equator to ±86°, both hemispheres — 1.7 m
 * for r = 52 km at 53°, 86 m at 84°, 150 m at 85°. Ignoring latitude, the bound answered
 * "outside" for points a metre or more inside wide zones beyond ±75°. The factor
 * max(1, 0.6·tan²φ) keeps the bound about twice the error everywhere and leaves it as it was up
 * to 52.2°, so the index at ordinary latitudes does not change.
 */
export function frameErrorBound(r: number, latDeg = 0): number {
  const q = r / 10000;
  const t = Math.tan(Math.min(Math.abs(latDeg), 89.9) * DEG);
  return (0.03 * q * q * q + 0.002) * Math.max(1, 0.6 * t * t);
}

/** The latitude (degrees, absolute) farthest from the equator that points within r metres of these latitudes reach. */
export function reachLatitude(latsDeg: Iterable<number>, r: number): number {
  let max = 0;
  for (const lat of latsDeg) max = Math.max(max, Math.abs(lat));
  // A degree of latitude is at least 110.5 km.
  return Math.min(90, max + r / 110_500);
}

/**
 * Exact geodesic distance (metres) from P to the geodesic edge A–B (degrees).
 * Walks the foot point O along the edge until the geodesic O→P meets the edge at a
 * right angle: in the azimuthal-equidistant projection centred on O the edge is an
 * exact straight line and |OP| an exact distance, so each step is a Newton step.
 */
export function distanceToGeodesicSegment(
  pLat: number,
  pLon: number,
  aLat: number,
  aLon: number,
  bLat: number,
  bLon: number,
): number {
  const ab = inverseGeodesic(aLat, aLon, bLat, bLon);
  if (ab.s12 < 1e-6) return inverseGeodesic(pLat, pLon, aLat, aLon).s12;
  // start from the ends' projections: a cheap guess that is often already right
  const ap = inverseGeodesic(aLat, aLon, pLat, pLon);
  let t = ap.s12 * Math.cos((ap.azi1 - ab.azi1) * DEG);
  t = t < 0 ? 0 : t > ab.s12 ? ab.s12 : t;
  let best = Infinity;
  for (let iter = 0; iter < 50; iter++) {
    const o = t === 0 ? { lat2: aLat, lon2: aLon, azi2: ab.azi1 } : directGeodesic(aLat, aLon, ab.azi1, t);
    const op = inverseGeodesic(o.lat2, o.lon2, pLat, pLon);
    best = op.s12;
    if (op.s12 === 0) return 0;
    const along = op.s12 * Math.cos((op.azi1 - o.azi2) * DEG);
    let next = t + along;
    next = next < 0 ? 0 : next > ab.s12 ? ab.s12 : next;
    if (Math.abs(next - t) < 1e-5) break;
    t = next;
  }
  return best;
}

/** Splits every edge longer than maxSegM into equal geodesic pieces; returns [lon, lat] positions. */
export function densifyGeodesic(route: readonly (readonly [number, number])[], maxSegM: number): [number, number][] {
  if (!(maxSegM > 0)) throw new RangeError('maxSegM must be positive');
  const out: [number, number][] = [];
  for (let i = 0; i < route.length; i++) {
    const p = route[i] as readonly [number, number];
    if (i > 0) {
      const q = route[i - 1] as readonly [number, number];
      const inv = inverseGeodesic(q[1], q[0], p[1], p[0]);
      const n = Math.ceil(inv.s12 / maxSegM);
      for (let k = 1; k < n; k++) {
        const d = directGeodesic(q[1], q[0], inv.azi1, (inv.s12 * k) / n);
        out.push([d.lon2, d.lat2]);
      }
    }
    out.push([p[0], p[1]]);
  }
  return out;
}

/** Geodesic metres from a point to a route's centre line (exact; for explanations, not the hot path). */
export function distanceToRoute(route: readonly (readonly number[])[], lon: number, lat: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1] ?? [];
    const b = route[i] ?? [];
    best = Math.min(best, distanceToGeodesicSegment(lat, lon, a[1] ?? 0, a[0] ?? 0, b[1] ?? 0, b[0] ?? 0));
  }
  return best;
}
