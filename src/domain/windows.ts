import { DateTime, IANAZone, Info, type Zone } from 'luxon';
import rrulePkg, { type Options as RRuleOptions } from 'rrule';

// rrule ships CommonJS for Node: take the class from the default export.
const { RRule } = rrulePkg;
type RRule = InstanceType<typeof RRule>;
import { DomainError, type ErrorDetail } from './errors.js';

/** A window as agreed: first interval in UTC, the zone it was agreed in, and an optional RRULE. */
export interface WindowSpec {
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly rrule?: string | undefined;
}

/** One concrete interval [start, end) in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
  readonly windowIndex: number;
  /**
   * The occurrence's start as agreed, wall-clock time in its window's zone
   * (`2022-03-27T03:30:00`): the window's start, or what its RRULE yields — in the hour clocks
   * skip, a time that never shows on a clock. What names an occurrence whatever its position
   * among the others or how a skipped hour is read (iCalendar UIDs).
   */
  readonly localStart: string;
}

/** Recurrences are bounded so that a corridor can never be open "forever" by accident. */
export const MAX_OCCURRENCES = 1000;

/** Intervals of all of a corridor's windows together; a window without RRULE is one. */
export const MAX_CORRIDOR_OCCURRENCES = 2000;

/**
 * Days of calendar rrule may examine to expand all of a corridor's recurrences together: about
 * 20 years. rrule walks the calendar period by period (a day, week, month or year; with
 * INTERVAL=n, one period in n) and examines every day of each period it visits, and it stops
 * only at COUNT, at a match after UNTIL, or after the year 9999. A rule whose days are rare
 * (BYWEEKNO=53, BYYEARDAY=366, 29 February on a Monday) or never come (BYMONTH=2;BYMONTHDAY=30)
 * had it walk centuries — seconds of CPU on every read of the corridor. At a few µs a day at
 * most (FREQ=DAILY), this bounds the expansion of any corridor to tens of milliseconds.
 */
export const MAX_SCAN_DAYS = 7305;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1] ?? 0;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** The number written by the n ASCII digits of s at i, or -1 if one is not a digit. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` — what Date.toISOString writes, how instants are stored, and what
 * trackers and field apps mostly send — read digit by digit: a batch of 10,000 fixes parses each
 * time, and this is several times cheaper than the general regular expression. Undefined when s
 * has another form (or a year before 100); when defined, `new Date(result).toISOString() === s`.
 */
export function parseIsoMillisZ(s: string): number | undefined {
  if (s.length !== 24 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const ms = digitsAt(s, 20, 3);
  if (year < 0 || ms < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0–99 to 1900–1999: leave those to the general path.
  return year < 100 ? undefined : t;
}

/**
 * Parses an RFC 3339 date-time with offset into epoch ms, or undefined. Written out rather
 * than left to Date.parse (which accepts 30 February and 24:00) or luxon (too slow for the
 * 100,000 instants of one deconfliction request). Leap seconds are refused.
 */
export function parseRfc3339(s: string): number | undefined {
  const fast = parseIsoMillisZ(s);
  if (fast !== undefined) return fast;
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offset = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // Not Date.UTC(year, …): it reads years 0–99 as 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  const t = d.getTime() - offset;
  // An offset can carry a time written in year 0000 or 9999 out of the four-digit years that
  // RFC 3339 (and every reader of what Passage writes back) knows.
  return t < FIRST_INSTANT || t > LAST_INSTANT ? undefined : t;
}

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants RFC 3339 can write in UTC. */
export const FIRST_INSTANT = -62_167_219_200_000;
export const LAST_INSTANT = 253_402_300_799_999;

/** RFC 3339 in UTC, with milliseconds only when they are not zero. */
export function formatUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** Local wall-clock time with its offset, e.g. 2022-03-08T09:00:00+02:00. */
export function formatLocal(ms: number, timeZone: string): string {
  return DateTime.fromMillis(ms, { zone: timeZone }).toISO({ suppressMilliseconds: true }) ?? formatUtc(ms);
}

export function isValidTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

/** The zones this runtime lists, by lower-case name: to tell a zone typed in the wrong case. */
let listedZones: Map<string, string> | undefined;

/**
 * Why a zone the runtime accepts (`isValidTimeZone`) is not written as the tz database writes it, or null. The
 * runtime reads zone names in any case ("europe/kyiv"), but what is stored is signed, printed in
 * feeds (an iCalendar TZID) and read by other software that may not: a zone is stored only as the
 * database spells it. A listed zone in another case is told its spelling; an alias the runtime
 * does not list (Europe/Kyiv on an older ICU, US/Eastern) must at least start each part with a
 * capital, as every name in the database does.
 */
export function timeZoneSpellingProblem(tz: string): string | null {
  listedZones ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  // A listed zone, or one the runtime resolves to itself in another case (UTC is not listed).
  const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
  const listed = listedZones.get(tz.toLowerCase()) ?? (resolved.toLowerCase() === tz.toLowerCase() ? resolved : undefined);
  if (listed !== undefined) return listed === tz ? null : `time zone names are case-sensitive: write ${listed}, not ${tz}`;
  return /(^|\/)[^A-Z]/.test(tz) ? `time zone names are case-sensitive, each part starting with a capital as in the tz database (e.g. Europe/Kyiv): not ${tz}` : null;
}

/** Validates one window; returns problems (empty when fine). `path` prefixes each problem's path. */
export function checkWindow(
  w: WindowSpec,
  path: string,
  allowance: Allowance = newAllowance(),
): { code: 'window_end_before_start' | 'unknown_time_zone' | 'invalid_rrule' | 'invalid_time'; detail: ErrorDetail }[] {
  const out: { code: 'window_end_before_start' | 'unknown_time_zone' | 'invalid_rrule' | 'invalid_time'; detail: ErrorDetail }[] = [];
  const s = parseRfc3339(w.start);
  const e = parseRfc3339(w.end);
  if (s === undefined) out.push({ code: 'invalid_time', detail: { path: `${path}/start`, message: `not an RFC 3339 date-time: ${w.start}` } });
  if (e === undefined) out.push({ code: 'invalid_time', detail: { path: `${path}/end`, message: `not an RFC 3339 date-time: ${w.end}` } });
  if (s !== undefined && e !== undefined && e <= s) {
    out.push({ code: 'window_end_before_start', detail: { path: `${path}/end`, message: 'window end must be after its start' } });
  }
  if (!isValidTimeZone(w.timeZone)) {
    out.push({ code: 'unknown_time_zone', detail: { path: `${path}/timeZone`, message: `unknown IANA time zone: ${w.timeZone}` } });
  } else {
    const spelling = timeZoneSpellingProblem(w.timeZone);
    if (spelling !== null) out.push({ code: 'unknown_time_zone', detail: { path: `${path}/timeZone`, message: spelling } });
  }
  if (w.rrule !== undefined && isValidTimeZone(w.timeZone) && s !== undefined) {
    try {
      const rule = parseRecurrence(w.rrule, s, w.timeZone, true);
      // Once the corridor's allowance is spent, say so once: the rules after are not expanded.
      if (!allowance.spent) {
        const occ = occurrences(rule, allowance);
        // rrule.js runs out of calendar at the year 10000 (dropping what lies beyond), and
        // RFC 3339 has no year 10000: every occurrence ends by 9999-12-31, in local time and in UTC.
        const last = occ[occ.length - 1];
        if (last && e !== undefined) {
          const zone = Info.normalizeZone(w.timeZone);
          const wallEnd = last.getTime() + (toFloating(e, w.timeZone).getTime() - toFloating(s, w.timeZone).getTime());
          const count = rule.options.count;
          if (wallEnd > LAST_INSTANT || fromFloating(wallEnd, zone, zone.offset(s)) > LAST_INSTANT || (count !== null && occ.length < count && last.getUTCFullYear() >= 9_999)) {
            throw new Error('the recurrence runs past the year 9999');
          }
        }
      }
    } catch (err) {
      out.push({ code: 'invalid_rrule', detail: { path: `${path}/rrule`, message: visibleControls((err as Error).message) } });
    }
  } else if (w.rrule === undefined && !allowance.spent) {
    try {
      spendOne(allowance);
    } catch (err) {
      out.push({ code: 'invalid_rrule', detail: { path, message: (err as Error).message } });
    }
  }
  return out;
}

/**
 * Throws the first problem's code with every problem listed. The windows share one allowance
 * (MAX_SCAN_DAYS, MAX_CORRIDOR_OCCURRENCES): what is accepted here, `expandWindows` expands
 * within the same bounds.
 */
export function assertWindows(windows: readonly WindowSpec[], basePath = '/windows'): void {
  const allowance = newAllowance();
  const problems = windows.flatMap((w, i) => checkWindow(w, `${basePath}/${i}`, allowance));
  const first = problems[0];
  if (first) {
    throw new DomainError(first.code, first.detail.message, { details: problems.map((p) => p.detail) });
  }
}

const INT_LIST = /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/;
/** RFC 5545 §3.3.10 value syntax of each part we accept; rrule.js is lenient, we are not. */
const RRULE_VALUE_SYNTAX: Record<string, RegExp> = {
  FREQ: /^[A-Z]+$/,
  INTERVAL: /^\d{1,4}$/,
  COUNT: /^\d{1,5}$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  BYDAY: /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU))*$/,
  BYMONTHDAY: INT_LIST,
  BYMONTH: INT_LIST,
  BYSETPOS: INT_LIST,
  BYYEARDAY: INT_LIST,
  BYWEEKNO: INT_LIST,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
};

const ALLOWED_RRULE_PARTS = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST', 'BYYEARDAY', 'BYWEEKNO']);

/**
 * Parses an RRULE into rrule.js options whose dates are *floating local wall-clock times*
 * encoded as UTC (rrule.js's convention without TZID). Expanding in wall-clock time and
 * converting each occurrence to UTC in the agreed zone is what keeps "daily 09:00 Kyiv"
 * at 09:00 across the DST change.
 */
const YEAR_100 = Date.parse('0100-01-01T00:00:00Z');

/**
 * A message that quotes what was sent, with each control character in it written as an escape:
 * an RRULE holding a raw line break was echoed with it, breaking the problem's detail (and any
 * log or terminal line showing it) in two.
 */
function visibleControls(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `strict`: the rules for new windows too (refused since; windows stored before still expand). */
function parseRecurrence(rrule: string, firstStartMs: number, timeZone: string, strict = false): RRule {
  const text = rrule.trim().replace(/^RRULE:/i, '');
  if (text.length === 0) throw new Error('empty RRULE');
  const parts = text.split(';');
  const keys = new Set<string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`malformed RRULE part "${part}"`);
    const key = part.slice(0, eq).toUpperCase();
    if (!ALLOWED_RRULE_PARTS.has(key)) {
      throw new Error(key === 'DTSTART' ? 'DTSTART is taken from the window start; remove it from the RRULE' : `unsupported RRULE part ${key} (sub-daily recurrence and ${key} are not allowed)`);
    }
    if (keys.has(key)) throw new Error(`RRULE part ${key} repeated`);
    const value = part.slice(eq + 1).toUpperCase();
    const syntax = RRULE_VALUE_SYNTAX[key];
    if (syntax && !syntax.test(value)) throw new Error(`RRULE ${key}=${value} is not valid`);
    keys.add(key);
  }
  if (!keys.has('FREQ')) throw new Error('RRULE needs FREQ');
  if (!keys.has('COUNT') && !keys.has('UNTIL')) throw new Error('RRULE needs COUNT or UNTIL: a corridor window may not recur forever');
  if (strict && keys.has('COUNT') && keys.has('UNTIL')) throw new Error('RRULE may have COUNT or UNTIL, not both (RFC 5545 §3.3.10)');
  // rrule.js builds its dates with Date.UTC, which reads the years 0–99 as 1900–1999: a rule
  // starting in year 50 recurred in 1950.
  if (strict && firstStartMs < YEAR_100) throw new Error('a recurring window must start in the year 100 or later');
  let opts: Partial<RRuleOptions>;
  try {
    opts = RRule.parseString(text);
  } catch (err) {
    throw new Error(`malformed RRULE: ${(err as Error).message}`, { cause: err });
  }
  if (opts.freq === undefined || opts.freq === null || ![RRule.YEARLY, RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY].includes(opts.freq)) {
    throw new Error('RRULE FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY');
  }
  if (opts.count !== undefined && opts.count !== null && (opts.count < 1 || opts.count > MAX_OCCURRENCES)) {
    throw new Error(`RRULE COUNT must be between 1 and ${MAX_OCCURRENCES}`);
  }
  if (opts.interval !== undefined && opts.interval !== null && opts.interval < 1) throw new Error('RRULE INTERVAL must be at least 1');
  for (const [k, v] of Object.entries(opts)) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`RRULE ${k} is not a number`);
  }
  const dtstart = toFloating(firstStartMs, timeZone);
  if (opts.until instanceof Date) {
    if (Number.isNaN(opts.until.getTime())) throw new Error('RRULE UNTIL is not a valid date');
    // UNTIL with a trailing Z is an instant: convert it to floating wall-clock time in the zone.
    if (/UNTIL=\d{8}T\d{6}Z/i.test(text)) opts.until = toFloating(opts.until.getTime(), timeZone);
  }
  return new RRule({ ...opts, dtstart, tzid: null });
}

/** What is left of a corridor's bounds while its windows are checked or expanded in order. */
export interface Allowance {
  scanDays: number;
  occurrences: number;
  /** Set once either ran out. */
  spent: boolean;
}

function newAllowance(): Allowance {
  return { scanDays: MAX_SCAN_DAYS, occurrences: MAX_CORRIDOR_OCCURRENCES, spent: false };
}

function spendOne(allowance: Allowance): void {
  allowance.occurrences -= 1;
  if (allowance.occurrences < 0) {
    allowance.spent = true;
    throw new Error(`a corridor's windows may occur at most ${MAX_CORRIDOR_OCCURRENCES} times in all`);
  }
}

const DAY_MS = 86_400_000;
/** Most and fewest days in one period of each FREQ we accept. */
const PERIOD_DAYS = new Map<number, readonly [number, number]>([
  [RRule.DAILY, [1, 1]],
  [RRule.WEEKLY, [7, 7]],
  [RRule.MONTHLY, [31, 28]],
  [RRule.YEARLY, [366, 365]],
]);

/** No period rrule visits starts before this: DTSTART's day, month or year, or 6 days before it for WEEKLY. */
function firstPeriodStart(dtstart: Date, freq: number): number {
  const d = new Date(dtstart.getTime());
  d.setUTCHours(0, 0, 0, 0);
  if (freq === RRule.YEARLY) d.setUTCMonth(0, 1);
  else if (freq === RRule.MONTHLY) d.setUTCDate(1);
  return d.getTime() - (freq === RRule.WEEKLY ? 6 * DAY_MS : 0);
}

/** Thrown from inside rrule's walk to end it; never escapes `occurrences`. */
const STOP = new Error('stop');

/**
 * The occurrences of a rule, as floating wall-clock dates, counting against the corridor's
 * allowance; throws (a message for people) when the rule yields none, more than
 * MAX_OCCURRENCES, or more than the allowance has left.
 *
 * rrule has no bound on its walk and no hook into it, other than the parsed options it reads:
 * its day filter reads `options.byyearday` once for every day it examines, so a getter there
 * counts the days and ends the walk by throwing. The tests of rare and impossible rules fail
 * (they would be accepted, slowly) if a new rrule stopped reading it there.
 */
function occurrences(rule: RRule, allowance: Allowance): Date[] {
  const options = rule.options;
  const [longest, shortest] = PERIOD_DAYS.get(options.freq) ?? [366, 1];
  const interval = Math.max(1, options.interval);
  const until = options.until ? options.until.getTime() : undefined;
  const firstDay = firstPeriodStart(options.dtstart, options.freq);
  const budget = allowance.scanDays;
  let examined = 0;
  let pastUntil = false;
  let outOfDays = false;
  const byyearday = options.byyearday;
  Object.defineProperty(options, 'byyearday', {
    configurable: true,
    enumerable: true,
    get() {
      examined += 1;
      // This day's period is at least the ceil(examined / longest)-th, and each period starts
      // at least INTERVAL shortest periods after the one before: once that lower bound is past
      // UNTIL, every period rrule has not finished is too, so nothing more can match — though
      // rrule would walk on to the next day its filters let through (for a rare rule, years on).
      if (until !== undefined && firstDay + (Math.ceil(examined / longest) - 1) * interval * shortest * DAY_MS > until) {
        pastUntil = true;
        throw STOP;
      }
      if (examined > budget) {
        outOfDays = true;
        throw STOP;
      }
      return byyearday;
    },
  });
  const out: Date[] = [];
  let tooMany = false;
  try {
    rule.all((d) => {
      if (out.length >= MAX_OCCURRENCES || out.length >= allowance.occurrences) {
        tooMany = true;
        return false;
      }
      out.push(d);
      return true;
    });
  } catch (err) {
    if (err !== STOP) throw err;
  } finally {
    Object.defineProperty(options, 'byyearday', { value: byyearday, configurable: true, enumerable: true, writable: true });
  }
  allowance.scanDays -= Math.min(examined, budget);
  if (outOfDays && !pastUntil) {
    allowance.spent = true;
    throw new Error(
      budget === MAX_SCAN_DAYS
        ? `RRULE needs more than ${MAX_SCAN_DAYS} days (about 20 years) of calendar searched for its occurrences: they go on too long or match too rarely`
        : `RRULE takes the corridor past ${MAX_SCAN_DAYS} days (about 20 years) of calendar searched for the occurrences of its windows' RRULEs together`,
    );
  }
  if (tooMany) {
    if (out.length >= MAX_OCCURRENCES) throw new Error(`RRULE yields more than ${MAX_OCCURRENCES} occurrences`);
    allowance.spent = true;
    throw new Error(`a corridor's windows may occur at most ${MAX_CORRIDOR_OCCURRENCES} times in all`);
  }
  if (out.length === 0) throw new Error('RRULE yields no occurrence');
  allowance.occurrences -= out.length;
  return out;
}

/** A floating wall-clock date as `2022-03-27T03:30:00` (milliseconds only when it has them). */
function floatingText(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, -1);
}

function toFloating(ms: number, timeZone: string): Date {
  const local = DateTime.fromMillis(ms, { zone: timeZone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond));
}

/**
 * The instant of floating wall-clock time `wall` in `zone`, read as RFC 5545 (§3.3.5) reads a
 * local time: one that occurs twice (clocks going back) is the first of the two, and one that
 * does not occur (clocks going forward) is read with the offset before the gap. luxon's fix-up
 * (as in `DateTime.fromObject(…, { zone })`), started from `guess`, finds an instant in one or two
 * offset look-ups; but in a repeated hour which of the two it finds depends on the guess, and
 * luxon guesses the zone's offset at the time of the call: a window's instants moved by an hour
 * with the season the server computed them in. The look-up three hours back settles it (no
 * zone shifts its clocks by more than two hours, nor twice within three).
 */
function fromFloating(wall: number, zone: Zone, guess: number): number {
  let t = wall - guess * 60_000;
  let o = zone.offset(t);
  if (o !== guess) {
    t -= (o - guess) * 60_000;
    const o3 = zone.offset(t);
    // In a gap (the hour skipped when clocks go forward): the offset before it, moving forward.
    if (o3 !== o) return wall - Math.min(o, o3) * 60_000;
    o = o3;
  }
  const before = zone.offset(t - 3 * 3_600_000);
  if (before > o) {
    // The offset fell within the last three hours: the same wall time also stood at the old offset, earlier.
    const first = wall - before * 60_000;
    if (first < t && zone.offset(first) === before) return first;
  }
  return t;
}

/** Expansions of recurring windows by what they say, least recently used first. */
const EXPANDED = new Map<string, readonly Interval[] | DomainError>();
const EXPANDED_MAX = 256;

/**
 * Every interval of every window, sorted by start. Overlapping intervals are kept as they are
 * (each carries its window index); use `mergeIntervals` for "is it open" questions.
 *
 * Read paths ask for the same corridor's intervals on every request (status, lists, the public
 * page, feeds, the scheduler's tick), and a recurring corridor may take tens of milliseconds to
 * expand: the answer for recurring windows is remembered (the expansion depends on nothing else).
 */
export function expandWindows(windows: readonly WindowSpec[]): Interval[] {
  if (!windows.some((w) => w.rrule !== undefined)) return expandNow(windows);
  const key = JSON.stringify(windows.map((w) => [w.start, w.end, w.timeZone, w.rrule ?? null]));
  let known = EXPANDED.get(key);
  if (known === undefined) {
    try {
      known = expandNow(windows).map((iv) => Object.freeze(iv));
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      known = e;
    }
    if (EXPANDED.size >= EXPANDED_MAX) EXPANDED.delete(EXPANDED.keys().next().value as string);
  } else EXPANDED.delete(key);
  EXPANDED.set(key, known);
  if (known instanceof DomainError) throw known;
  return [...known];
}

/** Stored windows expanded, or why they no longer can be (and then no intervals). */
export interface StoredExpansion {
  readonly intervals: Interval[];
  readonly problem?: string;
}

/**
 * The windows of stored terms, expanded: what read paths use instead of `expandWindows`. The
 * rules for windows tighten between releases (bounds on RRULE work, on the years a time may
 * name), and terms stored under older rules must not turn a corridor list, the public page, a
 * feed or the scheduler's tick into an error for every corridor. Such terms expand to no
 * intervals, with the reason, and the corridor is treated as outside any window (never open).
 */
export function expandStoredWindows(windows: readonly WindowSpec[]): StoredExpansion {
  try {
    return { intervals: expandWindows(windows) };
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { intervals: [], problem: e.message };
  }
}

function expandNow(windows: readonly WindowSpec[]): Interval[] {
  const out: Interval[] = [];
  const allowance = newAllowance();
  windows.forEach((w, windowIndex) => {
    const start = parseRfc3339(w.start);
    const end = parseRfc3339(w.end);
    if (start === undefined || end === undefined || end <= start) {
      throw new DomainError('window_invalid', `window ${windowIndex} is invalid`);
    }
    let dates: Date[] | undefined;
    try {
      if (w.rrule === undefined) spendOne(allowance);
      else dates = occurrences(parseRecurrence(w.rrule, start, w.timeZone), allowance);
    } catch (err) {
      const message = (err as Error).message;
      throw new DomainError('invalid_rrule', `window ${windowIndex}: ${message}`, { details: [{ path: `/windows/${windowIndex}${w.rrule === undefined ? '' : '/rrule'}`, message }] });
    }
    if (dates === undefined) {
      out.push({ start, end, windowIndex, localStart: floatingText(toFloating(start, w.timeZone)) });
      return;
    }
    const zone = Info.normalizeZone(w.timeZone);
    // Any of the zone's offsets serves as the first guess (the answer does not depend on it):
    // the window's own, rather than the clock's, keeps this function free of the clock.
    const guess = zone.offset(start);
    for (const occ of dates) {
      // Each occurrence starts at the agreed local wall-clock time — one the clocks skip (03:30 on
      // the spring-forward night in Kyiv) is read with the offset before the gap, i.e. 04:30 — and
      // lasts exactly as long as the first window (RFC 5545 §3.8.5.3: "the same exact duration will
      // apply to all the members of the generated set"). Ending at the agreed local end instead
      // made 03:30–05:00 a 30-minute window that night while 03:30–04:15 kept 45 minutes.
      const s = fromFloating(occ.getTime(), zone, guess);
      out.push({ start: s, end: s + (end - start), windowIndex, localStart: floatingText(occ) });
    }
  });
  out.sort((a, b) => a.start - b.start || a.end - b.end);
  return out;
}

/** Merges overlapping or touching intervals into a sorted, disjoint list of [start, end). */
export function mergeIntervals(intervals: readonly { start: number; end: number }[]): [number, number][] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: [number, number][] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last[1]) last[1] = Math.max(last[1], iv.end);
    else out.push([iv.start, iv.end]);
  }
  return out;
}

/**
 * A window as the public lives it: intervals that overlap or touch are one, since the corridor
 * stays open across the seam. `windowIndex` is that of its earliest interval (whose zone it is
 * shown in). The scheduler announces only these ends; so must every output that says until when
 * a corridor is open (status, the public page, the feeds, CAP's `expires`).
 */
export interface MergedWindow {
  readonly start: number;
  readonly end: number;
  readonly windowIndex: number;
}

/** Expanded intervals (any order) merged into sorted, disjoint windows; touching ones are one. */
export function mergedWindows(intervals: readonly Interval[]): MergedWindow[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: { start: number; end: number; windowIndex: number }[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else out.push({ start: iv.start, end: iv.end, windowIndex: iv.windowIndex });
  }
  return out;
}

/**
 * The merged window in force at `at` (start ≤ at < end), the next one to start after `at`, and
 * the first that ends after `at` (the one in force, else the next; null once every window has ended).
 */
export function windowsAround(intervals: readonly Interval[], at: number): { current: MergedWindow | null; next: MergedWindow | null; endingAfter: MergedWindow | null; last: MergedWindow | null } {
  const merged = mergedWindows(intervals);
  const current = merged.find((w) => w.start <= at && at < w.end) ?? null;
  const next = merged.find((w) => w.start > at) ?? null;
  return { current, next, endingAfter: current ?? next, last: merged[merged.length - 1] ?? null };
}

/** Removes the given [start, end) holes (end may be Infinity) from sorted disjoint intervals. */
export function subtractIntervals(base: readonly [number, number][], holes: readonly [number, number][]): [number, number][] {
  let current = base.map(([s, e]) => [s, e] as [number, number]);
  for (const [hs, he] of holes) {
    const next: [number, number][] = [];
    for (const [s, e] of current) {
      if (he <= s || hs >= e) next.push([s, e]);
      else {
        if (hs > s) next.push([s, hs]);
        if (he < e) next.push([he, e]);
      }
    }
    current = next;
  }
  return current;
}
