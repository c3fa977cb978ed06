import { describe, expect, it } from 'vitest';
import { attributesProblem, clip, KNOT_MPS, parseOsmandParams, parseOsmandTimestamp, parseTraccarJson } from './tracking-protocol.js';

const p = (q: string) => parseOsmandParams(new URLSearchParams(q));

describe('OsmAnd protocol, as Traccar reads it', () => {
  it('reads timestamps: seconds below 2^31, else milliseconds, ISO 8601 with T, and yyyy-MM-dd HH:mm:ss UTC', () => {
    expect(parseOsmandTimestamp('1646730000')).toBe(1646730000_000);
    expect(parseOsmandTimestamp('1646730000123')).toBe(1646730000123);
    expect(parseOsmandTimestamp('2022-03-08T09:00:00Z')).toBe(Date.parse('2022-03-08T09:00:00Z'));
    expect(parseOsmandTimestamp('2022-03-08T11:00:00+02:00')).toBe(Date.parse('2022-03-08T09:00:00Z'));
    expect(parseOsmandTimestamp('2022-03-08T09:00:00.250Z')).toBe(Date.parse('2022-03-08T09:00:00.250Z'));
    expect(parseOsmandTimestamp('2022-03-08 09:00:00')).toBe(Date.parse('2022-03-08T09:00:00Z'));
    expect(parseOsmandTimestamp('yesterday')).toBeUndefined();
    expect(parseOsmandTimestamp('2022-03-08T9:00Z')).toBe(Date.parse('2022-03-08T09:00:00Z'));
    expect(parseOsmandTimestamp('2022-03-08T11:00:00.1234567891+0200')).toBe(Date.parse('2022-03-08T09:00:00.123Z'));
    // No such day or hour (Date.parse would roll them into another), nor instants past what RFC 3339 writes.
    for (const bad of ['2026-02-30 10:00:00', '2026-02-30T10:00:00Z', '2022-03-08 24:00:00', '9999-12-31T23:59:59-14:00', '99999999999999999999', '8640000000000001', '-99999999999']) {
      expect(parseOsmandTimestamp(bad), bad).toBeUndefined();
    }
  });

  it('reads id or deviceid, lat/lon or location, speed in knots, bearing or heading, and keeps unknown parameters', () => {
    const r = p('id=bus-1&timestamp=1646730000&lat=50.9&lon=34.8&speed=10&bearing=90&altitude=120&accuracy=5&batt=80&charge=true&valid=1&driverUniqueId=42&foo=bar');
    expect(r).toMatchObject({ ok: true, report: { deviceId: 'bus-1', at: 1646730000_000, lat: 50.9, lon: 34.8, bearing: 90, altitude: 120, accuracy: 5, battery: 80, charging: true, valid: true, attributes: { driverUniqueId: 42, foo: 'bar' } } });
    expect(r.ok && r.report.speed).toBeCloseTo(10 * KNOT_MPS);
    expect(p('deviceid=bus-2&location=50.1,33.2&heading=45')).toMatchObject({ ok: true, report: { deviceId: 'bus-2', lat: 50.1, lon: 33.2, bearing: 45, at: undefined } });
  });

  it('reads a negative speed or bearing (an iPhone without a speed or course fix) as unknown', () => {
    const r = p('id=bus-1&timestamp=1646730000&lat=50.9&lon=34.8&speed=-1.94384&bearing=-1');
    expect(r).toMatchObject({ ok: true, report: { speed: undefined, bearing: undefined, lat: 50.9 } });
    expect(p('id=bus-1&lat=50.9&lon=34.8&speed=0&heading=0')).toMatchObject({ ok: true, report: { speed: 0, bearing: 0 } });
  });

  it('treats a report without coordinates as a heartbeat, and refuses what cannot be read', () => {
    expect(p('id=bus-1&batt=50')).toMatchObject({ ok: true, report: { deviceId: 'bus-1', lat: undefined, lon: undefined, battery: 50 } });
    expect(p('lat=1&lon=2').ok).toBe(false);
    expect(p('id=x&lat=91&lon=2').ok).toBe(false);
    expect(p('id=x&lat=1').ok).toBe(false);
    expect(p('id=x&timestamp=soon').ok).toBe(false);
    // Numbers as decimals only: Number() would read 0x10 as 16 and an empty value as 0.
    expect(p('id=x&lat=0x10&lon=2').ok).toBe(false);
    expect(p('id=x&lat=&lon=2').ok).toBe(false);
    expect(p('id=x&lat=Infinity&lon=2').ok).toBe(false);
    expect(p('id=x&lat=%2B1.5e1&lon=-.5')).toMatchObject({ ok: true, report: { lat: 15, lon: -0.5 } });
  });

  it('reads the Traccar Client 9 JSON body (speed already in m/s, battery level 0–1)', () => {
    const r = parseTraccarJson({
      device_id: 'bus-3',
      location: { timestamp: '2022-03-08T09:00:00.000Z', coords: { latitude: 50.36, longitude: 33.265, accuracy: 4, speed: 12.5, heading: 200, altitude: 150 }, is_moving: true, event: 'motionchange', battery: { level: 0.62, is_charging: false } },
    });
    expect(r).toMatchObject({ ok: true, report: { deviceId: 'bus-3', at: Date.parse('2022-03-08T09:00:00Z'), lat: 50.36, lon: 33.265, speed: 12.5, bearing: 200, altitude: 150, accuracy: 4, battery: 62, charging: false, attributes: { motion: true, event: 'motionchange' } } });
    expect(parseTraccarJson({ device_id: 'bus-3', location: { timestamp: '2022-03-08T09:00:00Z' } })).toMatchObject({ ok: true, report: { lat: undefined } });
    expect(parseTraccarJson({ location: {} }).ok).toBe(false);
    expect(parseTraccarJson([]).ok).toBe(false);
  });

  it('keeps the rest of a Traccar Client JSON location as attributes, as unknown query parameters are', () => {
    const r = parseTraccarJson({
      device_id: 'bus-3',
      location: { timestamp: '2022-03-08T09:00:00Z', coords: { latitude: 50.36, longitude: 33.265 }, uuid: 'f2c1-77', activity: { type: 'in_vehicle', confidence: 90 }, extras: { plate: 'AX 1234', note: 'x'.repeat(600) }, mock: false, list: [1, 2] },
    });
    expect(r.ok && r.report.attributes).toEqual({ uuid: 'f2c1-77', 'activity.type': 'in_vehicle', 'activity.confidence': 90, 'extras.plate': 'AX 1234', 'extras.note': 'x'.repeat(500), mock: false });
  });
});

describe('clipping long attribute values', () => {
  it('never cuts a surrogate pair in half', () => {
    expect(clip(`${'a'.repeat(499)}😀`, 500)).toBe('a'.repeat(499));
    expect(clip(`${'a'.repeat(498)}😀b`, 500)).toBe(`${'a'.repeat(498)}😀`);
    expect(clip('short', 500)).toBe('short');
    const r = parseOsmandParams(new URLSearchParams({ id: 'x', lat: '50', lon: '34', note: `${'a'.repeat(499)}😀` }));
    expect(r.ok && (r.report.attributes.note as string).isWellFormed()).toBe(true);
    const j = parseTraccarJson({ device_id: 'x', location: { timestamp: '2022-03-08T08:00:00Z', coords: { latitude: 50, longitude: 34 }, event: `${'b'.repeat(99)}😀` } });
    expect(j.ok && j.report.attributes.event).toBe('b'.repeat(99));
  });
});

describe('the Traccar Client JSON body, malformed', () => {
  it('refuses a location or coords that is not an object (an array was kept as attributes 0 and 1)', () => {
    expect(parseTraccarJson({ device_id: 'x', location: [1, 2] })).toEqual({ ok: false, message: 'location must be an object' });
    expect(parseTraccarJson({ device_id: 'x', location: { coords: [50, 34] } })).toEqual({ ok: false, message: 'location.coords must be an object' });
    expect(parseTraccarJson({ device_id: 'x', location: { coords: null } })).toEqual({ ok: false, message: 'location.coords must be an object' });
  });
});

describe('the attributes a fix may carry', () => {
  it('nest at most four levels and take at most 4 KiB as JSON', () => {
    expect(attributesProblem({ a: { b: { c: { d: 1 } } } })).toBeUndefined();
    expect(attributesProblem({ a: { b: { c: { d: { e: 1 } } } } })).toBe('may nest at most 4 levels deep');
    expect(attributesProblem({ list: [[[[[1]]]]] })).toBe('may nest at most 4 levels deep');
    expect(attributesProblem({ note: 'x'.repeat(4_100) })).toMatch(/^take 4\d{3} bytes as JSON; at most 4096$/);
  });
});
