/**
 * The ceasefire zone as a polygon, for display and export (GeoJSON, KML, CAP): the
 * route buffered geodesically by widthM/2, exterior ring counter-clockwise and holes
 * clockwise (RFC 7946 right-hand rule), every ring closed, no edge longer than 1 km.
 *
 * How: the engine itself (exact to the millimetre) classifies the nodes of a lon/lat grid
 * of spacing ≈ widthM/3 around the route; marching squares turns the inside/outside
 * pattern into oriented rings (inside on the left), which also handles routes that double
 * back or loop (holes appear where a loop encloses land outside the zone). Each ring
 * vertex is then moved onto the true boundary by bisection along its grid edge, and every
 * chord is split until its midpoint lies within 0.25 m of the boundary and it is ≤ 1 km
 * long. So every vertex is on the geodesic buffer boundary (±1 cm) and edges stray from
 * it by ≤ 0.25 m. Features narrower than the grid spacing (a gap under ≈ widthM/3 between
 * two passes of the route) may be closed over.
 */
import { DeconflictionEngine } from './zone-index.js';
import { DEG } from './geodesic.js';
import type { CheckPoint } from './zone-types.js';

const MAX_NODES = 20_000_000;
/** a little under 1 km: chord lengths are measured with a local spherical scale */
const MAX_CHORD_M = 990;
const MAX_SAGITTA_M = 0.25;
const M_PER_DEG = 111_320;

export function bufferRouteToPolygon(route: [number, number][], widthM: number): [number, number][][] {
  const h = widthM / 2;
  const engine = new DeconflictionEngine([{ id: 'z', version: 1, route, widthM, active: [[-8.64e15, 8.64e15]] }], []);
  const inside = (lon: number, lat: number): boolean => (engine.check([{ lon, lat, at: 0 }])[0]?.corridors.length ?? 0) > 0;

  let lonMin = 180, lonMax = -180, latMin = 90, latMax = -90;
  for (const [lon, lat] of route) {
    lonMin = Math.min(lonMin, lon);
    lonMax = Math.max(lonMax, lon);
    latMin = Math.min(latMin, lat);
    latMax = Math.max(latMax, lat);
  }
  const latMid = (latMin + latMax) / 2;
  const cosMid = Math.cos(latMid * DEG);
  const margin = (h * 1.2 + 100) / M_PER_DEG;
  const cosMin = Math.cos(Math.min(89, Math.max(Math.abs(latMin), Math.abs(latMax)) + margin) * DEG);
  latMin -= margin;
  latMax += margin;
  lonMin -= margin / cosMin;
  lonMax += margin / cosMin;
  let g = widthM / 3;
  let gy = g / M_PER_DEG;
  let gx = gy / cosMid;
  while (Math.ceil((lonMax - lonMin) / gx + 1) * Math.ceil((latMax - latMin) / gy + 1) > MAX_NODES) {
    g *= 1.5;
    gy = g / M_PER_DEG;
    gx = gy / cosMid;
  }
  const nx = Math.ceil((lonMax - lonMin) / gx) + 1;
  const ny = Math.ceil((latMax - latMin) / gy) + 1;
  const lonAt = (i: number): number => lonMin + i * gx;
  const latAt = (j: number): number => latMin + j * gy;

  // node classification, a row at a time
  const node = new Uint8Array(nx * ny);
  const row: CheckPoint[] = new Array<CheckPoint>(nx);
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) row[i] = { lon: lonAt(i), lat: latAt(j), at: 0 };
    const res = engine.check(row);
    for (let i = 0; i < nx; i++) node[j * nx + i] = (res[i]?.corridors.length ?? 0) > 0 ? 1 : 0;
  }

  // marching squares: edge ids 2·(j·nx+i) (horizontal, from node (i,j) east) and +1 (vertical, north)
  const next = new Map<number, number>();
  const corner = (i: number, j: number): number => node[j * nx + i] as number;
  const edgeB = (i: number, j: number): number => 2 * (j * nx + i);
  const edgeL = (i: number, j: number): number => 2 * (j * nx + i) + 1;
  // midpoints in grid units, for orientation tests
  const mid = (e: number): [number, number] => {
    const k = e >> 1;
    const i = k % nx;
    const j = (k - i) / nx;
    return e & 1 ? [i, j + 0.5] : [i + 0.5, j];
  };
  const link = (a: number, b: number, kx: number, ky: number, kIn: boolean): void => {
    // orient so corner k is on the left iff it is inside
    const [ax, ay] = mid(a);
    const [bx, by] = mid(b);
    const left = (bx - ax) * (ky - ay) - (by - ay) * (kx - ax) > 0;
    if (left === kIn) next.set(a, b);
    else next.set(b, a);
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const c0 = corner(i, j);
      const c1 = corner(i + 1, j);
      const c2 = corner(i + 1, j + 1);
      const c3 = corner(i, j + 1);
      const code = c0 | (c1 << 1) | (c2 << 2) | (c3 << 3);
      if (code === 0 || code === 15) continue;
      const B = edgeB(i, j);
      const R = edgeL(i + 1, j);
      const T = edgeB(i, j + 1);
      const L = edgeL(i, j);
      if (code === 5 || code === 10) {
        const centre = inside(lonAt(i + 0.5), latAt(j + 0.5));
        if (code === 5 !== centre) {
          // corners 0 and 2 are cut off on their own
          link(B, L, i, j, c0 === 1);
          link(T, R, i + 1, j + 1, c2 === 1);
        } else {
          link(B, R, i + 1, j, c1 === 1);
          link(T, L, i, j + 1, c3 === 1);
        }
        continue;
      }
      const crossings: number[] = [];
      if (c0 !== c1) crossings.push(B);
      if (c1 !== c2) crossings.push(R);
      if (c2 !== c3) crossings.push(T);
      if (c3 !== c0) crossings.push(L);
      // any corner works as the reference when it lies on one known side of the segment: use corner 0's side
      // test with the corner nearest the first crossing that differs from the others
      const [a, b] = crossings as [number, number];
      const lone = [c0, c1, c2, c3].filter((v) => v === 1).length === 1 ? 1 : [c0, c1, c2, c3].filter((v) => v === 0).length === 1 ? 0 : -1;
      let k = 0;
      if (lone >= 0) k = [c0, c1, c2, c3].indexOf(lone);
      const kx = k === 1 || k === 2 ? i + 1 : i;
      const ky = k >= 2 ? j + 1 : j;
      const kIn = [c0, c1, c2, c3][k] === 1;
      link(a, b, kx, ky, kIn);
    }
  }

  // exact vertex on each crossed grid edge
  const bisect = (ax: number, ay: number, aIn: boolean, bx: number, by: number): [number, number] => {
    let inX = ax, inY = ay, outX = bx, outY = by;
    if (!aIn) [inX, inY, outX, outY] = [bx, by, ax, ay];
    for (let it = 0; it < 60; it++) {
      const mx = (inX + outX) / 2;
      const my = (inY + outY) / 2;
      if (Math.abs(outX - inX) * cosMid * M_PER_DEG < 0.005 && Math.abs(outY - inY) * M_PER_DEG < 0.005) break;
      if (inside(mx, my)) [inX, inY] = [mx, my];
      else [outX, outY] = [mx, my];
    }
    return [inX, inY];
  };
  const vertexOf = (e: number): [number, number] => {
    const k = e >> 1;
    const i = k % nx;
    const j = (k - i) / nx;
    const [i2, j2] = e & 1 ? [i, j + 1] : [i + 1, j];
    return bisect(lonAt(i), latAt(j), corner(i, j) === 1, lonAt(i2), latAt(j2));
  };

  // chords: split until the midpoint is on the boundary within MAX_SAGITTA_M and the chord ≤ 1 km
  const metres = (a: [number, number], b: [number, number]): number =>
    Math.hypot((b[0] - a[0]) * Math.cos(((a[1] + b[1]) / 2) * DEG), b[1] - a[1]) * M_PER_DEG;
  const refine = (a: [number, number], b: [number, number], out: [number, number][], depth: number): void => {
    const len = metres(a, b);
    const m: [number, number] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    // outward normal: right of a→b (inside is on the left), in lon/lat scaled by cosMid
    const dx = (b[0] - a[0]) * cosMid;
    const dy = b[1] - a[1];
    const n = Math.hypot(dx, dy) || 1;
    const ox = dy / n / cosMid;
    const oy = -dx / n;
    const reach = Math.max(len, 1) / M_PER_DEG;
    const mIn = inside(m[0], m[1]);
    const far: [number, number] = mIn ? [m[0] + ox * reach, m[1] + oy * reach] : [m[0] - ox * reach, m[1] - oy * reach];
    let onB: [number, number] = m;
    if (inside(far[0], far[1]) !== mIn) onB = bisect(m[0], m[1], mIn, far[0], far[1]);
    const dev = metres(m, onB);
    if (depth < 24 && (dev > MAX_SAGITTA_M || len > MAX_CHORD_M)) {
      refine(a, onB, out, depth + 1);
      refine(onB, b, out, depth + 1);
    } else {
      out.push(b);
    }
  };

  const rings: [number, number][][] = [];
  const seen = new Set<number>();
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const ids: number[] = [];
    let e: number | undefined = start;
    while (e !== undefined && !seen.has(e)) {
      seen.add(e);
      ids.push(e);
      e = next.get(e);
    }
    if (e !== start || ids.length < 3) continue;
    const coarse = ids.map(vertexOf);
    const ring: [number, number][] = [coarse[0] as [number, number]];
    for (let k = 0; k < coarse.length; k++) refine(coarse[k] as [number, number], coarse[(k + 1) % coarse.length] as [number, number], ring, 0);
    ring[ring.length - 1] = ring[0] as [number, number]; // closed, exactly
    rings.push(ring);
  }
  const area = (r: [number, number][]): number => {
    let s = 0;
    for (let k = 0; k + 1 < r.length; k++) s += (r[k] as [number, number])[0] * (r[k + 1] as [number, number])[1] - (r[k + 1] as [number, number])[0] * (r[k] as [number, number])[1];
    return s / 2;
  };
  const outer = rings.filter((r) => area(r) > 0).sort((a, b) => area(b) - area(a));
  const holes = rings.filter((r) => area(r) < 0);
  const exterior = outer[0];
  if (exterior === undefined) return [];
  return [exterior, ...holes];
}
