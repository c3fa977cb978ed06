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
import { DEG, densifyGeodesic } from './geodesic.js';
import type { CheckPoint } from './zone-types.js';

const MAX_NODES = 20_000_000;
/** nodes per side of a chunk of the grid */
const CHUNK = 16;

/**
 * The chunks (key cj·ncx + ci) within reach of the zone: those around each position of the
 * densified route, as far as `margin` degrees of latitude (and its longitude equivalent there)
 * reaches. Positions are at most half a chunk apart, so no chunk between them is missed.
 */
function activeChunks(dense: readonly [number, number][], lonMin: number, latMin: number, gx: number, gy: number, margin: number, nx: number, ny: number): Set<number> {
  const ncx = Math.ceil(nx / CHUNK);
  const ncy = Math.ceil(ny / CHUNK);
  const out = new Set<number>();
  for (const [lon, lat] of dense) {
    const ci = Math.floor((lon - lonMin) / gx / CHUNK);
    const cj = Math.floor((lat - latMin) / gy / CHUNK);
    // A point of the zone is within `margin` of the route, so within margin + a quarter chunk of one of these positions.
    const ri = Math.ceil(margin / Math.max(Math.cos(Math.min(89, Math.abs(lat) + margin) * DEG), 1e-6) / gx / CHUNK + 0.25);
    const rj = Math.ceil(margin / gy / CHUNK + 0.25);
    for (let b = Math.max(0, cj - rj); b <= Math.min(ncy - 1, cj + rj); b++) for (let a = Math.max(0, ci - ri); a <= Math.min(ncx - 1, ci + ri); a++) out.add(b * ncx + a);
  }
  return out;
}
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
  // The grid covers only chunks of C×C nodes that the zone can reach, found along the route: a
  // grid over the route's whole bounding box grew with the square of its length, so a long
  // diagonal route at a small width was coarsened until no node fell inside the zone (a 1 m
  // zone on a 1,480 km route came out as a 14-vertex speck, after seconds of work).
  let g = widthM / 3;
  let gy = g / M_PER_DEG;
  let gx = gy / cosMid;
  const nxOf = (): number => Math.ceil((lonMax - lonMin) / gx) + 1;
  const nyOf = (): number => Math.ceil((latMax - latMin) / gy) + 1;
  const dense = densifyGeodesic(route, (CHUNK * g) / 2);
  let chunks = activeChunks(dense, lonMin, latMin, gx, gy, margin, nxOf(), nyOf());
  while (chunks.size * CHUNK * CHUNK > MAX_NODES) {
    g *= 1.5;
    gy = g / M_PER_DEG;
    gx = gy / cosMid;
    chunks = activeChunks(densifyGeodesic(route, (CHUNK * g) / 2), lonMin, latMin, gx, gy, margin, nxOf(), nyOf());
  }
  const nx = nxOf();
  const ny = nyOf();
  const ncx = Math.ceil(nx / CHUNK);
  const lonAt = (i: number): number => lonMin + i * gx;
  const latAt = (j: number): number => latMin + j * gy;

  // node classification, a chunk at a time; nodes of chunks the zone cannot reach are outside
  const nodes = new Map<number, Uint8Array>();
  const batch: CheckPoint[] = new Array<CheckPoint>(CHUNK * CHUNK);
  for (const key of chunks) {
    const ci = key % ncx;
    const cj = (key - ci) / ncx;
    for (let b = 0; b < CHUNK; b++) for (let a = 0; a < CHUNK; a++) batch[b * CHUNK + a] = { lon: lonAt(ci * CHUNK + a), lat: latAt(cj * CHUNK + b), at: 0 };
    const res = engine.check(batch);
    const cell = new Uint8Array(CHUNK * CHUNK);
    for (let k = 0; k < CHUNK * CHUNK; k++) cell[k] = (res[k]?.corridors.length ?? 0) > 0 ? 1 : 0;
    nodes.set(key, cell);
  }

  // marching squares: edge ids 2·(j·nx+i) (horizontal, from node (i,j) east) and +1 (vertical, north)
  const next = new Map<number, number>();
  const corner = (i: number, j: number): number => {
    if (i >= nx || j >= ny) return 0;
    const ci = Math.floor(i / CHUNK);
    const cj = Math.floor(j / CHUNK);
    return (nodes.get(cj * ncx + ci)?.[(j - cj * CHUNK) * CHUNK + (i - ci * CHUNK)] ?? 0) as number;
  };
  const edgeB = (i: number, j: number): number => 2 * (j * nx + i);
  const edgeL = (i: number, j: number): number => 2 * (j * nx + i) + 1;
  // midpoints in grid units, for orientation tests
  // Edge ids pass 2³¹ on a long route at a small width: plain arithmetic, not bit operators.
  const mid = (e: number): [number, number] => {
    const k = Math.floor(e / 2);
    const i = k % nx;
    const j = (k - i) / nx;
    return e % 2 === 1 ? [i, j + 0.5] : [i + 0.5, j];
  };
  const link = (a: number, b: number, kx: number, ky: number, kIn: boolean): void => {
    // orient so corner k is on the left iff it is inside
    const [ax, ay] = mid(a);
    const [bx, by] = mid(b);
    const left = (bx - ax) * (ky - ay) - (by - ay) * (kx - ax) > 0;
    if (left === kIn) next.set(a, b);
    else next.set(b, a);
  };
  // Each cell once, by the chunk of its lower-left node; a cell of an inactive chunk has four
  // outside corners unless it borders an active one, whose cells reach over it from below/left —
  // so the chunks around each active one are walked too.
  const walked = new Set<number>();
  const cellsOf: number[] = [];
  for (const key of chunks) {
    const ci = key % ncx;
    const cj = (key - ci) / ncx;
    for (const [di, dj] of [[0, 0], [-1, 0], [0, -1], [-1, -1]] as const) {
      const k = (cj + dj) * ncx + (ci + di);
      if (ci + di >= 0 && cj + dj >= 0 && !walked.has(k)) {
        walked.add(k);
        cellsOf.push(k);
      }
    }
  }
  for (const key of cellsOf) {
    const ci = key % ncx;
    const cj = (key - ci) / ncx;
    for (let j = cj * CHUNK; j < (cj + 1) * CHUNK && j + 1 < ny; j++) {
    for (let i = ci * CHUNK; i < (ci + 1) * CHUNK && i + 1 < nx; i++) {
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

  /** Every crossed grid edge's exact vertex at once: each round of the bisection is one batch for the engine. */
  const verticesOf = (edges: readonly number[]): [number, number][] => {
    const n = edges.length;
    const inX = new Float64Array(n), inY = new Float64Array(n), outX = new Float64Array(n), outY = new Float64Array(n);
    edges.forEach((e, q) => {
      const k = Math.floor(e / 2);
      const i = k % nx;
      const j = (k - i) / nx;
      const [i2, j2] = e % 2 === 1 ? [i, j + 1] : [i + 1, j];
      const aIn = corner(i, j) === 1;
      [inX[q], inY[q], outX[q], outY[q]] = aIn ? [lonAt(i), latAt(j), lonAt(i2), latAt(j2)] : [lonAt(i2), latAt(j2), lonAt(i), latAt(j)];
    });
    let open = [...edges.keys()];
    for (let it = 0; it < 60 && open.length > 0; it++) {
      open = open.filter((q) => !(Math.abs((outX[q] as number) - (inX[q] as number)) * cosMid * M_PER_DEG < 0.005 && Math.abs((outY[q] as number) - (inY[q] as number)) * M_PER_DEG < 0.005));
      const res = engine.check(open.map((q) => ({ lon: ((inX[q] as number) + (outX[q] as number)) / 2, lat: ((inY[q] as number) + (outY[q] as number)) / 2, at: 0 })));
      open.forEach((q, r) => {
        const mx = ((inX[q] as number) + (outX[q] as number)) / 2;
        const my = ((inY[q] as number) + (outY[q] as number)) / 2;
        if ((res[r]?.corridors.length ?? 0) > 0) [inX[q], inY[q]] = [mx, my];
        else [outX[q], outY[q]] = [mx, my];
      });
    }
    return edges.map((_, q) => [inX[q] as number, inY[q] as number]);
  };

  const chains: number[][] = [];
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
    // One grid crossing every ≈ widthM/3 is far denser than a narrow zone's boundary needs: keep
    // one every ≈ 400 m (the chords are then split where they stray from the boundary), so the
    // work of the exact vertices does not grow as 1/width along a long route.
    const stride = ids.length >= 12 ? Math.max(1, Math.min(Math.floor(ids.length / 4), Math.floor(400 / g))) : 1;
    chains.push(ids.filter((_, k) => k % stride === 0));
  }
  const exact = verticesOf(chains.flat());
  const rings: [number, number][][] = [];
  let at = 0;
  for (const chain of chains) {
    const coarse = exact.slice(at, at + chain.length);
    at += chain.length;
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
