/** A movement's track (GET /movements/{id}/track) as the map draws it: pure, so it is tested without a browser. */
import { credibleUntil } from '../../src/domain/tracking.js';

const TRACK_COLOURS = ['#1b1b1b', '#0b5cad', '#6f3a91', '#8a5300', '#005f73'];

/** Track lines per tracker, and the newest credibly dated fix of each as a dot; for the map and its text. */
export function trackLayers(fc: GeoJSON.FeatureCollection, now = Date.now()): { lines: GeoJSON.FeatureCollection; heads: GeoJSON.FeatureCollection; last: { device: string; at: string } | null } {
  const lines: GeoJSON.Feature[] = [];
  const heads: GeoJSON.Feature[] = [];
  let last: { device: string; at: string } | null = null;
  let i = 0;
  for (const f of fc.features) {
    const props = (f.properties ?? {}) as { kind?: string; deviceId?: string; times?: string[]; vehicle?: string };
    // A tracker's track: a LineString, or a Point while it has sent one fix.
    if (f.geometry.type !== 'LineString' && !(props.kind === 'track' && f.geometry.type === 'Point')) continue;
    const device = props.deviceId ?? props.vehicle ?? `tracker-${i + 1}`;
    const colour = TRACK_COLOURS[i++ % TRACK_COLOURS.length] ?? '#1b1b1b';
    if (f.geometry.type === 'LineString') lines.push({ type: 'Feature', properties: { device, colour }, geometry: f.geometry });
    // The last position is the newest fix dated credibly (as the API's latest positions are): a
    // phone with a wrong clock may have sent one dated years ahead, which stays in the track.
    const times = props.times ?? [];
    const horizon = credibleUntil(now);
    let k = times.length - 1;
    while (k > 0 && Date.parse(times[k] ?? '') > horizon) k -= 1;
    const end = f.geometry.type === 'LineString' ? f.geometry.coordinates[Math.max(k, 0)] : f.geometry.coordinates;
    const at = times[k] ?? '';
    if (end) heads.push({ type: 'Feature', properties: { device, colour, at }, geometry: { type: 'Point', coordinates: end } });
    if (at && (!last || at > last.at)) last = { device, at };
  }
  return { lines: { type: 'FeatureCollection', features: lines }, heads: { type: 'FeatureCollection', features: heads }, last };
}

