import { describe, expect, it } from 'vitest';
import { actionOfEntry, entryIndexProblem, indexOfEntry } from './entry-text.js';

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
