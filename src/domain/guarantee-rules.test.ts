import { describe, expect, it } from 'vitest';
import { bindingGuarantors, guaranteeVoid, type GuaranteeRecord } from './guarantee-rules.js';

type Compromise = GuaranteeRecord['keyCompromise'];
const g = (partyId: string, version: number, keyCompromise: Compromise = null, createdAt = '2022-03-08T07:00:00.000Z'): GuaranteeRecord => ({ partyId, version, createdAt, keyCompromise });
/** Declared compromised at 08:00 (as of `since`). */
const compromised = (since: string, declaredAt = '2022-03-08T08:00:00.000Z'): Compromise => ({ since, declaredAt });

describe('whether a guarantee binds', () => {
  it('binds while it signs the current version and its key stands — or was only retired (superseded: keyCompromise null)', () => {
    expect(guaranteeVoid(g('ua', 2), 2)).toBeNull();
  });

  it('is void once the terms are amended, and when its key was compromised from before it was recorded', () => {
    expect(guaranteeVoid(g('ua', 1), 2)).toBe('amended');
    expect(guaranteeVoid(g('ua', 2, compromised('2022-03-01T00:00:00.000Z')), 2)).toBe('key_compromised');
    // At `since` exactly: suspect.
    expect(guaranteeVoid(g('ua', 2, compromised('2022-03-08T07:00:00.000Z')), 2)).toBe('key_compromised');
    // Both: the amendment came first in the terms' life, and says what a re-signature must sign.
    expect(guaranteeVoid(g('ua', 1, compromised('2022-03-01T00:00:00.000Z')), 2)).toBe('amended');
  });

  it('stands when recorded before the key was compromised', () => {
    expect(guaranteeVoid(g('ua', 2, compromised('2022-03-08T07:00:00.001Z')), 2)).toBeNull();
    expect(guaranteeVoid(g('ua', 2, compromised('2022-03-08T07:30:00+00:30')), 2)).toBe('key_compromised'); // = 07:00Z
  });

  it('counts only binding guarantees of the current version, so a party whose key was compromised may sign again', () => {
    const gs = [g('ua', 1), g('ua', 2, compromised('2022-03-01T00:00:00.000Z')), g('ru', 2)];
    expect(bindingGuarantors(gs, 2)).toEqual(['ru']);
    expect(bindingGuarantors([...gs, g('ua', 2, null, '2022-03-08T09:00:00.000Z')], 2).sort()).toEqual(['ru', 'ua']);
    expect(bindingGuarantors([g('ua', 2, compromised('2022-03-08T07:30:00.000Z'))], 2)).toEqual(['ua']);
  });

  it('at an instant, counts the guarantees given by then and not yet voided by the declaration of their key’s compromise', () => {
    const gs = [g('ua', 2, compromised('2022-03-01T00:00:00.000Z'), '2022-03-08T07:00:00.000Z'), g('ru', 2, null, '2022-03-08T07:30:00.000Z')];
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T06:59:00Z'))).toEqual([]);
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T07:45:00Z')).sort()).toEqual(['ru', 'ua']);
    expect(bindingGuarantors(gs, 2, Date.parse('2022-03-08T08:00:00Z'))).toEqual(['ru']);
  });
});
