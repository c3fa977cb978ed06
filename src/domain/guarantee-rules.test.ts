import { describe, expect, it } from 'vitest';
import { bindingGuarantors, guaranteeVoid, type GuaranteeRecord } from './guarantee-rules.js';

const g = (partyId: string, version: number, keyRevokedAt: string | null = null, createdAt = '2022-03-08T07:00:00.000Z'): GuaranteeRecord => ({ partyId, version, createdAt, keyRevokedAt });

describe('whether a guarantee binds', () => {
  it('binds while it signs the current version with a key that stands', () => {
    expect(guaranteeVoid(g('ua', 2), 2)).toBeNull();
  });

  it('is void once the terms are amended, and once the key it was made with is revoked', () => {
    expect(guaranteeVoid(g('ua', 1), 2)).toBe('amended');
    expect(guaranteeVoid(g('ua', 2, '2022-03-08T08:00:00.000Z'), 2)).toBe('key_revoked');
    // Both: the amendment came first in the terms' life, and says what a re-signature must sign.
    expect(guaranteeVoid(g('ua', 1, '2022-03-08T08:00:00.000Z'), 2)).toBe('amended');
  });

  it('counts only binding guarantees of the current version, so a party whose key was revoked may sign again', () => {
    const gs = [g('ua', 1), g('ua', 2, '2022-03-08T08:00:00.000Z'), g('ru', 2)];
    expect(bindingGuarantors(gs, 2)).toEqual(['ru']);
    expect(bindingGuarantors([...gs, g('ua', 2, null, '2022-03-08T09:00:00.000Z')], 2).sort()).toEqual(['ru', 'ua']);
  });

  it('at an instant, counts the guarantees given by then whose key was not yet revoked', () => {
    const gs = [g('ua', 2, '2022-03-08T08:00:00.000Z', '2022-03-08T07:00:00.000Z'), g('ru', 2, null, '2022-03-08T07:30:00.000Z')];
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T06:59:00Z'))).toEqual([]);
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T07:45:00Z')).sort()).toEqual(['ru', 'ua']);
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T08:00:00Z'))).toEqual(['ru']);
  });
});
