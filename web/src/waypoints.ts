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
  /** The id of the checkpoint this waypoint was in the terms being amended: kept, so movements' check-ins still name it. */
  checkpointId?: string | undefined;
}

/** A checkpoint as corridor terms hold it. */
export interface TermsCheckpoint {
  id?: string | undefined;
  name: string;
  coordinates: number[];
}

interface RouteTerms {
  route: { coordinates: number[][] };
  origin: { name: string };
  destination: { name: string };
  checkpoints: readonly TermsCheckpoint[];
}

const at = (c: readonly number[], x: readonly number[]): boolean => c[0] === x[0] && c[1] === x[1];

/** The waypoints of terms being amended: the route's points, named after the origin, the destination or the checkpoint there. */
export function waypointsOfTerms(terms: RouteTerms): Waypoint[] {
  const all = terms.route.coordinates;
  return all.map((c, i) => {
    const inner = i > 0 && i < all.length - 1;
    const cp = inner ? terms.checkpoints.find((k) => at(k.coordinates, c)) : undefined;
    const name = i === 0 ? terms.origin.name : i === all.length - 1 ? terms.destination.name : (cp?.name ?? coordName(c[0] as number, c[1] as number));
    return { name, lon: c[0] as number, lat: c[1] as number, checkpoint: cp !== undefined, auto: false, ...(cp?.id ? { checkpointId: cp.id } : {}) };
  });
}

/**
 * The checkpoints the form sends: each inner waypoint marked as one, with the id it had, then —
 * when amending — the earlier terms' checkpoints that stood off the route's points (the form
 * cannot show those), unchanged. Without the ids, every checkpoint would be renumbered
 * (cp-1, cp-2) and movements' check-ins would name checkpoints the terms no longer have.
 */
export function checkpointsOf(waypoints: readonly Waypoint[], before?: RouteTerms): TermsCheckpoint[] {
  const marked = waypoints.slice(1, -1).filter((w) => w.checkpoint).map((w) => ({ ...(w.checkpointId ? { id: w.checkpointId } : {}), name: w.name, coordinates: [w.lon, w.lat] }));
  const inner = before ? before.route.coordinates.slice(1, -1) : [];
  const offRoute = before ? before.checkpoints.filter((k) => !inner.some((c) => at(k.coordinates, c))) : [];
  return [...marked, ...offRoute.filter((k) => !marked.some((m) => m.id !== undefined && m.id === k.id))];
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
