import { describe, expect, it } from 'vitest';
import type { Actor } from './authorization.js';
import { canRecordReceipt, countTimeProblem, receiptRefusal } from './movement.js';

const actor = (partyId: string, partyKind: Actor['partyKind'], role: Actor['role'] = 'operator'): Actor => ({ memberId: `m-${partyId}-${role}`, partyId, partyKind, role });
const names = (id: string): string => ({ recv: 'Poltava warehouse' })[id] ?? id;

describe('who records a cargo receipt', () => {
  const m = { operatorPartyId: 'aid', distribution: ['ua', 'recv', 'ngo'], receivingPartyId: 'recv' };

  it('the receiving party the movement names: its admins, operators and liaison officers', () => {
    for (const role of ['admin', 'operator', 'liaison'] as const) expect(canRecordReceipt(actor('recv', 'humanitarian', role), m)).toBe(true);
    expect(receiptRefusal(actor('recv', 'humanitarian', 'viewer'), m, names)).toBe('a humanitarian party’s viewer may not confirm delivery of this movement’s cargo: only the receiving party’s admins, operators and liaison officers do');
  });

  it('never the operator that sent the cargo, whatever its role, and it is told who may instead', () => {
    for (const role of ['admin', 'operator', 'liaison', 'viewer'] as const) {
      expect(receiptRefusal(actor('aid', 'humanitarian', role), m, names)).toBe('the party that sent this movement may not confirm delivery of its own cargo: only the receiving party, Poltava warehouse (recv), does — its admins, operators and liaison officers');
    }
    // Even when the operator is the mediator (it may notify movements too).
    expect(canRecordReceipt(actor('mediator', 'mediator', 'admin'), { ...m, operatorPartyId: 'mediator' })).toBe(false);
  });

  it('not the mediator, nor another humanitarian party on the distribution, nor a belligerent', () => {
    expect(receiptRefusal(actor('mediator', 'mediator', 'liaison'), m, names)).toBe('the mediator’s liaison officer may not confirm delivery of this movement’s cargo: only the receiving party, Poltava warehouse (recv), does — its admins, operators and liaison officers');
    expect(canRecordReceipt(actor('ngo', 'humanitarian'), m)).toBe(false);
    expect(canRecordReceipt(actor('ua', 'belligerent', 'liaison'), m)).toBe(false);
  });

  it('a movement notified before it named a receiving party: a humanitarian party on its distribution other than its operator', () => {
    const legacy = { operatorPartyId: 'aid', distribution: ['ua', 'ngo'] };
    expect(canRecordReceipt(actor('ngo', 'humanitarian'), legacy)).toBe(true);
    expect(receiptRefusal(actor('aid', 'humanitarian'), legacy)).toBe('the party that sent this movement may not confirm delivery of its own cargo: only a humanitarian party on its distribution other than its operator does — its admins, operators and liaison officers');
    expect(canRecordReceipt(actor('ua', 'belligerent', 'liaison'), legacy)).toBe(false);
    expect(canRecordReceipt(actor('other', 'humanitarian'), legacy)).toBe(false);
    expect(canRecordReceipt(actor('mediator', 'mediator', 'liaison'), legacy)).toBe(false);
  });
});

describe('the time of a count', () => {
  const now = Date.parse('2022-03-08T12:00:00Z');
  const dep = Date.parse('2022-03-08T08:00:00Z');
  const cp = Date.parse('2022-03-08T10:00:00Z');
  it('is not in the future beyond five minutes of clock skew', () => {
    expect(countTimeProblem('departed', now + 4 * 60_000, now, { departedAt: null, latestCheckinAt: null })).toBeUndefined();
    expect(countTimeProblem('departed', now + 6 * 60_000, now, { departedAt: null, latestCheckinAt: null })).toMatch(/in the future/);
  });
  it('follows the departure, and an arrival follows the check-ins (a check-in may be recorded late, out of order)', () => {
    const before = { departedAt: dep, latestCheckinAt: cp };
    expect(countTimeProblem('checkpoint', dep - 1, now, before)).toMatch(/before the departure/);
    expect(countTimeProblem('checkpoint', dep + 60_000, now, before)).toBeUndefined();
    expect(countTimeProblem('received', dep - 1, now, before)).toMatch(/before the departure/);
    expect(countTimeProblem('arrived', cp - 1, now, before)).toMatch(/before the last check-in/);
    expect(countTimeProblem('arrived', cp, now, before)).toBeUndefined();
  });
});
