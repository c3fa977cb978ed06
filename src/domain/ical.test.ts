import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icsUtc, windowOccurrenceUid } from './ical.js';

const bytes = (s: string): number => new TextEncoder().encode(s).length;

describe('iCalendar text', () => {
  it('escapes TEXT values', () => {
    expect(escapeText('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });
  it('folds at 75 octets without splitting a UTF-8 sequence, and unfolds to the same line', () => {
    const line = `SUMMARY:${'Гуманітарний коридор Маріуполь → Запоріжжя '.repeat(5)}`;
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(bytes(l)).toBeLessThanOrEqual(75);
    expect(folded.split('\r\n').slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });
  it('folds any text, astral characters and lone surrogates included, as greedily as encoding each character would', () => {
    // The reference: each character's octets from TextEncoder (a lone surrogate becomes U+FFFD, 3 octets).
    const reference = (line: string): string => {
      const parts: string[] = [];
      let current = '';
      let octets = 0;
      let limit = 75;
      for (const ch of line) {
        const n = bytes(ch);
        if (octets + n > limit) {
          parts.push(current);
          current = '';
          octets = 0;
          limit = 74;
        }
        current += ch;
        octets += n;
      }
      parts.push(current);
      return parts.join('\r\n ');
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('a', 'я', '→', '😀', '\ud800', '\udfff'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 400 }), (line) => {
        const folded = foldLine(line);
        expect(folded).toBe(reference(line));
        for (const l of folded.split('\r\n')) expect(bytes(l)).toBeLessThanOrEqual(75);
        expect(folded.replace(/\r\n /g, '')).toBe(line);
      }),
      { numRuns: 500 },
    );
  });
  it('writes UTC date-times in basic format', () => {
    expect(icsUtc(Date.parse('2022-03-05T06:00:00.123Z'))).toBe('20220305T060000Z');
  });

  it('names an occurrence by its corridor and agreed local start; the window index only when two windows start together', () => {
    expect(windowOccurrenceUid('cor_1', '2022-03-27T03:30:00')).toBe('cor_1-20220327T033000@passage');
    expect(windowOccurrenceUid('cor_1', '2022-03-27T03:30:00', 1)).toBe('cor_1-20220327T033000-w1@passage');
  });
});
