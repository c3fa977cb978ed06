/**
 * Waypoints of a route being proposed: placed by clicking the map, moved by dragging their
 * marker, or entered in the list (name search, coordinates). Pure functions, unit-tested in
 * test/web/ui-logic.test.ts; the propose view wires them to the map and the list.
 */
import { nearestPlace, type Place } from './gazetteer.js';

export interface Waypoint {
  name: string;
  lon: number;
  lat: number;
  checkpoint: boolean;
  /**
   * The name was given by the app (nearest settlement, or the coordinates), not typed by the
   * user: moving the waypoint renames it. A typed name stays.
   */
  auto: boolean;
}

/** Clicked and dragged points keep 5 decimals (about 1 m), as the API's routes do. */
export function roundCoord(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

/** "lat, lon" with 4 decimals (about 10 m): the name of a point with no settlement near it. */
export function coordName(lon: number, lat: number): string {
  return `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
}

/** The name a point on the map gets: the nearest settlement within `maxKm`, else its coordinates. */
export function nameAt(places: readonly Place[], lon: number, lat: number, maxKm?: number): string {
  return nearestPlace(places, lon, lat, maxKm)?.[0] ?? coordName(lon, lat);
}

/** A waypoint at a clicked point (coordinates rounded, named by {@link nameAt}). */
export function waypointAt(places: readonly Place[], lon: number, lat: number, maxKm?: number): Waypoint {
  const x = roundCoord(lon);
  const y = roundCoord(lat);
  return { name: nameAt(places, x, y, maxKm), lon: x, lat: y, checkpoint: false, auto: true };
}

/**
 * The waypoint moved to a new point (a marker dragged there): new coordinates (rounded), a new
 * name unless the user typed the old one, the checkpoint mark kept. The list is not changed.
 */
export function movedWaypoint(w: Waypoint, places: readonly Place[], lon: number, lat: number, maxKm?: number): Waypoint {
  const x = roundCoord(lon);
  const y = roundCoord(lat);
  return { ...w, lon: x, lat: y, name: w.auto ? nameAt(places, x, y, maxKm) : w.name };
}

/** The marker's text: the waypoint's 1-based place in the list (numbers read in any language). */
export function markerLabel(i: number): string {
  return String(i + 1);
}
