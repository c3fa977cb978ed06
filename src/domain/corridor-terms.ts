import canonicalize from 'canonicalize';
import { TERMS_TYPE, type Terms, type TermsInput } from '../schemas/corridor.js';
import { DomainError, type ErrorCode, type ErrorDetail } from './errors.js';
import { inverseGeodesic } from './geo/geodesic.js';
import { edgeTooLong, MAX_EDGE_LON_SPAN, MAX_INDEX_LAT, reachesAntimeridian } from './geo/zone-types.js';
import { MAX_JWS_CHARS, MAX_SIGNED_BYTES } from './signing-limits.js';
import { assertWindows, formatUtc, parseRfc3339 } from './windows.js';

export const MAX_WIDTH_M = 50_000;
/**
 * The narrowest zone: 100 m, 50 m either side of the route. Whether a vehicle is in the zone is
 * judged from GPS fixes, which err by 5–30 m on a phone (more under jamming), so a narrower zone
 * would put a convoy on the road "outside" it; and the zone's polygon (bufferRouteToPolygon),
 * whose work grows as length ÷ width, stays a matter of seconds even on the longest route allowed.
 * 0.0001 m made a polygon with no coordinates, 1 m a speck covering none of the route.
 */
export const MIN_WIDTH_M = 100;
/** The longest route a corridor may follow (Mariupol → Zaporizhzhia is ~230 km by road). */
export const MAX_ROUTE_LENGTH_M = 2_000_000;

type Problem = { code: ErrorCode; detail: ErrorDetail };

function checkPosition(p: readonly number[], path: string): Problem[] {
  const [lon, lat] = p;
  if (p.length !== 2 || typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    return [{ code: 'coordinate_out_of_range', detail: { path, message: 'a position is [longitude, latitude] as two finite numbers' } }];
  }
  if (lon < -180 || lon > 180) return [{ code: 'coordinate_out_of_range', detail: { path, message: `longitude ${lon} is outside [-180, 180]` } }];
  if (lat < -90 || lat > 90) return [{ code: 'coordinate_out_of_range', detail: { path, message: `latitude ${lat} is outside [-90, 90]` } }];
  return [];
}

/** Route rules: at least two positions, each in range, not all the same point. */
export function checkRoute(coordinates: readonly (readonly number[])[], path = '/route/coordinates'): Problem[] {
  if (coordinates.length < 2) {
    return [{ code: 'route_too_short', detail: { path, message: `a route needs at least 2 positions, got ${coordinates.length}` } }];
  }
  const problems = coordinates.flatMap((p, i) => checkPosition(p, `${path}/${i}`));
  if (problems.length > 0) return problems;
  const [first] = coordinates;
  const distinct = coordinates.some((p) => p[0] !== first?.[0] || p[1] !== first?.[1]);
  if (!distinct) return [{ code: 'route_degenerate', detail: { path, message: 'every position of the route is the same point' } }];
  const polar = coordinates.findIndex((p) => Math.abs(p[1] as number) > MAX_INDEX_LAT);
  if (polar >= 0) {
    return [{ code: 'coordinate_out_of_range', detail: { path: `${path}/${polar}`, message: `latitude ${coordinates[polar]?.[1]} is beyond ±${MAX_INDEX_LAT}°, where the deconfliction index ends` } }];
  }
  const long = coordinates.findIndex((p, i) => i > 0 && edgeTooLong(coordinates[i - 1] as readonly number[], p));
  if (long > 0) {
    return [{ code: 'route_edge_too_long', detail: { path: `${path}/${long}`, message: `the edge to position ${long} spans more than ${MAX_EDGE_LON_SPAN}° of longitude or crosses the antimeridian: add positions along it` } }];
  }
  // Bounded so that indexing one corridor stays a matter of milliseconds (a route of long edges
  // round the globe took the index half a minute, and every restart with it).
  let length = 0;
  for (let i = 1; i < coordinates.length; i++) {
    const a = coordinates[i - 1] as readonly number[];
    const b = coordinates[i] as readonly number[];
    length += inverseGeodesic(a[1] as number, a[0] as number, b[1] as number, b[0] as number).s12;
  }
  if (length > MAX_ROUTE_LENGTH_M) {
    return [{ code: 'route_too_long', detail: { path, message: `the route is ${Math.round(length / 1000)} km long; a corridor's route may be at most ${MAX_ROUTE_LENGTH_M / 1000} km` } }];
  }
  return [];
}

export function checkWidth(widthM: number, route?: readonly (readonly number[])[]): Problem[] {
  if (typeof widthM !== 'number' || !Number.isFinite(widthM) || widthM < MIN_WIDTH_M || widthM > MAX_WIDTH_M) {
    return [{ code: 'width_out_of_range', detail: { path: '/widthM', message: `width must be at least ${MIN_WIDTH_M} and at most ${MAX_WIDTH_M.toLocaleString('en-US')} metres (GPS fixes err by tens of metres), got ${widthM}` } }];
  }
  // The zone's edge lies within half the width of the route's positions (edges run between them).
  const across = (route ?? []).findIndex((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number' && reachesAntimeridian(p, widthM / 2));
  if (across >= 0) {
    return [{ code: 'coordinate_out_of_range', detail: { path: `/route/coordinates/${across}`, message: `the ceasefire zone (${widthM} m wide) around position ${across} would reach across the antimeridian, where zones cannot follow it: keep the route farther from ±180°` } }];
  }
  return [];
}

export interface TermsContext {
  /** Whether a party with this id exists. */
  readonly partyExists: (id: string) => boolean;
  /** Whether an agreement with this id exists. */
  readonly agreementExists: (id: string) => boolean;
}

/** Every rule on proposed terms. Throws a DomainError naming the first broken rule and listing all. */
export function assertTermsInput(input: TermsInput, ctx: TermsContext): void {
  const problems: Problem[] = [
    ...checkRoute(input.route.coordinates),
    ...checkWidth(input.widthM, input.route.coordinates),
    ...checkPosition(input.origin.coordinates, '/origin/coordinates'),
    ...checkPosition(input.destination.coordinates, '/destination/coordinates'),
    ...input.checkpoints.flatMap((c, i) => checkPosition(c.coordinates, `/checkpoints/${i}/coordinates`)),
    ...input.hazards.flatMap((h, i) => (h.coordinates ? checkPosition(h.coordinates, `/hazards/${i}/coordinates`) : [])),
  ];
  const seen = new Set<string>();
  input.requiredGuarantors.forEach((id, i) => {
    if (!ctx.partyExists(id)) problems.push({ code: 'unknown_guarantor', detail: { path: `/requiredGuarantors/${i}`, message: `no party with id ${id}` } });
    if (seen.has(id)) problems.push({ code: 'validation_failed', detail: { path: `/requiredGuarantors/${i}`, message: `party ${id} is listed twice` } });
    seen.add(id);
  });
  input.contacts.forEach((c, i) => {
    if (!ctx.partyExists(c.partyId)) problems.push({ code: 'unknown_party', detail: { path: `/contacts/${i}/partyId`, message: `no party with id ${c.partyId}` } });
  });
  if (input.agreementId !== null && !ctx.agreementExists(input.agreementId)) {
    problems.push({ code: 'unknown_agreement', detail: { path: '/agreementId', message: `no agreement with id ${input.agreementId}` } });
  }
  const cpIds = new Set<string>();
  input.checkpoints.forEach((c, i) => {
    if (c.id === undefined) return;
    if (cpIds.has(c.id)) problems.push({ code: 'validation_failed', detail: { path: `/checkpoints/${i}/id`, message: `checkpoint id ${c.id} is used twice` } });
    cpIds.add(c.id);
  });
  const first = problems[0];
  if (first) throw new DomainError(first.code, first.detail.message, { details: problems.map((p) => p.detail) });
  assertWindows(input.windows);
}

/** Normalises input into the signed terms of one version: UTC times, checkpoint ids, a type tag. */
export function buildTerms(corridorId: string, version: number, input: TermsInput): Terms {
  const used = new Set(input.checkpoints.map((c) => c.id).filter((x): x is string => x !== undefined));
  let n = 0;
  const nextId = (): string => {
    let id: string;
    do id = `cp-${++n}`;
    while (used.has(id));
    used.add(id);
    return id;
  };
  return {
    type: TERMS_TYPE,
    corridorId,
    version,
    ...input,
    checkpoints: input.checkpoints.map((c) => ({ ...c, id: c.id ?? nextId() })),
    windows: input.windows.map((w) => ({
      start: formatUtc(parseRfc3339(w.start) ?? Number.NaN),
      end: formatUtc(parseRfc3339(w.end) ?? Number.NaN),
      timeZone: w.timeZone,
      ...(w.rrule !== undefined ? { rrule: w.rrule.trim().replace(/^RRULE:/i, '').toUpperCase() } : {}),
    })),
  };
}

/**
 * Whether `next` says anything `current` does not: compared as signed (the canonical terms,
 * version aside). Purposes, eligibility and guarantors are sets: listed in another order, they
 * say the same. The app asks it before sending an amendment, the server before making one.
 */
export function termsChanged(current: Terms, next: Terms): boolean {
  const comparable = (t: Terms): string => canonicalJson({ ...t, version: 0, purposes: [...t.purposes].sort(), eligibility: [...t.eligibility].sort(), requiredGuarantors: [...t.requiredGuarantors].sort() });
  return comparable(current) !== comparable(next);
}

/**
 * Refuses an amendment that would leave the terms as they are. A new version voids every
 * guarantee and closes the corridor until each guarantor signs again, so one that changes
 * nothing only closes an open corridor (a mis-click on the amend form did exactly that).
 * Compared as signed: the canonical terms, version aside.
 */
export function assertTermsChanged(current: Terms, next: Terms): void {
  if (termsChanged(current, next)) return;
  throw new DomainError('validation_failed', `the amendment changes nothing: these are version ${current.version}'s terms, and a new version would only void every guarantee`, {
    details: [{ path: '/terms', message: `the same as version ${current.version}` }],
  });
}

/**
 * Refuses a document to be signed that no signature could carry: a route of 10,000 positions
 * made terms of 164,551 bytes, accepted, whose every guarantee was then refused as too long.
 */
export function assertSignable(text: string, what: string): void {
  const bytes = encoder.encode(text).length;
  if (bytes <= MAX_SIGNED_BYTES) return;
  throw new DomainError('validation_failed', `${what} take ${bytes.toLocaleString('en-US')} bytes as signed; at most ${MAX_SIGNED_BYTES.toLocaleString('en-US')}, so that a signature over them fits in a JWS of ${MAX_JWS_CHARS.toLocaleString('en-US')} characters`, {
    details: [{ path: '/', message: `${bytes} bytes signed; at most ${MAX_SIGNED_BYTES}` }],
  });
}

/** The RFC 8785 (JCS) text of any JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new DomainError('validation_failed', 'value cannot be canonicalised');
  return text;
}

const encoder = new TextEncoder();

/** The exact bytes a guarantor signs: RFC 8785 canonical JSON of the terms, UTF-8. */
export function canonicalTermsBytes(terms: Terms): Uint8Array {
  return encoder.encode(canonicalJson(terms));
}
