import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionOfEntry, entryHeadAt, entryIndexProblem, entryProblemAt, indexOfEntry } from './entry-text.js';

const entry = (index: string, actor = 'mem_1'): string => `{"action":"guarantee.given","actor":"${actor}","index":${index},"payload":{"index":99},"subject":"corridor/c","time":"2026-03-05T10:00:00Z"}`;

describe('reading an entry’s action and index from its canonical bytes', () => {
  it('reads the action and the entry’s own index, not a nested one', () => {
    expect(actionOfEntry(entry('7'))).toBe('guarantee.given');
    expect(indexOfEntry(entry('7'))).toBe(7);
    expect(entryIndexProblem(entry('7'), 7)).toBeUndefined();
  });

  it('names a wrong index, a missing one and non-canonical digits', () => {
    expect(entryIndexProblem(entry('8'), 7)).toBe('its bytes say index 8 (entries were swapped or reordered)');
    expect(entryIndexProblem('{"action":"x","actor":"a","time":"t"}', 0)).toBe('its bytes carry no index (altered)');
    expect(indexOfEntry(entry('07'))).toBeUndefined();
    expect(indexOfEntry(entry('7.0'))).toBeUndefined();
    expect(indexOfEntry(entry('-7'))).toBeUndefined();
    expect(indexOfEntry(entry(''))).toBeUndefined();
  });

  it('does not take an action from text that does not start like an entry', () => {
    expect(actionOfEntry(' {"action":"key.registered"}')).toBeUndefined();
    expect(actionOfEntry('{"action":"')).toBeUndefined();
  });
});

describe('reading the head from bytes (the verifier’s hot loop) agrees with reading it from text', () => {
  const enc = new TextEncoder();
  it('finds the action’s end exactly when the text reading finds the expected index', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.oneof(fc.nat(), fc.constantFrom('07', '-1', '1.5', '')), fc.nat({ max: 3 }), (action, actor, index, delta) => {
        const text = `{"action":${JSON.stringify(action)},"actor":${JSON.stringify(actor)},"index":${index},"payload":null}`;
        const bytes = enc.encode(`xx${text}yy`); // read in place, inside a larger buffer
        const expected = typeof index === 'number' ? index + (delta === 3 ? 1 : 0) : 0;
        const end = entryHeadAt(bytes, 2, bytes.length - 2, expected);
        if (end >= 0) {
          expect(indexOfEntry(text)).toBe(expected);
          expect(new TextDecoder().decode(bytes.subarray(2 + 11, end))).toBe(actionOfEntry(text));
        } else if (action !== '' && !actor.includes('"') && !actor.includes('\\') && !action.includes('"') && !action.includes('\\')) {
          // Unescaped names: bytes and text must agree that the index is wrong.
          expect(indexOfEntry(text) === expected).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('names what is wrong at a position: missing, moved, or carrying another index', () => {
    const text = entry('7');
    expect(entryProblemAt(7, { index: 7, text })).toBeUndefined();
    expect(entryProblemAt(7, undefined)).toEqual({ missing: true });
    expect(entryProblemAt(7, { index: 8, text })).toEqual({ message: 'found entry 8 where entry 7 should be (an entry was dropped or reordered)' });
    expect(entryProblemAt(8, { index: 8, text })).toEqual({ message: 'its bytes say index 7 (entries were swapped or reordered)' });
  });
});
