import { describe, expect, it } from 'vitest';
import { FIRST_INSTANT, formatUtc, LAST_INSTANT, parseRfc3339 } from './windows.js';

describe('parseRfc3339 at the edges of the calendar', () => {
  it('keeps years 0000–0099 as written (Date.UTC would read them as 1900–1999)', () => {
    expect(formatUtc(parseRfc3339('0050-06-01T00:00:00Z') as number)).toBe('0050-06-01T00:00:00Z');
    expect(formatUtc(parseRfc3339('0099-12-31T23:00:00-01:00') as number)).toBe('0100-01-01T00:00:00Z');
    expect(formatUtc(parseRfc3339('0000-01-01T10:00:00+10:00') as number)).toBe('0000-01-01T00:00:00Z');
    expect(parseRfc3339('0004-02-29T12:00:00.5Z')).toBe(Date.parse('0004-02-29T12:00:00.500Z'));
  });

  it('refuses a time whose offset carries it out of the years 0000–9999 in UTC', () => {
    expect(parseRfc3339('0000-01-01T00:00:00+14:00')).toBeUndefined();
    expect(parseRfc3339('9999-12-31T23:59:59-14:00')).toBeUndefined();
    expect(parseRfc3339('9999-12-31T23:59:59.999Z')).toBe(LAST_INSTANT);
    expect(parseRfc3339('0000-01-01T00:00:00Z')).toBe(FIRST_INSTANT);
  });

  it('still refuses impossible dates and times', () => {
    for (const s of ['2030-02-30T00:00:00Z', '2022-13-01T00:00:00Z', '2022-01-01T24:00:00Z', '2016-12-31T23:59:60Z', '2022-01-01T00:00:00+24:00', '0100-02-29T00:00:00Z']) {
      expect(parseRfc3339(s), s).toBeUndefined();
    }
  });
});
