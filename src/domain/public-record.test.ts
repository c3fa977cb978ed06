import { describe, expect, it } from 'vitest';
import type { GuaranteeRecord } from './guarantee-rules.js';
import { calendarOccurrences, guaranteedSpans, icsSequence, publicStanding, type GuaranteedSpan } from './public-record.js';
import { expandWindows, windowsAround } from './windows.js';

const T = (iso: string): number => Date.parse(iso);
const g = (partyId: string, version: number, createdAt: string, keyCompromise: GuaranteeRecord['keyCompromise'] = null): GuaranteeRecord => ({ partyId, version, createdAt, keyCompromise });
const v = (version: number, createdAt: string, requiredGuarantors = ['ua', 'ru']) => ({ version, createdAt: T(createdAt), requiredGuarantors });

describe('guaranteedSpans: when every required party’s guarantee held', () => {
  it('from the last signature until an amendment, which only the new version’s signatures end', () => {
    const spans = guaranteedSpans([v(1, '2022-03-01T08:00:00Z'), v(2, '2022-03-05T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z'), g('ru', 1, '2022-03-02T09:00:00Z'), g('ru', 2, '2022-03-05T09:00:00Z')]);
    // Version 2 is signed by one party only: never guaranteed.
    expect(spans).toEqual([{ version: 1, from: T('2022-03-02T09:00:00Z'), until: T('2022-03-05T08:00:00Z'), endedBy: { cause: 'amended' } }]);
    const signed = guaranteedSpans([v(1, '2022-03-01T08:00:00Z'), v(2, '2022-03-05T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z'), g('ru', 1, '2022-03-02T09:00:00Z'), g('ru', 2, '2022-03-05T09:00:00Z'), g('ua', 2, '2022-03-06T09:00:00Z')]);
    expect(signed.map((s) => [s.version, s.until])).toEqual([[1, T('2022-03-05T08:00:00Z')], [2, null]]);
  });

  it('until a key’s compromise is declared (not from its `since`: history before the declaration stands), and again once the party signs anew', () => {
    const compromise = { since: '2022-03-01T00:00:00Z', declaredAt: '2022-03-03T12:00:00Z' };
    const spans = guaranteedSpans([v(1, '2022-03-01T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z', compromise), g('ru', 1, '2022-03-01T10:00:00Z'), g('ua', 1, '2022-03-04T09:00:00Z')]);
    expect(spans).toEqual([
      { version: 1, from: T('2022-03-01T10:00:00Z'), until: T('2022-03-03T12:00:00Z'), endedBy: { cause: 'key_compromised', partyId: 'ua' } },
      { version: 1, from: T('2022-03-04T09:00:00Z'), until: null, endedBy: null },
    ]);
    // A key compromised only from after the guarantee leaves it binding.
    expect(guaranteedSpans([v(1, '2022-03-01T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z', { since: '2022-03-02T00:00:00Z', declaredAt: '2022-03-03T00:00:00Z' }), g('ru', 1, '2022-03-01T10:00:00Z')])[0]?.until).toBeNull();
  });

  it('until a withdrawal; a withdrawal of terms never guaranteed leaves nothing', () => {
    expect(guaranteedSpans([v(1, '2022-03-01T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z'), g('ru', 1, '2022-03-01T10:00:00Z')], T('2022-03-02T00:00:00Z'))).toEqual([
      { version: 1, from: T('2022-03-01T10:00:00Z'), until: T('2022-03-02T00:00:00Z'), endedBy: { cause: 'withdrawn' } },
    ]);
    expect(guaranteedSpans([v(1, '2022-03-01T08:00:00Z')], [g('ua', 1, '2022-03-01T09:00:00Z')], T('2022-03-02T00:00:00Z'))).toEqual([]);
  });
});

describe('publicStanding: which terms the public reads, and whether they hold', () => {
  const spans = [{ version: 1, from: T('2022-03-01T10:00:00Z'), until: T('2022-03-08T10:00:00Z'), endedBy: { cause: 'key_compromised' as const, partyId: 'ua' } }];
  it('ended early when the guarantee ended before the last window did; as it closed when after', () => {
    expect(publicStanding(spans, T('2022-03-08T11:00:00Z'), () => T('2022-03-08T19:00:00Z'))).toEqual({ kind: 'ended_early', version: 1, since: T('2022-03-08T10:00:00Z'), endedBy: { cause: 'key_compromised', partyId: 'ua' } });
    expect(publicStanding(spans, T('2022-03-08T11:00:00Z'), () => T('2022-03-05T19:00:00Z'))).toEqual({ kind: 'ran_its_course', version: 1 });
    expect(publicStanding(spans, T('2022-03-08T09:00:00Z'), () => T('2022-03-08T19:00:00Z'))).toMatchObject({ kind: 'guaranteed', version: 1 });
    expect(publicStanding(spans, T('2022-03-01T09:00:00Z'), () => 0)).toBeNull();
  });
});

describe('icsSequence', () => {
  it('rises with every change of the events, re-signing and voiding included, and is 0 for terms guaranteed once', () => {
    expect(icsSequence({ 'corridor.guaranteed': 1 })).toBe(0);
    expect(icsSequence({ 'corridor.guaranteed': 1, 'guarantee.voided': 1 })).toBe(1);
    expect(icsSequence({ 'corridor.guaranteed': 2, 'guarantee.voided': 1 })).toBe(2);
    expect(icsSequence({ 'corridor.guaranteed': 1, 'corridor.amended': 1, 'corridor.suspended': 1, 'corridor.resumed': 1, 'corridor.withdrawn': 1 })).toBe(4);
  });
});

describe('windowsAround: touching windows are one', () => {
  const kyiv = (s: string, e: string) => ({ start: s, end: e, timeZone: 'Europe/Kyiv' });
  it('open until the end of the run of touching windows, and next is the one after the run', () => {
    const ivs = expandWindows([kyiv('2022-03-08T09:00:00+02:00', '2022-03-08T10:00:00+02:00'), kyiv('2022-03-08T10:00:00+02:00', '2022-03-08T12:00:00+02:00'), kyiv('2022-03-09T09:00:00+02:00', '2022-03-09T10:00:00+02:00')]);
    const at = windowsAround(ivs, T('2022-03-08T07:30:00Z'));
    expect(at.current).toEqual({ start: T('2022-03-08T07:00:00Z'), end: T('2022-03-08T10:00:00Z'), windowIndex: 0 });
    expect(at.next?.start).toBe(T('2022-03-09T07:00:00Z'));
    expect(windowsAround(ivs, T('2022-03-08T11:00:00Z')).endingAfter?.start).toBe(T('2022-03-09T07:00:00Z'));
    expect(windowsAround(ivs, T('2022-03-10T00:00:00Z'))).toMatchObject({ current: null, next: null, endingAfter: null, last: { end: T('2022-03-09T08:00:00Z') } });
  });
});

describe('calendarOccurrences: which guaranteed terms speak for each calendar event', () => {
  const H = 3_600_000;
  const occ = (uid: string, start: number) => ({ uid, start, end: start + H });
  it('keeps an occurrence an amendment moved, as the earlier terms’ (to show it cancelled), and the new one as the new terms’', () => {
    const spans: GuaranteedSpan[] = [
      { version: 1, from: 0, until: 10 * H, endedBy: { cause: 'amended' } },
      { version: 2, from: 11 * H, until: null, endedBy: null },
    ];
    const windows: Record<number, ReturnType<typeof occ>[]> = {
      1: [occ('a-day1', 5 * H), occ('a-day2', 29 * H)], // day 1 ran under version 1; day 2 was moved
      2: [occ('a-day1', 5 * H), occ('a-day2-late', 31 * H)], // same rule from day 1: day 1 had ended before version 2 held
    };
    const out = calendarOccurrences(spans, (v) => windows[v] ?? []);
    expect(out.map((x) => [x.occurrence.uid, x.span.version])).toEqual([
      ['a-day1', 1],
      ['a-day2', 1],
      ['a-day2-late', 2],
    ]);
  });
  it('lets the later span speak for an occurrence both share, and leaves one that ran in a gap to the span whose guarantee ended', () => {
    const spans: GuaranteedSpan[] = [
      { version: 1, from: 0, until: 4 * H, endedBy: { cause: 'key_compromised', partyId: 'p' } },
      { version: 1, from: 8 * H, until: null, endedBy: null },
    ];
    const windows = [occ('w1', 5 * H), occ('w2', 9 * H), occ('w3', 20 * H)];
    const out = calendarOccurrences(spans, () => windows);
    // w1 ran while no guarantee held: still the voided span's (cancelled), not the later one's.
    expect(out.map((x) => [x.occurrence.uid, x.span.from])).toEqual([
      ['w1', 0],
      ['w2', 8 * H],
      ['w3', 8 * H],
    ]);
  });
  it('shows no occurrence that had ended before any guarantee held', () => {
    expect(calendarOccurrences([{ version: 1, from: 10 * H, until: null, endedBy: null }], () => [occ('old', 0), occ('new', 12 * H)]).map((x) => x.occurrence.uid)).toEqual(['new']);
  });
});
