import { describe, expect, it } from 'vitest';
import { guaranteedSince, suspensionStart } from './corridor-lifecycle.js';
import { DomainError } from './errors.js';

const NOW = Date.parse('2022-03-08T13:00:00Z');
const ENDED = [Date.parse('2022-03-08T10:00:00Z'), Date.parse('2022-03-08T12:00:00Z')];

describe('when a new suspension starts', () => {
  it('now, or dated back to any time after the last suspension ended', () => {
    expect(suspensionStart(undefined, NOW, ENDED)).toBe(NOW);
    expect(suspensionStart(Date.parse('2022-03-08T12:30:00Z'), NOW, ENDED)).toBe(Date.parse('2022-03-08T12:30:00Z'));
    expect(suspensionStart(Date.parse('1990-01-01T00:00:00Z'), NOW, [])).toBe(Date.parse('1990-01-01T00:00:00Z'));
  });

  it('refuses the future and an overlap, or with clamp moves up to the last end', () => {
    expect(() => suspensionStart(NOW + 120_000, NOW, ENDED)).toThrow(DomainError);
    expect(() => suspensionStart(Date.parse('2022-03-08T11:00:00Z'), NOW, ENDED)).toThrow(/previous suspension ended/);
    expect(suspensionStart(Date.parse('2022-03-08T11:00:00Z'), NOW, ENDED, true)).toBe(ENDED[1]);
  });

  it('not before the corridor was guaranteed: refused, or with clamp moved up to that moment', () => {
    const guaranteed = Date.parse('2022-03-08T11:00:00Z');
    expect(() => suspensionStart(Date.parse('2020-01-01T00:00:00Z'), NOW, [], false, guaranteed)).toThrow(/guaranteed/);
    expect(suspensionStart(Date.parse('2020-01-01T00:00:00Z'), NOW, [], true, guaranteed)).toBe(guaranteed);
    expect(suspensionStart(Date.parse('2022-03-08T11:30:00Z'), NOW, [], false, guaranteed)).toBe(Date.parse('2022-03-08T11:30:00Z'));
    // The later of the two bounds holds.
    expect(() => suspensionStart(Date.parse('2022-03-08T11:30:00Z'), NOW, ENDED, false, guaranteed)).toThrow(/previous suspension ended/);
  });

  it('dates the guarantee from the last required guarantor to sign the current terms', () => {
    const standing = [
      { partyId: 'ua', createdAt: '2022-03-01T08:00:00Z' },
      { partyId: 'ru', createdAt: '2022-03-02T09:00:00Z' },
    ];
    expect(guaranteedSince(['ua', 'ru'], standing)).toBe(Date.parse('2022-03-02T09:00:00Z'));
    expect(guaranteedSince(['ua', 'ru', 'by'], standing)).toBeUndefined();
    // Terms recorded after the fact (the demo's 2022 corridors, signed when it is loaded): the
    // first window, if earlier, is when the ceasefire could first hold.
    expect(guaranteedSince(['ua', 'ru'], standing, [Date.parse('2022-03-01T07:00:00Z'), Date.parse('2022-03-05T07:00:00Z')])).toBe(Date.parse('2022-03-01T07:00:00Z'));
    expect(guaranteedSince(['ua', 'ru'], standing, [Date.parse('2022-03-08T07:00:00Z')])).toBe(Date.parse('2022-03-02T09:00:00Z'));
  });
});
