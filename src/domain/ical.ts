/**
 * iCalendar (RFC 5545) text, written by hand: CRLF line ends, content lines folded at 75
 * octets (never inside a UTF-8 sequence), TEXT values escaped (\\ \; \, \n).
 */
export function escapeText(s: string): string {
  // TEXT may not hold CONTROL characters other than HTAB (RFC 5545 §3.3.11): line breaks become
  // "\n", the rest (a bell, a vertical tab in a party's reason) are left out, as are the
  // noncharacters U+FFFE and U+FFFF.
  return (
    s
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
       
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F\uFFFE\uFFFF]/g, '')
  );
}

/** UTF-8 octets of the code point `cp`. */
function utf8Octets(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Folds one content line: at most 75 octets per physical line, continuation lines start with a
 * space. Octets are counted from code points, not by encoding each character: a feed holds
 * thousands of events, and a TextEncoder call per character made most of its cost.
 */
export function foldLine(line: string): string {
  // Most lines are short: at most 3 octets per UTF-16 unit, so 25 units always fit.
  if (line.length <= 25) return line;
  const parts: string[] = [];
  let from = 0;
  let octets = 0;
  let limit = 75;
  for (let i = 0; i < line.length; ) {
    const cp = line.codePointAt(i) as number;
    const units = cp > 0xffff ? 2 : 1;
    const n = utf8Octets(cp);
    if (octets + n > limit) {
      parts.push(line.slice(from, i));
      from = i;
      octets = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    octets += n;
    i += units;
  }
  parts.push(line.slice(from));
  return parts.join('\r\n ');
}

/** `20220305T060000Z` */
export function icsUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '');
}

/**
 * The UID of one occurrence of a corridor's window, from the corridor and the occurrence's
 * agreed local start (`Interval.localStart`): RFC 5545 (§3.8.4.7) has a UID name the same event
 * across every update of the feed. Not its position among the occurrences: a rule that gains or
 * loses one (as the DST-gap fix gave back 03:30 on 27 March) would shift every later UID, and
 * subscribers would see events deleted and duplicated. Nor the version: an amendment revises
 * the same events (SEQUENCE rises). `windowIndex` only tells apart two windows of the corridor
 * that start at the same local time.
 */
export function windowOccurrenceUid(corridorId: string, localStart: string, windowIndex?: number): string {
  return `${corridorId}-${localStart.replace(/[-:.]/g, '')}${windowIndex === undefined ? '' : `-w${windowIndex}`}@passage`;
}

export interface IcsEvent {
  readonly uid: string;
  readonly dtstamp: number;
  readonly lastModified: number;
  readonly start: number;
  readonly end: number;
  readonly summary: string;
  readonly description: string;
  readonly location: string;
  readonly geo: readonly [number, number]; // [lat, lon]
  readonly status: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
  readonly sequence: number;
  /** The IANA zone the window was agreed in (the times themselves are UTC). */
  readonly timeZone: string;
  readonly categories: readonly string[];
  readonly url?: string | undefined;
}

/**
 * A calendar of events; `language` (an RFC 5646 tag) is the language of their text, stated on
 * SUMMARY, DESCRIPTION and LOCATION as RFC 5545's LANGUAGE parameter (§3.2.10).
 */
export function icsCalendar(events: readonly IcsEvent[], opts: { name: string; description: string; language?: string }): string {
  const lang = opts.language ? `;LANGUAGE=${opts.language}` : '';
  const lines: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Passage//Humanitarian corridors//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escapeText(opts.name)}`, `X-WR-CALDESC:${escapeText(opts.description)}`];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${icsUtc(e.dtstamp)}`,
      `LAST-MODIFIED:${icsUtc(e.lastModified)}`,
      `DTSTART:${icsUtc(e.start)}`,
      `DTEND:${icsUtc(e.end)}`,
      `SUMMARY${lang}:${escapeText(e.summary)}`,
      `DESCRIPTION${lang}:${escapeText(e.description)}`,
      `LOCATION${lang}:${escapeText(e.location)}`,
      `GEO:${+e.geo[0].toFixed(6)};${+e.geo[1].toFixed(6)}`,
      `STATUS:${e.status}`,
      `SEQUENCE:${e.sequence}`,
      `TRANSP:TRANSPARENT`,
      `CATEGORIES:${e.categories.map(escapeText).join(',')}`,
      `X-PASSAGE-TZID:${escapeText(e.timeZone)}`,
      ...(e.url ? [`URL:${e.url}`] : []),
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
