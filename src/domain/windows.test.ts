import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DomainError } from './errors.js';
import { assertWindows, expandWindows, formatLocal, formatUtc, mergeIntervals, parseIsoMillisZ, parseRfc3339, subtractIntervals, timeZoneSpellingProblem } from './windows.js';

const iso = (ms: number): string => formatUtc(ms);

describe('windows', () => {
  it('keeps a daily 09:00–16:00 Kyiv window at 09:00 local across the March DST change (last Sunday, 27 March 2022)', () => {
    const ivs = expandWindows([{ start: '2022-03-25T09:00:00+02:00', end: '2022-03-25T16:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=5' }]);
    expect(ivs.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ['2022-03-25T07:00:00Z', '2022-03-25T14:00:00Z'],
      ['2022-03-26T07:00:00Z', '2022-03-26T14:00:00Z'],
      ['2022-03-27T06:00:00Z', '2022-03-27T13:00:00Z'],
      ['2022-03-28T06:00:00Z', '2022-03-28T13:00:00Z'],
      ['2022-03-29T06:00:00Z', '2022-03-29T13:00:00Z'],
    ]);
    expect(ivs.map((i) => formatLocal(i.start, 'Europe/Kyiv'))).toEqual([
      '2022-03-25T09:00:00+02:00',
      '2022-03-26T09:00:00+02:00',
      '2022-03-27T09:00:00+03:00',
      '2022-03-28T09:00:00+03:00',
      '2022-03-29T09:00:00+03:00',
    ]);
  });

  it('keeps local time across the October DST change (last Sunday, 30 October 2022)', () => {
    const ivs = expandWindows([{ start: '2022-10-29T09:00:00+03:00', end: '2022-10-29T16:00:00+03:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }]);
    expect(ivs.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ['2022-10-29T06:00:00Z', '2022-10-29T13:00:00Z'],
      ['2022-10-30T07:00:00Z', '2022-10-30T14:00:00Z'],
      ['2022-10-31T07:00:00Z', '2022-10-31T14:00:00Z'],
    ]);
  });

  it('a window over the night of the change lasts one hour less (March) in absolute time', () => {
    const [iv] = expandWindows([{ start: '2022-03-27T00:00:00+02:00', end: '2022-03-27T06:00:00+03:00', timeZone: 'Europe/Kyiv' }]);
    expect(iv && (iv.end - iv.start) / 3600_000).toBe(5);
  });

  it('honours UNTIL as an instant, and weekly BYDAY rules', () => {
    const ivs = expandWindows([{ start: '2022-03-07T10:00:00+02:00', end: '2022-03-07T12:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20220316T235959Z' }]);
    expect(ivs.map((i) => formatLocal(i.start, 'Europe/Kyiv').slice(0, 10))).toEqual(['2022-03-07', '2022-03-09', '2022-03-14', '2022-03-16']);
  });

  it.each([
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T10:00:00Z', timeZone: 'Europe/Kyiv' }, 'window_end_before_start'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T09:00:00Z', timeZone: 'Europe/Kyiv' }, 'window_end_before_start'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'Europe/Kiev_Nowhere' }, 'unknown_time_zone'],
    [{ start: '2022-03-08 10:00', end: '2022-03-08T11:00:00Z', timeZone: 'UTC' }, 'invalid_time'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=SOMETIMES;COUNT=2' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=HOURLY;COUNT=2' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'COUNT=2' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=99999' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'DTSTART=20220101;FREQ=DAILY;COUNT=2' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;;COUNT=2' }, 'invalid_rrule'],
    [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=x' }, 'invalid_rrule'],
  ])('refuses %j with %s', (w, code) => {
    expect(() => assertWindows([w])).toThrow(DomainError);
    try {
      assertWindows([w]);
    } catch (e) {
      expect((e as DomainError).code).toBe(code);
      expect((e as DomainError).details[0]?.path).toMatch(/^\/windows\/0\//);
    }
  });

  it('keeps a time zone only as the tz database spells it, and says how', () => {
    expect(timeZoneSpellingProblem('Europe/Kyiv')).toBeNull();
    expect(timeZoneSpellingProblem('Europe/Kiev')).toBeNull();
    expect(timeZoneSpellingProblem('America/Port-au-Prince')).toBeNull();
    expect(timeZoneSpellingProblem('Etc/GMT+5')).toBeNull();
    expect(timeZoneSpellingProblem('UTC')).toBeNull();
    expect(timeZoneSpellingProblem('utc')).toBe('time zone names are case-sensitive: write UTC, not utc');
    expect(timeZoneSpellingProblem('europe/kiev')).toBe('time zone names are case-sensitive: write Europe/Kiev, not europe/kiev');
    expect(timeZoneSpellingProblem('america/port-au-prince')).toMatch(/write America\/Port-au-Prince/);
    // Europe/Kyiv is an alias this runtime's ICU does not list: its parts must start with a capital.
    expect(timeZoneSpellingProblem('europe/kyiv')).toMatch(/each part starting with a capital .*: not europe\/kyiv/);
    expect(timeZoneSpellingProblem('Europe/kyiv')).toMatch(/not Europe\/kyiv/);
    const w = { start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'europe/kyiv' };
    expect(() => assertWindows([w])).toThrow(/case-sensitive/);
  });

  it('merges touching intervals and subtracts suspensions', () => {
    expect(mergeIntervals([{ start: 5, end: 8 }, { start: 0, end: 5 }, { start: 10, end: 12 }])).toEqual([[0, 8], [10, 12]]);
    expect(subtractIntervals([[0, 10], [20, 30]], [[5, 25]])).toEqual([[0, 5], [25, 30]]);
    expect(subtractIntervals([[0, 10]], [[3, Number.POSITIVE_INFINITY]])).toEqual([[0, 3]]);
  });
});

describe('parseRfc3339', () => {
  it.each([
    ['2022-03-08T09:00:00+02:00', Date.UTC(2022, 2, 8, 7)],
    ['2022-03-08T09:00:00Z', Date.UTC(2022, 2, 8, 9)],
    ['2022-03-08t09:00:00z', Date.UTC(2022, 2, 8, 9)],
    ['2022-03-08T09:00:00.5-01:30', Date.UTC(2022, 2, 8, 10, 30, 0, 500)],
    ['2022-03-08T09:00:00.123456789+00:00', Date.UTC(2022, 2, 8, 9, 0, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s', (s, ms) => {
    expect(parseRfc3339(s)).toBe(ms);
  });
  it.each(['2022-02-29T00:00:00Z', '2022-02-30T00:00:00Z', '2022-03-08T24:00:00Z', '2022-03-08T09:60:00Z', '2022-13-01T00:00:00Z', '2022-03-08T09:00:00', '2022-03-08 09:00:00Z', '2022-03-08T09:00:00+24:00', 'yesterday', ''])('refuses %s', (s) => {
    expect(parseRfc3339(s)).toBeUndefined();
  });
});

describe('parseRfc3339 on the form Date.toISOString writes (read digit by digit)', () => {
  it('gives back every instant from year 100 to 9999 exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(100, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(parseRfc3339(iso)).toBe(ms);
        // The stored form is read back to the same text: the ingest keeps it as sent.
        expect(new Date(parseIsoMillisZ(iso) as number).toISOString()).toBe(iso);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses impossible dates and times, and agrees with the general form on the rest', () => {
    expect(parseRfc3339('2023-02-29T00:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2024-02-29T00:00:00.000Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseRfc3339('1900-02-29T00:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2000-02-29T00:00:00.000Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseRfc3339('2022-04-31T00:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-03-08T24:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-03-08T08:60:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-03-08T08:00:60.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-03-08T08:00:0x.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-13-08T08:00:00.000Z')).toBeUndefined();
    expect(parseRfc3339('2022-03-08T08:00:00.123Z')).toBe(parseRfc3339('2022-03-08T10:00:00.123+02:00'));
    expect(parseRfc3339('2022-03-08t08:00:00.000z')).toBe(Date.UTC(2022, 2, 8, 8));
    // Not the stored form (lower case, no milliseconds, an offset): left to the general reading.
    for (const s of ['2022-03-08t08:00:00.000z', '2022-03-08T08:00:00Z', '2022-03-08T10:00:00.000+02:00', '0099-03-08T08:00:00.000Z']) expect(parseIsoMillisZ(s)).toBeUndefined();
  });
});

describe('recurring windows at the ends of the calendar', () => {
  const refusal = (w: { start: string; end: string; timeZone: string; rrule: string }): string | undefined => {
    try {
      assertWindows([w]);
      return undefined;
    } catch (e) {
      return (e as DomainError).details?.[0]?.message;
    }
  };
  it('refuses a recurrence starting before the year 100 (rrule.js reads years 0–99 as 1900–1999)', () => {
    expect(refusal({ start: '0050-06-10T09:00:00Z', end: '0050-06-10T10:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3' })).toBe('a recurring window must start in the year 100 or later');
    expect(refusal({ start: '0100-06-10T09:00:00Z', end: '0100-06-10T10:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3' })).toBeUndefined();
  });
  it('refuses a recurrence that runs past 9999-12-31, in local time or in UTC', () => {
    expect(refusal({ start: '9999-12-31T22:00:00Z', end: '9999-12-31T23:00:00Z', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' })).toBe('the recurrence runs past the year 9999');
    expect(refusal({ start: '9999-12-29T10:00:00Z', end: '9999-12-29T11:00:00Z', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=5' })).toBe('the recurrence runs past the year 9999');
    expect(refusal({ start: '9999-12-29T10:00:00Z', end: '9999-12-29T11:00:00Z', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=2' })).toBeUndefined();
    expect(refusal({ start: '9999-12-31T20:00:00Z', end: '9999-12-31T21:00:00Z', timeZone: 'America/New_York', rrule: 'FREQ=DAILY;COUNT=1' })).toBeUndefined();
  });
  it('refuses COUNT with UNTIL (RFC 5545 §3.3.10)', () => {
    expect(refusal({ start: '2022-03-08T09:00:00Z', end: '2022-03-08T10:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3;UNTIL=20220310T000000Z' })).toMatch(/COUNT or UNTIL, not both/);
  });
});
