import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime, Settings } from 'luxon';
import rrulePkg from 'rrule';
import { DomainError } from './errors.js';
import { activeIntervals, computeStatus } from './corridor-status.js';
import { assertWindows, expandStoredWindows, expandWindows, formatLocal, formatUtc, MAX_CORRIDOR_OCCURRENCES, MAX_SCAN_DAYS, parseRfc3339, type WindowSpec } from './windows.js';

const { RRule } = rrulePkg;

const at = (rrule: string, start = '2022-03-08T09:00:00+02:00', end = '2022-03-08T16:00:00+02:00', timeZone = 'Europe/Kyiv'): WindowSpec => ({ start, end, timeZone, rrule });

/** The DomainError `f` throws (failing the test when it throws none or another). */
function domainError(f: () => unknown): DomainError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected a DomainError');
}

/**
 * The expansion as it was before the bounds: rrule's whole walk, and luxon's
 * DateTime.fromObject for each occurrence — asked with "now" in January and in July and the
 * earlier answer taken, as RFC 5545 reads a wall time that occurs twice (luxon alone picks one
 * of the two by the season it is asked in), and a window in a skipped hour kept at its agreed
 * length (as expandWindows does since it stopped dropping one). What ordinary rules must still give.
 */
function expandedBefore(w: WindowSpec): [string, string][] {
  const start = parseRfc3339(w.start) as number;
  const end = parseRfc3339(w.end) as number;
  const floating = (ms: number): number => {
    const l = DateTime.fromMillis(ms, { zone: w.timeZone });
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond);
  };
  const fromFloating = (ms: number): number => {
    const d = new Date(ms);
    const ask = (now: number): number => {
      const saved = Settings.now;
      Settings.now = () => now;
      try {
        return DateTime.fromObject(
          { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), millisecond: d.getUTCMilliseconds() },
          { zone: w.timeZone },
        ).toMillis();
      } finally {
        Settings.now = saved;
      }
    };
    return Math.min(ask(Date.UTC(2022, 0, 15)), ask(Date.UTC(2022, 6, 15)));
  };
  const opts = RRule.parseString(w.rrule as string);
  if (opts.until && /UNTIL=\d{8}T\d{6}Z/.test(w.rrule as string)) opts.until = new Date(floating(opts.until.getTime()));
  const rule = new RRule({ ...opts, dtstart: new Date(floating(start)), tzid: null });
  // Each occurrence lasts exactly as long as the first window (RFC 5545 §3.8.5.3), also when the
  // clocks change within it: its end is not the agreed local end time.
  return rule
    .all()
    .map((occ) => fromFloating(occ.getTime()))
    .map((s) => [formatUtc(s), formatUtc(s + (end - start))]);
}

const expanded = (ws: WindowSpec[]): [string, string][] => expandWindows(ws).map((iv) => [formatUtc(iv.start), formatUtc(iv.end)]);

describe('the work a recurrence may cause is bounded', () => {
  // Each took rrule from a hundred milliseconds to seconds (walking to the year 9999) before.
  it.each([
    ['53rd ISO week: only some years have one', 'FREQ=DAILY;BYWEEKNO=53;COUNT=1000'],
    ['366th day of the year: leap years', 'FREQ=DAILY;BYYEARDAY=366;COUNT=1000'],
    ['29 February on a Monday: every 28 years or so', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=1000'],
    ['fifth Monday of February: every 28 years or so', 'FREQ=MONTHLY;BYMONTH=2;BYDAY=MO;BYSETPOS=5;COUNT=1000'],
    ['29 February, every day until the year 9999', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=99991231T000000Z'],
    ['31 February: never', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;COUNT=1'],
    ['30 February, yearly: never', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=1'],
    ['30 February, weekly every other week: never', 'FREQ=WEEKLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=30;COUNT=1'],
    ['30 February, one day in 366: never', 'FREQ=DAILY;INTERVAL=366;BYMONTH=2;BYMONTHDAY=30;COUNT=1'],
    ['last Monday of a 31 February: never', 'FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO;BYMONTHDAY=31;BYMONTH=2;COUNT=1'],
    ['week 1 in June: never', 'FREQ=DAILY;BYWEEKNO=1;BYMONTH=6;COUNT=1'],
    ['yearly for a thousand years', 'FREQ=YEARLY;COUNT=1000'],
    ['monthly until 2099', 'FREQ=MONTHLY;UNTIL=20991231T000000Z'],
  ])('refuses %s (%s) as invalid_rrule, in validation and in expansion', (_why, rrule) => {
    const e = domainError(() => assertWindows([at(rrule)]));
    expect(e.code).toBe('invalid_rrule');
    expect(e.details).toEqual([{ path: '/windows/0/rrule', message: expect.stringMatching(new RegExp(`more than ${MAX_SCAN_DAYS} days`)) }]);
    const x = domainError(() => expandWindows([at(rrule)]));
    expect(x.code).toBe('invalid_rrule');
    expect(x.details[0]?.path).toBe('/windows/0/rrule');
  });

  it("refuses the fuzzer's corridor (10 windows of BYWEEKNO=53;COUNT=1000), naming the first window once", () => {
    const windows = Array.from({ length: 10 }, () => at('FREQ=DAILY;BYWEEKNO=53;COUNT=1000'));
    const e = domainError(() => assertWindows(windows));
    expect(e.code).toBe('invalid_rrule');
    expect(e.details.map((d) => d.path)).toEqual(['/windows/0/rrule']);
    expect(domainError(() => expandWindows(windows)).code).toBe('invalid_rrule');
  });

  it.each([
    ['FREQ=SECONDLY;COUNT=1000', /FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY/],
    ['FREQ=MINUTELY;COUNT=1000', /FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY/],
    ['FREQ=DAILY;UNTIL=99991231T000000Z', /more than 1000 occurrences/],
    ['FREQ=WEEKLY;UNTIL=99991231T000000Z', /more than 1000 occurrences/],
  ])('refuses %s before it costs anything', (rrule, message) => {
    const e = domainError(() => assertWindows([at(rrule)]));
    expect(e.code).toBe('invalid_rrule');
    expect(e.message).toMatch(message);
  });

  it(`bounds the occurrences of a corridor's windows together to ${MAX_CORRIDOR_OCCURRENCES}`, () => {
    const daily = at('FREQ=DAILY;COUNT=1000');
    expect(expandWindows([daily, daily])).toHaveLength(2000);
    assertWindows([daily, daily]);
    const e = domainError(() => assertWindows([daily, daily, daily]));
    expect(e.code).toBe('invalid_rrule');
    expect(e.details).toEqual([{ path: '/windows/2/rrule', message: `a corridor's windows may occur at most ${MAX_CORRIDOR_OCCURRENCES} times in all` }]);
    expect(domainError(() => expandWindows([daily, daily, daily])).details[0]?.path).toBe('/windows/2/rrule');
    // A window without RRULE is one occurrence.
    const once = { start: '2023-01-01T09:00:00Z', end: '2023-01-01T10:00:00Z', timeZone: 'UTC' };
    expect(domainError(() => assertWindows([daily, daily, once])).details).toEqual([{ path: '/windows/2', message: expect.stringMatching(/at most 2000 times/) }]);
  });

  it(`bounds the calendar searched for a corridor's windows together to ${MAX_SCAN_DAYS} days`, () => {
    // About 700 days each: ten fit, eleven do not.
    const weekly = at('FREQ=WEEKLY;COUNT=100');
    assertWindows(Array.from({ length: 10 }, () => weekly));
    expect(expandWindows(Array.from({ length: 10 }, () => weekly))).toHaveLength(1000);
    const e = domainError(() => assertWindows(Array.from({ length: 11 }, () => weekly)));
    expect(e.details).toEqual([{ path: '/windows/10/rrule', message: expect.stringMatching(/takes the corridor past 7305 days/) }]);
    expect(domainError(() => expandWindows(Array.from({ length: 11 }, () => weekly))).details[0]?.path).toBe('/windows/10/rrule');
  });

  it('counts a rule with INTERVAL=n at one day in n: daily every week for 19 years is fine', () => {
    const ivs = expandWindows([at('FREQ=DAILY;INTERVAL=7;COUNT=1000')]);
    expect(ivs).toHaveLength(1000);
    // 999 weeks after 8 March 2022.
    expect(formatLocal(ivs[999]?.start as number, 'Europe/Kyiv')).toBe('2041-04-30T09:00:00+03:00');
  });

  it('stops searching once past UNTIL, so a rare rule that ends soon is not charged for the years after', () => {
    // 29 February 2024 only. rrule alone would walk on to 29 February 2028 (six years a window).
    const leap = at('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20240301T000000Z');
    const windows = Array.from({ length: 8 }, () => leap);
    assertWindows(windows);
    const ivs = expandWindows(windows);
    expect(ivs).toHaveLength(8);
    expect(new Set(ivs.map((iv) => formatLocal(iv.start, 'Europe/Kyiv')))).toEqual(new Set(['2024-02-29T09:00:00+02:00']));
    // Yearly, monthly and weekly rules alike, and a last occurrence at UNTIL itself.
    for (const rrule of [
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20240301T000000Z',
      'FREQ=MONTHLY;BYMONTHDAY=29;BYMONTH=2;UNTIL=20240301T000000Z',
      'FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=TH;UNTIL=20240301T000000Z',
      'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20240229T070000Z',
      'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20240229T070000Z',
    ]) {
      expect(expanded([at(rrule), at(rrule)])).toEqual([
        ['2024-02-29T07:00:00Z', '2024-02-29T14:00:00Z'],
        ['2024-02-29T07:00:00Z', '2024-02-29T14:00:00Z'],
      ]);
    }
  });

  it('loses no occurrence by stopping past UNTIL (property: rules with filters and UNTIL, as before)', () => {
    const day = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    const month = fc.integer({ min: 1, max: 12 });
    const rule = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 4 }), month).map(([i, m]) => `FREQ=DAILY;INTERVAL=${i};BYMONTH=${m}`),
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 31 })).map(([i, d]) => `FREQ=DAILY;INTERVAL=${i};BYMONTHDAY=${d}`),
      fc.constant('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29'),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(...day), month).map(([i, d, m]) => `FREQ=WEEKLY;INTERVAL=${i};BYDAY=${d};BYMONTH=${m}`),
      fc.integer({ min: -31, max: 31 }).filter((d) => d !== 0).map((d) => `FREQ=MONTHLY;BYMONTHDAY=${d}`),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('1', '3', '-1'), fc.constantFrom(...day)).map(([i, k, d]) => `FREQ=MONTHLY;INTERVAL=${i};BYDAY=${k}${d}`),
      fc.tuple(fc.integer({ min: 1, max: 3 }), month, fc.integer({ min: 1, max: 28 })).map(([i, m, d]) => `FREQ=YEARLY;INTERVAL=${i};BYMONTH=${m};BYMONTHDAY=${d}`),
      fc.integer({ min: 1, max: 366 }).map((n) => `FREQ=YEARLY;BYYEARDAY=${n}`),
      fc.tuple(fc.integer({ min: 1, max: 52 }), fc.constantFrom(...day)).map(([w, d]) => `FREQ=YEARLY;BYWEEKNO=${w};BYDAY=${d}`),
      fc.constant('FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO'),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Kyiv', 'America/New_York', 'Pacific/Chatham', 'UTC'),
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2035, 0, 1) / 60_000 }),
        rule,
        fc.integer({ min: 0, max: 6 * 366 * 24 * 60 }),
        (timeZone, startMin, r, untilMin) => {
          const s = startMin * 60_000;
          const until = DateTime.fromMillis(s + untilMin * 60_000, { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
          const w = { start: formatUtc(s), end: formatUtc(s + 3_600_000), timeZone, rrule: `${r};UNTIL=${until}` };
          let got: [string, string][] = [];
          try {
            got = expanded([w]);
          } catch (e) {
            // What rrule yields nothing for was refused before too (and expanded to nothing).
            expect((e as Error).message).toMatch(/yields no occurrence/);
          }
          expect(got).toEqual(expandedBefore(w));
        },
      ),
      // Always also: a one-hour window at 03:30 Kyiv across the night clocks skip it.
      { numRuns: 300, examples: [['Europe/Kyiv', Date.parse('2022-03-26T01:30:00Z') / 60_000, 'FREQ=DAILY;INTERVAL=1;BYMONTH=3', 3 * 24 * 60]] },
    );
  });

  it('counts the years a yearly rule from 29 February skips: five occurrences fit, six (24 years) do not', () => {
    const leapDay = (rrule: string) => at(rrule, '2024-02-29T09:00:00+02:00', '2024-02-29T16:00:00+02:00');
    expect(expandWindows([leapDay('FREQ=YEARLY;COUNT=5')]).map((iv) => formatUtc(iv.start).slice(0, 10))).toEqual(['2024-02-29', '2028-02-29', '2032-02-29', '2036-02-29', '2040-02-29']);
    expect(domainError(() => assertWindows([leapDay('FREQ=YEARLY;COUNT=6')])).message).toMatch(/more than 7305 days/);
  });

  it('says so when a rule ends before its first match', () => {
    const e = domainError(() => assertWindows([at('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20230101T000000Z')]));
    expect(e.message).toBe('RRULE yields no occurrence');
  });
});

describe('a window across the hour the clocks skip keeps its exact duration (RFC 5545 §3.8.5.3)', () => {
  it('03:30–05:00 and 03:30–04:15 in Kyiv on 28 March 2027 both start at 04:30 and last 90 and 45 minutes', () => {
    // 03:00 → 04:00 that night: 03:30 does not exist, and is read with the offset before the gap (+02:00).
    const long = at('FREQ=DAILY;COUNT=3', '2027-03-27T03:30:00+02:00', '2027-03-27T05:00:00+02:00');
    const short = at('FREQ=DAILY;COUNT=3', '2027-03-27T03:30:00+02:00', '2027-03-27T04:15:00+02:00');
    expect(expanded([long])).toEqual([
      ['2027-03-27T01:30:00Z', '2027-03-27T03:00:00Z'],
      ['2027-03-28T01:30:00Z', '2027-03-28T03:00:00Z'],
      ['2027-03-29T00:30:00Z', '2027-03-29T02:00:00Z'],
    ]);
    expect(expanded([short])).toEqual([
      ['2027-03-27T01:30:00Z', '2027-03-27T02:15:00Z'],
      ['2027-03-28T01:30:00Z', '2027-03-28T02:15:00Z'],
      ['2027-03-29T00:30:00Z', '2027-03-29T01:15:00Z'],
    ]);
  });

  it('an overnight window across the change lasts as long as the first', () => {
    const w = at('FREQ=DAILY;COUNT=2', '2027-03-27T22:00:00+02:00', '2027-03-28T06:00:00+02:00');
    expect(expanded([w]).map(([s, e]) => (Date.parse(e) - Date.parse(s)) / 3_600_000)).toEqual([8, 8]);
  });
});

describe('ordinary rules expand as before', () => {
  afterEach(() => {
    Settings.now = () => Date.now();
  });

  it('FREQ=DAILY;COUNT=30: 09:00–16:00 Kyiv, across the change to summer time', () => {
    const ivs = expandWindows([at('FREQ=DAILY;COUNT=30', '2022-03-20T09:00:00+02:00', '2022-03-20T16:00:00+02:00')]);
    expect(ivs).toHaveLength(30);
    ivs.forEach((iv, i) => {
      const day = new Date(Date.UTC(2022, 2, 20 + i)).toISOString().slice(0, 10);
      const summer = day >= '2022-03-27';
      expect([formatUtc(iv.start), formatUtc(iv.end)]).toEqual([`${day}T${summer ? '06' : '07'}:00:00Z`, `${day}T${summer ? '13' : '14'}:00:00Z`]);
      expect(iv.windowIndex).toBe(0);
    });
  });

  it('FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=…: New York, across the change back to standard time', () => {
    const w = at('FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20221116T235959Z', '2022-10-24T08:00:00-04:00', '2022-10-24T10:30:00-04:00', 'America/New_York');
    expect(expanded([w])).toEqual([
      ['2022-10-24T12:00:00Z', '2022-10-24T14:30:00Z'],
      ['2022-10-26T12:00:00Z', '2022-10-26T14:30:00Z'],
      ['2022-10-31T12:00:00Z', '2022-10-31T14:30:00Z'],
      ['2022-11-02T12:00:00Z', '2022-11-02T14:30:00Z'],
      ['2022-11-07T13:00:00Z', '2022-11-07T15:30:00Z'],
      ['2022-11-09T13:00:00Z', '2022-11-09T15:30:00Z'],
      ['2022-11-14T13:00:00Z', '2022-11-14T15:30:00Z'],
      ['2022-11-16T13:00:00Z', '2022-11-16T15:30:00Z'],
    ]);
    expect(expanded([w])).toEqual(expandedBefore(w));
  });

  it.each([
    // Wall-clock times that do not exist on the day clocks go forward, or exist twice when they go back.
    ['America/New_York', '2022-03-11T02:30:00-05:00', 'FREQ=DAILY;COUNT=5'],
    ['America/New_York', '2022-11-04T01:30:00-04:00', 'FREQ=DAILY;COUNT=5'],
    ['Europe/Kyiv', '2022-03-25T03:30:00+02:00', 'FREQ=DAILY;COUNT=5'],
    ['Europe/Kyiv', '2022-10-28T03:30:00+03:00', 'FREQ=DAILY;COUNT=5'],
    ['Australia/Lord_Howe', '2022-09-30T02:15:00+10:30', 'FREQ=DAILY;COUNT=5'],
    ['Australia/Lord_Howe', '2022-04-01T01:45:00+11:00', 'FREQ=DAILY;COUNT=5'],
    ['America/Santiago', '2022-09-09T00:30:00-04:00', 'FREQ=DAILY;COUNT=5'],
  ])('%s from %s (%s): the first of a repeated hour, the offset before a skipped one, whatever the season now', (timeZone, start, rrule) => {
    const s = parseRfc3339(start) as number;
    const w = { start, end: formatUtc(s + 90 * 60_000), timeZone, rrule };
    for (const now of [Date.UTC(2022, 0, 15), Date.UTC(2022, 6, 15)]) {
      Settings.now = () => now;
      expect(expanded([w])).toEqual(expandedBefore(w));
    }
  });

  it('remembers a recurring expansion (and a refusal), handing out copies the caller may change', () => {
    const w = at('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=40', '2022-03-07T09:00:00+02:00', '2022-03-07T12:00:00+02:00');
    const first = expandWindows([w]);
    first.pop();
    const again = expandWindows([{ ...w }]);
    expect(again).toHaveLength(40);
    expect(again).not.toBe(first);
    expect(again).toEqual(expandedBefore(w).map(([s, e]) => expect.objectContaining({ start: Date.parse(s), end: Date.parse(e) })));
    const rare = at('FREQ=DAILY;BYWEEKNO=53;COUNT=1000');
    const refusal = domainError(() => expandWindows([rare]));
    expect(domainError(() => expandWindows([rare]))).toBe(refusal);
  });

  it('reads 01:30 on the night New York falls back as the first 01:30 (EDT), in January as in July', () => {
    const w = at('FREQ=DAILY;COUNT=2', '2022-11-05T01:30:00-04:00', '2022-11-05T02:15:00-04:00', 'America/New_York');
    for (const now of [Date.UTC(2022, 0, 15), Date.UTC(2022, 6, 15)]) {
      Settings.now = () => now;
      // 01:30 EDT is 05:30Z; the window lasts its exact 45 minutes that night too (RFC 5545 §3.8.5.3).
      expect(expanded([w])).toEqual([
        ['2022-11-05T05:30:00Z', '2022-11-05T06:15:00Z'],
        ['2022-11-06T05:30:00Z', '2022-11-06T06:15:00Z'],
      ]);
    }
  });

  it('gives what rrule and luxon gave for any ordinary rule (property)', () => {
    const zones = ['Europe/Kyiv', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham', 'Europe/London', 'UTC'];
    const day = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    const rule = fc.oneof(
      fc.integer({ min: 1, max: 60 }).map((n) => `FREQ=DAILY;COUNT=${n}`),
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 400 })).map(([i, d]) => ({ interval: i, days: d })),
      fc.tuple(fc.subarray(day, { minLength: 1 }), fc.integer({ min: 1, max: 40 })).map(([ds, n]) => `FREQ=WEEKLY;BYDAY=${ds.join(',')};COUNT=${n}`),
      fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 24 })).map(([d, n]) => `FREQ=MONTHLY;BYMONTHDAY=${d};COUNT=${n}`),
      fc.tuple(fc.constantFrom('1', '2', '-1'), fc.constantFrom(...day), fc.integer({ min: 1, max: 24 })).map(([k, d, n]) => `FREQ=MONTHLY;BYDAY=${k}${d};COUNT=${n}`),
      // At most 4: from 29 February, yearly is every fourth year (see the bounds above).
      fc.integer({ min: 1, max: 4 }).map((n) => `FREQ=YEARLY;COUNT=${n}`),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2035, 0, 1) / 60_000 }),
        fc.integer({ min: 15, max: 36 * 60 }),
        rule,
        (timeZone, startMin, minutes, r) => {
          const s = startMin * 60_000;
          const rrule = typeof r === 'string' ? r : `FREQ=DAILY;INTERVAL=${r.interval};UNTIL=${DateTime.fromMillis(s + r.days * 86_400_000, { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss'Z'")}`;
          const w = { start: formatUtc(s), end: formatUtc(s + minutes * 60_000), timeZone, rrule };
          assertWindows([w]);
          expect(expanded([w])).toEqual(expandedBefore(w));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('windows stored under older rules', () => {
  const stale: WindowSpec[] = [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;BYWEEKNO=53;COUNT=1000' }];

  it('expand to nothing, with the reason, where a new proposal is refused', () => {
    expect(() => assertWindows(stale)).toThrow(DomainError);
    const got = expandStoredWindows(stale);
    expect(got.intervals).toEqual([]);
    expect(got.problem).toMatch(/RRULE needs more than 7305 days/);
  });

  it('leave the corridor never open, and its zone never holding', () => {
    const input = { corridorId: 'cor_x', version: 1, state: 'guaranteed' as const, windows: stale, requiredGuarantors: [{ id: 'ua', name: 'Ukraine' }], signedParties: ['ua'], suspensions: [] };
    const st = computeStatus({ ...input, at: Date.parse('2022-03-08T10:00:00Z') });
    expect(st).toMatchObject({ open: false, state: 'guaranteed', currentWindow: null, nextWindow: null });
    expect(st.reasons.map((r) => r.code)).toEqual(['unreadable_windows']);
    expect(activeIntervals(input)).toEqual([]);
  });

  it('that still expand are read as before', () => {
    const ok: WindowSpec[] = [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv' }];
    expect(expandStoredWindows(ok)).toEqual({ intervals: expandWindows(ok) });
  });
});

describe('a daily window inside the hour clocks skip', () => {
  it('keeps its length on the spring-forward night instead of vanishing and using up COUNT', () => {
    const w: WindowSpec[] = [{ start: '2022-03-26T03:30:00+02:00', end: '2022-03-26T04:30:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }];
    expect(expandWindows(w).map((iv) => [formatUtc(iv.start), formatUtc(iv.end)])).toEqual([
      ['2022-03-26T01:30:00Z', '2022-03-26T02:30:00Z'],
      // 03:30 does not exist on 27 March: read with the offset before the gap (04:30 summer time), one hour long.
      ['2022-03-27T01:30:00Z', '2022-03-27T02:30:00Z'],
      ['2022-03-28T00:30:00Z', '2022-03-28T01:30:00Z'],
    ]);
  });

  it('names each occurrence by its agreed local start, the skipped 03:30 included, whatever else the rule yields', () => {
    const w: WindowSpec[] = [{ start: '2022-03-26T03:30:00+02:00', end: '2022-03-26T04:30:00+02:00', timeZone: 'Europe/Kyiv', rrule: 'FREQ=DAILY;COUNT=3' }];
    expect(expandWindows(w).map((iv) => iv.localStart)).toEqual(['2022-03-26T03:30:00', '2022-03-27T03:30:00', '2022-03-28T03:30:00']);
    // A window without a rule: its own start, in its own zone.
    expect(expandWindows([{ start: '2022-03-08T07:00:00Z', end: '2022-03-08T19:00:00Z', timeZone: 'Europe/Kyiv' }])[0]?.localStart).toBe('2022-03-08T09:00:00');
  });
});
