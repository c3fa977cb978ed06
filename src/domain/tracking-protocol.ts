/**
 * The OsmAnd tracking protocol as Traccar's server reads it (OsmAndProtocolDecoder), and the JSON
 * body of Traccar Client 9. Pure parsing: parameters in, one report out.
 */

import { decimalOf } from './numbers.js';
import { FIRST_INSTANT, LAST_INSTANT, parseRfc3339 } from './windows.js';

/**
 * The first `n` UTF-16 units of `s`, never ending in half of a surrogate pair: a cut through
 * "😀" left a lone surrogate, which no UTF-8 can hold and the log's canonical JSON cannot write.
 */
export function clip(s: string, n: number): string {
  if (s.length <= n) return s;
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

export const KNOT_MPS = 1852 / 3600;

/** One report of a tracker: a fix when it has coordinates, else a heartbeat. */
export interface TrackerReport {
  readonly deviceId: string;
  /** Epoch ms; undefined when the tracker sent none (the server's time is used). */
  readonly at: number | undefined;
  readonly lat?: number | undefined;
  readonly lon?: number | undefined;
  /** m/s */
  readonly speed?: number | undefined;
  readonly bearing?: number | undefined;
  readonly altitude?: number | undefined;
  readonly accuracy?: number | undefined;
  /** Battery level, percent. */
  readonly battery?: number | undefined;
  readonly charging?: boolean | undefined;
  readonly valid?: boolean | undefined;
  /** Parameters Passage does not interpret, kept as sent. */
  readonly attributes: Record<string, string | number | boolean>;
}

export type ParseResult = { ok: true; report: TrackerReport } | { ok: false; message: string };

const TWO_31 = 2 ** 31 - 1;

function pad(n: string): string {
  return n.padStart(2, '0');
}

/**
 * An OsmAnd `timestamp`: a number (seconds if below 2^31, else milliseconds), an ISO 8601
 * date-time with `T` (UTC unless it has an offset), or `yyyy-MM-dd HH:mm:ss` in UTC.
 */
export function parseOsmandTimestamp(value: string): number | undefined {
  const v = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    if (!Number.isFinite(n)) return undefined;
    const t = n < TWO_31 ? Math.round(n * 1000) : Math.round(n);
    // Only instants RFC 3339 can write back (years 0000–9999); past those a Date cannot even hold some.
    return t >= FIRST_INSTANT && t <= LAST_INSTANT ? t : undefined;
  }
  // Both text forms are rewritten as RFC 3339 and read by its strict reader, which refuses a
  // 30 February or 24:00 (Date.parse would move them to another day).
  if (v.includes('T')) {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(v);
    if (!m) return undefined;
    const zone = m[8] === undefined || m[8].toUpperCase() === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8];
    const fraction = m[7] === undefined ? '' : `.${m[7].slice(0, 9)}`;
    return parseRfc3339(`${m[1]}-${m[2]}-${m[3]}T${pad(m[4] ?? '0')}:${m[5]}:${m[6] ?? '00'}${fraction}${zone}`);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})$/.exec(v);
  if (!m) return undefined;
  return parseRfc3339(`${m[1]}-${m[2]}-${m[3]}T${pad(m[4] ?? '0')}:${m[5]}:${m[6]}Z`);
}

/** A parameter as a decimal number (trackers may pad it), else undefined. */
function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : decimalOf(v.trim());
}

function bool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

function checkCoordinates(lat: number | undefined, lon: number | undefined): string | undefined {
  if ((lat === undefined) !== (lon === undefined)) return 'send both lat and lon, or neither (a heartbeat)';
  if (lat !== undefined && (lat < -90 || lat > 90)) return `lat ${lat} is out of range`;
  if (lon !== undefined && (lon < -180 || lon > 180)) return `lon ${lon} is out of range`;
  return undefined;
}

/** OsmAnd parameters (query string, else form body), as Traccar's OsmAnd decoder reads them. */
export function parseOsmandParams(params: ReadonlyMap<string, string> | Iterable<[string, string]>): ParseResult {
  let deviceId: string | undefined;
  let at: number | undefined;
  let lat: number | undefined;
  let lon: number | undefined;
  let speed: number | undefined;
  let bearing: number | undefined;
  let altitude: number | undefined;
  let accuracy: number | undefined;
  let battery: number | undefined;
  let charging: boolean | undefined;
  let valid: boolean | undefined;
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of params) {
    switch (key) {
      case 'id':
      case 'deviceid':
        deviceId = value.trim();
        break;
      case 'timestamp': {
        at = parseOsmandTimestamp(value);
        if (at === undefined) return { ok: false, message: `timestamp "${value}" is neither a number, ISO 8601, nor yyyy-MM-dd HH:mm:ss` };
        break;
      }
      case 'lat':
        lat = num(value);
        if (lat === undefined) return { ok: false, message: `lat "${value}" is not a number` };
        break;
      case 'lon':
        lon = num(value);
        if (lon === undefined) return { ok: false, message: `lon "${value}" is not a number` };
        break;
      case 'location': {
        const [a, b] = value.split(',');
        lat = num(a);
        lon = num(b);
        if (lat === undefined || lon === undefined) return { ok: false, message: `location "${value}" is not "lat,lon"` };
        break;
      }
      case 'speed': {
        // Negative: unknown (an iPhone without a speed fix reports -1, sent on as knots).
        const k = num(value);
        if (k !== undefined && k >= 0) speed = k * KNOT_MPS;
        break;
      }
      case 'bearing':
      case 'heading': {
        const b = num(value);
        bearing = b !== undefined && b >= 0 ? b : undefined;
        break;
      }
      case 'altitude':
        altitude = num(value);
        break;
      case 'accuracy':
        accuracy = num(value);
        break;
      case 'batt':
        battery = num(value);
        break;
      case 'charge':
        charging = bool(value);
        break;
      case 'valid':
        valid = bool(value);
        break;
      default: {
        if (key.length === 0 || key.length > 64 || Object.keys(attributes).length >= 50) break;
        const n = num(value);
        attributes[key] = n !== undefined ? n : clip(value, 500);
      }
    }
  }
  if (!deviceId) return { ok: false, message: 'no device: send id or deviceid' };
  if (deviceId.length > 100) return { ok: false, message: 'the device id is longer than 100 characters' };
  const bad = checkCoordinates(lat, lon);
  if (bad) return { ok: false, message: bad };
  return { ok: true, report: { deviceId, at, lat, lon, speed, bearing, altitude, accuracy, battery, charging, valid, attributes } };
}

const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The fields of Traccar Client 9's `location` read into the report itself (the rest become attributes). */
const TRACCAR_JSON_READ = new Set(['timestamp', 'coords', 'battery', 'is_moving', 'event', 'odometer']);

/** The JSON body Traccar Client 9 sends (`device_id`, `location` {timestamp, coords, battery, is_moving, event}). */
export function parseTraccarJson(body: unknown): ParseResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, message: 'the body must be a JSON object with device_id and location' };
  const root = body as Record<string, unknown>;
  const deviceId = typeof root.device_id === 'string' ? root.device_id.trim() : typeof root.device_id === 'number' ? String(root.device_id) : undefined;
  if (!deviceId) return { ok: false, message: 'no device: send device_id' };
  if (deviceId.length > 100) return { ok: false, message: 'the device id is longer than 100 characters' };
  const loc = (root.location ?? {}) as Record<string, unknown>;
  if (typeof loc !== 'object' || loc === null || Array.isArray(loc)) return { ok: false, message: 'location must be an object' };
  let at: number | undefined;
  if (loc.timestamp !== undefined) {
    at = typeof loc.timestamp === 'number' ? parseOsmandTimestamp(String(loc.timestamp)) : typeof loc.timestamp === 'string' ? parseOsmandTimestamp(loc.timestamp) : undefined;
    if (at === undefined) return { ok: false, message: 'location.timestamp is not an ISO 8601 date-time' };
  }
  const attributes: Record<string, string | number | boolean> = {};
  let lat: number | undefined;
  let lon: number | undefined;
  let speed: number | undefined;
  let bearing: number | undefined;
  let altitude: number | undefined;
  let accuracy: number | undefined;
  const coords = loc.coords as Record<string, unknown> | undefined;
  if (coords !== undefined && (coords === null || typeof coords !== 'object' || Array.isArray(coords))) return { ok: false, message: 'location.coords must be an object' };
  if (coords) {
    lat = n(coords.latitude);
    lon = n(coords.longitude);
    if (lat === undefined || lon === undefined) return { ok: false, message: 'location.coords needs numeric latitude and longitude' };
    accuracy = n(coords.accuracy);
    const s = n(coords.speed);
    speed = s !== undefined && s >= 0 ? s : undefined; // m/s already; -1 means unknown
    const h = n(coords.heading);
    bearing = h !== undefined && h >= 0 ? h : undefined;
    altitude = n(coords.altitude);
  }
  let battery: number | undefined;
  let charging: boolean | undefined;
  const batt = loc.battery as Record<string, unknown> | undefined;
  if (batt && typeof batt === 'object') {
    const level = n(batt.level);
    battery = level !== undefined && level >= 0 ? Math.round(level * 100) : undefined;
    if (typeof batt.is_charging === 'boolean') charging = batt.is_charging;
  }
  if (typeof loc.is_moving === 'boolean') attributes.motion = loc.is_moving;
  if (typeof loc.event === 'string') attributes.event = clip(loc.event, 100);
  if (typeof loc.odometer === 'number') attributes.odometer = loc.odometer;
  // Anything else the app sends (uuid, activity {type, confidence}, extras {…}) is kept as
  // attributes, as unknown query parameters are: scalars as they are, objects one level deep
  // (`activity.type`), within the same bounds (50 attributes, keys of 64, strings of 500).
  const keep = (key: string, value: unknown): void => {
    if (key.length > 64 || Object.keys(attributes).length >= 50) return;
    if (typeof value === 'string') attributes[key] = clip(value, 500);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') attributes[key] = value;
  };
  for (const [key, value] of Object.entries(loc)) {
    if (TRACCAR_JSON_READ.has(key)) continue;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const [sub, v] of Object.entries(value as Record<string, unknown>)) keep(`${key}.${sub}`, v);
    else keep(key, value);
  }
  const bad = checkCoordinates(lat, lon);
  if (bad) return { ok: false, message: bad };
  return { ok: true, report: { deviceId, at, lat, lon, speed, bearing, altitude, accuracy, battery, charging, valid: lat !== undefined ? true : undefined, attributes } };
}

/** Attributes nest at most this deep ({"a": {"b": 1}} is 2) and take at most this many bytes as JSON. */
const ATTRIBUTES_DEPTH = 4;
const ATTRIBUTES_BYTES = 4_096;

/**
 * Why a fix's attributes cannot be kept, or undefined. Checked before the batch joins a group
 * commit: a fix whose attributes could not be written (nested 5,000 deep, JSON.stringify ran out
 * of stack) failed the whole group with a 500, other trackers' fixes with it.
 */
export function attributesProblem(attributes: Record<string, unknown>): string | undefined {
  const stack: [unknown, number][] = [[attributes, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth > ATTRIBUTES_DEPTH) return `may nest at most ${ATTRIBUTES_DEPTH} levels deep`;
    for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
  }
  const bytes = new TextEncoder().encode(JSON.stringify(attributes)).length;
  return bytes > ATTRIBUTES_BYTES ? `take ${bytes} bytes as JSON; at most ${ATTRIBUTES_BYTES}` : undefined;
}
