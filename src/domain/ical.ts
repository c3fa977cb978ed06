/**
 * iCalendar (RFC 5545) text, written by hand: CRLF line ends, content lines folded at 75
 * octets (never inside a UTF-8 sequence), TEXT values escaped (\\ \; \, \n).
 */
const encoder = new TextEncoder();

export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds one content line: at most 75 octets per physical line, continuation lines start with a space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const n = encoder.encode(ch).length;
    if (octets + n > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    octets += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** `20220305T060000Z` */
export function icsUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '');
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
