import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventFilterProblems, eventTypeHint } from './event-types.js';

describe('event filters', () => {
  it('accepts every event type, prefixes that match one, and everything', () => {
    expect(eventFilterProblems([...EVENT_TYPES, '*', 'corridor.*', 'movement.alert.*', 'movement.alert.off_route*'])).toEqual([]);
  });

  it('refuses what matches nothing, naming the alert a pre-rename name meant', () => {
    expect(eventFilterProblems(['corridor.*', 'movement.off_route', 'corridors.*', 'movement.arrived']).map((p) => [p.index, p.pattern])).toEqual([
      [1, 'movement.off_route'],
      [2, 'corridors.*'],
    ]);
    expect(eventTypeHint('movement.off_route')).toBe('movement.alert.off_route');
    expect(eventTypeHint('movement.count_discrepancy.cleared')).toBe('movement.alert.count_discrepancy.cleared');
    expect(eventTypeHint('movement.no_sig*')).toBe('movement.alert.no_sig*');
    expect(eventTypeHint('movement.departure')).toBeUndefined();
    expect(eventTypeHint('corridor.suspend')).toBeUndefined();
  });
});
