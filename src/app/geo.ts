import { activeIntervals } from '../domain/corridor-status.js';
import type { Actor } from '../domain/authorization.js';
import { DomainError, type ErrorDetail } from '../domain/errors.js';
import { bufferRouteToPolygon, DeconflictionEngine, type CheckPoint, type CheckResult, type ZoneCorridor, type ZoneSite } from '../domain/geo/deconfliction-engine.js';
import { distanceToRoute } from '../domain/geo/geodesic.js';
import { canSeeSite } from '../domain/sites.js';
import { formatUtc, parseRfc3339 } from '../domain/windows.js';
import type { CorridorState } from '../schemas/corridor.js';
import type { Store, Tx } from '../store/store.js';
import { bindingParties, loadCorridors, statusOf, type LoadedCorridor } from './corridors.js';
import type { Deps } from './deps.js';
import { logSize } from './log.js';
import { loadSiteUnchecked } from './sites.js';

export const MAX_CHECK_POINTS = 100_000;

function toZoneCorridor(c: LoadedCorridor): ZoneCorridor {
  const current = bindingParties(c);
  return {
    id: c.row.id,
    version: c.row.current_version,
    route: c.terms.route.coordinates.map(([lon, lat]) => [lon, lat] as [number, number]),
    widthM: c.terms.widthM,
    active: activeIntervals({
      corridorId: c.row.id,
      version: c.row.current_version,
      state: c.row.state as CorridorState,
      windows: c.terms.windows,
      requiredGuarantors: c.terms.requiredGuarantors.map((id) => ({ id, name: id })),
      signedParties: current,
      suspensions: c.suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason })),
    }),
  };
}

/**
 * The one deconfliction index of a store, for HTTP, movements, incidents and the UI alike.
 * It follows the log: before answering, it reads the log's size (one cheap query) and reloads
 * exactly the corridors and sites whose entries were appended since it last looked — so a
 * suspension or a new guarantee changes the very next answer, also when another process on the
 * same PostgreSQL database made it. Updates are applied before a (synchronous) check runs, so a
 * check never sees a half-updated index.
 */
export class GeoIndex {
  private readonly engine = new DeconflictionEngine([], []);
  private synced = -1;
  private syncing: Promise<void> | undefined;
  /** Each indexed corridor's version and route, as indexed (probes may need the routes themselves). */
  private readonly indexed = new Map<string, { readonly version: number; readonly route: readonly (readonly [number, number])[] }>();
  /** Zones the index refused ("corridor <id> version <n>"), each reported once. */
  private readonly refused = new Set<string>();

  async sync(db: Tx): Promise<void> {
    while (this.syncing) await this.syncing;
    const size = await logSize(db);
    if (size === this.synced) return;
    this.syncing = this.catchUp(db, size).finally(() => {
      this.syncing = undefined;
    });
    await this.syncing;
  }

  private async catchUp(db: Tx, size: number): Promise<void> {
    let corridorIds: string[];
    let siteIds: string[];
    if (this.synced < 0) {
      corridorIds = (await db.selectFrom('corridors').select('id').execute()).map((r) => r.id);
      siteIds = (await db.selectFrom('sites').select('id').execute()).map((r) => r.id);
    } else {
      const subjects = await db.selectFrom('log_entries').select('subject').distinct().where('idx', '>=', this.synced).where('idx', '<', size).execute();
      corridorIds = subjects.filter((s) => s.subject.startsWith('corridor/')).map((s) => s.subject.slice(9));
      siteIds = subjects.filter((s) => s.subject.startsWith('site/')).map((s) => s.subject.slice(5));
    }
    const corridors = (await loadCorridors(db, { ids: corridorIds, incidents: false })).map(toZoneCorridor);
    const sites: (ZoneSite | string)[] = [];
    for (const id of siteIds) {
      const s = await loadSiteUnchecked(db, id);
      if (!s || s.state !== 'active') {
        sites.push(id);
        continue;
      }
      const g = s.site.geometry;
      sites.push({
        id,
        version: s.version,
        visibleTo: [s.operatorPartyId, ...s.site.distribution],
        ...(g.type === 'Point' ? { center: g.coordinates, radiusM: g.radiusM } : { polygon: g.coordinates }),
      });
    }
    // All reads done: apply the changes in one synchronous step.
    for (const z of corridors) {
      if (this.indexed.get(z.id)?.version === z.version) this.engine.setCorridorActive(z.id, z.active);
      else if (this.admit(`corridor ${z.id} version ${z.version}`, () => this.engine.upsertCorridor(z))) {
        this.indexed.set(z.id, { version: z.version, route: z.route });
      } else {
        this.engine.removeCorridor(z.id);
        this.indexed.delete(z.id);
      }
    }
    for (const s of sites) {
      if (typeof s === 'string') this.engine.removeSite(s);
      else if (!this.admit(`site ${s.id} version ${s.version}`, () => this.engine.upsertSite(s))) this.engine.removeSite(s.id);
    }
    this.synced = size;
  }

  /**
   * Indexes one stored zone, or leaves it out when the index refuses it: a route or site stored
   * under older, looser rules (an edge across the antimeridian, a latitude past ±85°) must not
   * make every check fail for every caller. Left out, it protects nothing (fail closed), and the
   * mediator is told on stderr once per version.
   */
  private admit(what: string, upsert: () => void): boolean {
    try {
      upsert();
      this.refused.delete(what);
      return true;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      if (!this.refused.has(what)) process.stderr.write(`passage: ${what} is left out of the deconfliction index: ${e.message}\n`);
      this.refused.add(what);
      return false;
    }
  }

  /** Checks points against the index as it is now; call `sync` first. */
  checkNow(points: readonly CheckPoint[], opts: { viewer: Pick<Actor, 'partyId' | 'partyKind'>; distances?: boolean }): CheckResult[] {
    return this.engine.check(points, { ...(opts.viewer.partyKind === 'mediator' ? {} : { viewerPartyId: opts.viewer.partyId }), ...(opts.distances ? { distances: true } : {}) });
  }

  /** The routes of the corridors the index holds now (every state, as `checkNow` sees them); call `sync` first. */
  routesNow(): (readonly (readonly [number, number])[])[] {
    return [...this.indexed.values()].map((c) => c.route);
  }

  async check(db: Tx, points: readonly CheckPoint[], opts: { viewer: Pick<Actor, 'partyId' | 'partyKind'>; distances?: boolean }): Promise<CheckResult[]> {
    await this.sync(db);
    return this.checkNow(points, opts);
  }
}

const indexes = new WeakMap<Store, GeoIndex>();

/** The store's index, built on first use. */
export function geoIndexFor(deps: Deps): GeoIndex {
  let idx = indexes.get(deps.store);
  if (!idx) {
    idx = new GeoIndex();
    indexes.set(deps.store, idx);
  }
  return idx;
}

/**
 * Validates raw check points quickly (100,000 of them must not cost a schema walk each) and
 * names the first offending item's index.
 */
/**
 * A value as a message shows it. Not JSON.stringify alone: a number too large for a double
 * (`1e400` in the body) is Infinity, which it writes as `null` — "got null" for a number sent.
 */
function shown(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (not a finite number: too large for a 64-bit float, or not a number)`;
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

export function parseCheckPoints(raw: readonly unknown[]): CheckPoint[] {
  if (raw.length > MAX_CHECK_POINTS) throw new DomainError('validation_failed', `at most ${MAX_CHECK_POINTS} points per request, got ${raw.length}`, { details: [{ path: '/points', message: 'too many points' }] });
  const out: CheckPoint[] = new Array(raw.length);
  const bad = (i: number, message: string): never => {
    throw new DomainError('validation_failed', `point ${i}: ${message}`, { details: [{ path: `/points/${i}`, message }] as ErrorDetail[], extra: { index: i } });
  };
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i] as { lon?: unknown; lat?: unknown; at?: unknown } | null;
    if (p === null || typeof p !== 'object') bad(i, 'must be an object {lon, lat, at}');
    const { lon, lat, at } = p as { lon?: unknown; lat?: unknown; at?: unknown };
    if (typeof lon !== 'number' || !Number.isFinite(lon) || lon < -180 || lon > 180) bad(i, `lon must be a number in [-180, 180], got ${shown(lon)}`);
    if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) bad(i, `lat must be a number in [-90, 90], got ${shown(lat)}`);
    const t = typeof at === 'string' ? parseRfc3339(at) : undefined;
    if (t === undefined) bad(i, `at must be an RFC 3339 date-time with offset, got ${shown(at)}`);
    out[i] = { lon: lon as number, lat: lat as number, at: t as number };
  }
  return out;
}

const polygonCache = new Map<string, [number, number][][] | null>();

/**
 * The zone polygon of one corridor version (geodesic buffer, closed, right-hand rule, edges ≤ 1 km),
 * or undefined when the stored route is one the present rules refuse (stored by an older release:
 * an edge across the antimeridian, say). Such a zone is left out of maps and feeds, as it is out of
 * the deconfliction index: fail closed, and the corridor's other data still shows.
 */
export function zonePolygonOf(corridorId: string, version: number, terms: { readonly route: { readonly coordinates: readonly (readonly number[])[] }; readonly widthM: number }): [number, number][][] | undefined {
  const key = `${corridorId}@${version}`;
  let poly = polygonCache.get(key);
  if (poly === undefined) {
    try {
      poly = bufferRouteToPolygon(terms.route.coordinates.map(([a, b]) => [a, b] as [number, number]), terms.widthM);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      poly = null;
    }
    polygonCache.set(key, poly);
  }
  return poly ?? undefined;
}

/** The zone polygon of a loaded corridor's current version (see `zonePolygonOf`). */
export function zonePolygon(c: LoadedCorridor): [number, number][][] | undefined {
  return zonePolygonOf(c.row.id, c.row.current_version, c.terms);
}

/** Ceasefire zones holding at `at`, as GeoJSON: derived from the corridor record, never stored. */
export async function ceasefireZones(db: Tx, at: number): Promise<{ type: 'FeatureCollection'; features: unknown[] }> {
  const names = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const features: unknown[] = [];
  for (const c of await loadCorridors(db, { states: ['guaranteed', 'suspended'], incidents: false })) {
    const st = statusOf(c, at, names);
    const zone = st.open ? zonePolygon(c) : undefined;
    if (zone === undefined) continue;
    features.push({
      type: 'Feature',
      id: c.row.id,
      geometry: { type: 'Polygon', coordinates: zone },
      properties: {
        corridorId: c.row.id,
        version: c.row.current_version,
        title: c.terms.title,
        state: st.state,
        widthM: c.terms.widthM,
        window: st.currentWindow,
        origin: c.terms.origin.name,
        destination: c.terms.destination.name,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}


export interface Explanation {
  readonly at: string;
  readonly corridors: {
    id: string;
    title: string;
    version: number;
    distanceM: number;
    widthM: number;
    ceasefireHolds: boolean;
    state: string;
    reasons: { code: string; message: string; since?: string | undefined; reason?: string | undefined }[];
    window: { start: string; end: string; startLocal: string; endLocal: string; timeZone: string } | null;
  }[];
  readonly sites: { id: string; name: string; kind: string }[];
}

/**
 * Which corridors' zones cover a point geometrically, and for each whether its ceasefire held at
 * `at` and if not why (suspended since when, outside its window, not guaranteed); and the
 * protected sites the actor may see there. For people (CLI `passage check`, the map).
 */
export async function explainPoint(deps: Deps, actor: Actor, lon: number, lat: number, at: number): Promise<Explanation> {
  const db = deps.store.db;
  const names = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const corridors: Explanation['corridors'] = [];
  for (const c of await loadCorridors(db, { incidents: false })) {
    const id = c.row.id;
    const coords = c.terms.route.coordinates;
    // Cheap box test first: a degree of latitude is ≥ 110 km; longitude scaled at this latitude.
    const padLat = c.terms.widthM / 2 / 110_000 + 1e-6;
    const padLon = padLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
    const lons = coords.map((p) => p[0]);
    const lats = coords.map((p) => p[1]);
    if (lon < Math.min(...lons) - padLon || lon > Math.max(...lons) + padLon || lat < Math.min(...lats) - padLat || lat > Math.max(...lats) + padLat) continue;
    const d = distanceToRoute(coords, lon, lat);
    if (d > c.terms.widthM / 2) continue;
    const st = statusOf(c, at, names);
    const window = st.currentWindow ?? st.nextWindow;
    corridors.push({ id, title: c.terms.title, version: c.row.current_version, distanceM: Math.round(d), widthM: c.terms.widthM, ceasefireHolds: st.open, state: st.state, reasons: st.reasons, window });
  }
  const res = await geoIndexFor(deps).check(db, [{ lon, lat, at }], { viewer: actor });
  const siteIds = res[0]?.sites ?? [];
  const sites: Explanation['sites'] = [];
  for (const id of siteIds) {
    const s = await loadSiteUnchecked(db, id);
    if (s && canSeeSite(actor, { operatorPartyId: s.operatorPartyId, distribution: s.site.distribution })) sites.push({ id, name: s.site.name, kind: s.site.kind });
  }
  return { at: formatUtc(at), corridors, sites };
}

