import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { resolveRevocation, storedRevocation, type KeyRevocation } from './key-revocation.js';

const NOW = '2022-03-08T08:30:00.000Z';
const key = (revocation: KeyRevocation | null = null) => ({ createdAt: '2022-03-01T10:00:00.000Z', revocation });
const refusal = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('not refused');
};

describe('revoking a key says why', () => {
  it('refuses no reason or an unknown one, naming both choices and what each does', () => {
    for (const reason of [undefined, 'lost', '']) {
      const e = refusal(() => resolveRevocation({ reason }, key(), NOW));
      expect(e.code).toBe('validation_failed');
      expect(e.message).toMatch(/"superseded" \(routine rotation: .*what it signed stays binding.*"compromised" \(lost or stolen: guarantees it made at or after `since`/);
    }
  });

  it('superseded voids nothing, and takes no since', () => {
    expect(resolveRevocation({ reason: 'superseded' }, key(), NOW)).toEqual({ change: { reason: 'superseded', revokedAt: NOW, compromisedSince: null, compromisedAt: null }, voidSince: null });
    expect(refusal(() => resolveRevocation({ reason: 'superseded', since: NOW }, key(), NOW)).code).toBe('validation_failed');
  });

  it('compromised voids from the key’s registration by default, or from since (normalised to UTC)', () => {
    expect(resolveRevocation({ reason: 'compromised' }, key(), NOW)).toEqual({
      change: { reason: 'compromised', revokedAt: NOW, compromisedSince: '2022-03-01T10:00:00.000Z', compromisedAt: NOW },
      voidSince: '2022-03-01T10:00:00.000Z',
    });
    expect(resolveRevocation({ reason: 'compromised', since: '2022-03-08T09:00:00+02:00' }, key(), NOW).voidSince).toBe('2022-03-08T07:00:00.000Z');
    expect(resolveRevocation({ reason: 'compromised', since: NOW }, key(), NOW).voidSince).toBe(NOW);
  });

  it('refuses a since in the future, before the key was registered, or not RFC 3339', () => {
    for (const since of ['2022-03-08T08:30:00.001Z', '2022-03-01T09:59:59Z', '8 March']) {
      const e = refusal(() => resolveRevocation({ reason: 'compromised', since }, key(), NOW));
      expect(e.code, since).toBe('invalid_time');
    }
  });

  it('the same revocation again changes nothing; a retired key may be found compromised later; a compromise stands', () => {
    const retired: KeyRevocation = { reason: 'superseded', revokedAt: '2022-03-05T00:00:00.000Z', compromisedSince: null, compromisedAt: null };
    expect(resolveRevocation({ reason: 'superseded' }, key(retired), NOW)).toEqual({ change: null, voidSince: null });
    expect(resolveRevocation({ reason: 'compromised', since: '2022-03-04T00:00:00Z' }, key(retired), NOW)).toEqual({
      change: { reason: 'compromised', revokedAt: '2022-03-05T00:00:00.000Z', compromisedSince: '2022-03-04T00:00:00.000Z', compromisedAt: NOW },
      voidSince: '2022-03-04T00:00:00.000Z',
    });
    const stolen: KeyRevocation = { reason: 'compromised', revokedAt: '2022-03-05T00:00:00.000Z', compromisedSince: '2022-03-04T00:00:00.000Z', compromisedAt: '2022-03-05T00:00:00.000Z' };
    expect(resolveRevocation({ reason: 'compromised', since: '2022-03-04T00:00:00Z' }, key(stolen), NOW)).toEqual({ change: null, voidSince: null });
    expect(refusal(() => resolveRevocation({ reason: 'compromised' }, key(stolen), NOW)).code).toBe('transition_not_allowed');
    expect(refusal(() => resolveRevocation({ reason: 'superseded' }, key(stolen), NOW)).code).toBe('transition_not_allowed');
  });
});

describe('a revocation as stored', () => {
  const at = '2022-03-08T08:30:00.000Z';
  it('is none while the key stands, retired when no reason was recorded, and a compromise only with its since', () => {
    expect(storedRevocation({ revokedAt: null, reason: null, compromisedSince: null, compromisedAt: null })).toBeNull();
    expect(storedRevocation({ revokedAt: at, reason: null, compromisedSince: null, compromisedAt: null })).toEqual({ reason: 'superseded', revokedAt: at, compromisedSince: null, compromisedAt: null });
    expect(storedRevocation({ revokedAt: at, reason: 'compromised', compromisedSince: '2022-03-01T00:00:00.000Z', compromisedAt: null })).toEqual({ reason: 'compromised', revokedAt: at, compromisedSince: '2022-03-01T00:00:00.000Z', compromisedAt: at });
    expect(storedRevocation({ revokedAt: at, reason: 'compromised', compromisedSince: null, compromisedAt: null })?.reason).toBe('superseded');
  });
});
