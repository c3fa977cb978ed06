// Seeded, reproducible workload for the deconfliction benchmark (issue 4):
// the bounding box of Ukraine; corridors of 20–200 vertices in ≈ 5 km steps, widths
// 1–10 km, 1–3 windows each within one week; protected sites; query points with times,
// half of them near corridors.

export const BBOX = { lonMin: 22.14, lonMax: 40.23, latMin: 44.38, latMax: 52.38 };
export const WEEK_START = Date.UTC(2022, 2, 7, 0, 0, 0);
export const WEEK = 7 * 24 * 3_600_000;
export const PARTIES = ['ua', 'ru', 'icrc', 'un'];

/** mulberry32: small, fast, good enough for a benchmark, and the same everywhere. */
export function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const R = 6371008.8;
const D = Math.PI / 180;

/** Moves (lon, lat) by metres along a heading on a sphere: generation only, exactness is not needed here. */
function step(lon, lat, headingDeg, metres) {
  const d = metres / R;
  const h = headingDeg * D;
  const p1 = lat * D;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(h));
  const l2 = lon * D + Math.atan2(Math.sin(h) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [l2 / D, p2 / D];
}

function windows(rnd) {
  const n = 1 + Math.floor(rnd() * 3);
  const raw = [];
  for (let k = 0; k < n; k++) {
    const s = WEEK_START + Math.floor(rnd() * (WEEK - 2 * 3_600_000) / 60_000) * 60_000;
    const len = (2 + Math.floor(rnd() * 11)) * 3_600_000 + Math.floor(rnd() * 4) * 15 * 60_000;
    raw.push([s, Math.min(WEEK_START + WEEK, s + len)]);
  }
  raw.sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const iv of raw) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([...iv]);
  }
  return out;
}

/**
 * Corridors wander: each ≈ 5 km step turns by up to ±turnDeg (default: any direction, a
 * random walk, which gives the ≈ 12–13 zone hits per point the issue measured) and bounces off the box,
 * so routes double back and cross each other as real detours do.
 */
export function makeCorridors(count, seed = 1, turnDeg = 180) {
  const rnd = makeRandom(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const nv = 20 + Math.floor(rnd() * 181);
    let lon = BBOX.lonMin + rnd() * (BBOX.lonMax - BBOX.lonMin);
    let lat = BBOX.latMin + rnd() * (BBOX.latMax - BBOX.latMin);
    let heading = rnd() * 360;
    const route = [[lon, lat]];
    for (let k = 1; k < nv; k++) {
      heading += (rnd() * 2 - 1) * turnDeg;
      let [nl, nt] = step(lon, lat, heading, 4500 + rnd() * 1000);
      if (nl < BBOX.lonMin || nl > BBOX.lonMax) heading = 180 - heading + 180;
      if (nt < BBOX.latMin || nt > BBOX.latMax) heading = 180 - heading;
      if (nl < BBOX.lonMin || nl > BBOX.lonMax || nt < BBOX.latMin || nt > BBOX.latMax) [nl, nt] = step(lon, lat, heading, 4500 + rnd() * 1000);
      lon = Math.min(BBOX.lonMax, Math.max(BBOX.lonMin, nl));
      lat = Math.min(BBOX.latMax, Math.max(BBOX.latMin, nt));
      route.push([lon, lat]);
    }
    out.push({ id: `c${i}`, version: 1, route, widthM: 1000 + rnd() * 9000, active: windows(rnd) });
  }
  return out;
}

/** Sites: 90 % circles (radius 100 m – 3 km), 10 % small polygons; each shared with 1–4 parties. */
export function makeSites(count, seed = 2) {
  const rnd = makeRandom(seed);
  const out = [];
  for (let i = 0; i < count; i++) {
    const lon = BBOX.lonMin + rnd() * (BBOX.lonMax - BBOX.lonMin);
    const lat = BBOX.latMin + rnd() * (BBOX.latMax - BBOX.latMin);
    const visibleTo = PARTIES.filter(() => rnd() < 0.6);
    if (visibleTo.length === 0) visibleTo.push(PARTIES[i % PARTIES.length]);
    const r = 100 + rnd() * 2900;
    if (rnd() < 0.1) {
      const ring = [];
      for (let k = 0; k < 6; k++) ring.push(step(lon, lat, k * 60 + rnd() * 30, r * (0.6 + 0.4 * rnd())));
      ring.push(ring[0]);
      out.push({ id: `s${i}`, version: 1, polygon: [ring], visibleTo });
    } else {
      out.push({ id: `s${i}`, version: 1, center: [lon, lat], radiusM: r, visibleTo });
    }
  }
  return out;
}

/** Query points: half within ≈ 1.2 half-widths of a random corridor vertex, half anywhere; times across the week. */
export function makePoints(count, corridors, seed = 3) {
  const rnd = makeRandom(seed);
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = WEEK_START + Math.floor(rnd() * WEEK);
    if (i % 2 === 0 && corridors.length > 0) {
      const c = corridors[Math.floor(rnd() * corridors.length)];
      const v = c.route[Math.floor(rnd() * c.route.length)];
      const [lon, lat] = step(v[0], v[1], rnd() * 360, rnd() * c.widthM * 0.6);
      out[i] = { lon, lat, at };
    } else {
      out[i] = { lon: BBOX.lonMin + rnd() * (BBOX.lonMax - BBOX.lonMin), lat: BBOX.latMin + rnd() * (BBOX.latMax - BBOX.latMin), at };
    }
  }
  return out;
}
