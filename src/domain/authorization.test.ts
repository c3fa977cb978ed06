import { describe, expect, it } from 'vitest';
import type { PartyKind, Role } from '../schemas/common.js';
import { authorize, isAllowed, mayHandOverToken, PERMISSIONS, type Actor, type Permission, type Target, refusalMessage } from './authorization.js';
import { DomainError } from './errors.js';

const KINDS: PartyKind[] = ['belligerent', 'mediator', 'humanitarian', 'observer'];
const ROLES: Role[] = ['admin', 'liaison', 'operator', 'viewer'];

/** The acting member belongs to party "own"; targets name "own" or "other". */
const actor = (partyKind: PartyKind, role: Role): Actor => ({ memberId: 'm', partyId: 'own', partyKind, role });

type Case = { target: Target; label: string };
const CASES: Record<Permission, Case[]> = {
  'party.manage': [{ target: {}, label: '' }],
  'member.manage': [
    { target: { partyId: 'own' }, label: 'own party' },
    { target: { partyId: 'other' }, label: 'another party' },
    { target: { partyId: 'other', handover: true }, label: 'another party’s first admin or first token' },
  ],
  'key.manage': [
    { target: { partyId: 'own' }, label: 'own party' },
    { target: { partyId: 'other' }, label: 'another party' },
  ],
  'agreement.create': [{ target: {}, label: '' }],
  'corridor.read': [{ target: {}, label: '' }],
  'corridor.propose': [{ target: {}, label: '' }],
  'corridor.amend': [
    { target: { proposerPartyId: 'own' }, label: 'own proposal' },
    { target: { proposerPartyId: 'other' }, label: 'another party’s proposal' },
  ],
  'corridor.withdraw': [
    { target: { proposerPartyId: 'own' }, label: 'own proposal' },
    { target: { proposerPartyId: 'other' }, label: 'another party’s proposal' },
  ],
  'corridor.reject': [
    { target: { proposerPartyId: 'other', requiredGuarantors: ['own', 'other'] }, label: 'as a required guarantor' },
    { target: { proposerPartyId: 'other', requiredGuarantors: ['other'] }, label: 'not a guarantor' },
    { target: { proposerPartyId: 'own', requiredGuarantors: ['own', 'other'] }, label: 'own proposal' },
  ],
  'corridor.sign': [{ target: {}, label: '' }],
  'corridor.suspend': [{ target: {}, label: '' }],
  'corridor.resume': [{ target: {}, label: '' }],
  'ledger.read': [
    { target: { visibility: 'public' }, label: 'public entry' },
    { target: { visibility: 'parties' }, label: 'entry shared with the parties' },
    { target: { visibility: 'mediator' }, label: 'mediator-only entry' },
  ],
  'ledger.record': [{ target: {}, label: '' }],
  'ledger.position': [
    { target: { partyId: 'own' }, label: 'own party’s position' },
    { target: { partyId: 'other' }, label: 'another party’s position' },
  ],
  'ledger.sign': [{ target: {}, label: '' }],
  'positions.batch.open': [{ target: {}, label: '' }],
  'webhook.read': [
    { target: { partyId: 'own' }, label: 'own party’s subscription' },
    { target: { partyId: 'other' }, label: 'another party’s subscription' },
  ],
  'webhook.manage': [
    { target: { partyId: 'own' }, label: 'own party’s subscription' },
    { target: { partyId: 'other' }, label: 'another party’s subscription' },
  ],
};

/** The expected answer, stated as a table of who may, independent of the implementation's switch. */
function expected(kind: PartyKind, role: Role, p: Permission, c: Case): boolean {
  const negotiator = role === 'admin' || role === 'liaison';
  const t = c.target;
  switch (p) {
    case 'corridor.read':
      return true;
    case 'party.manage':
      return kind === 'mediator' && role === 'admin';
    case 'member.manage':
      return role === 'admin' && (t.partyId === 'own' || (kind === 'mediator' && c.label === 'another party’s first admin or first token'));
    case 'key.manage':
      return negotiator && t.partyId === 'own';
    case 'agreement.create':
    case 'corridor.suspend':
    case 'corridor.resume':
      return kind === 'mediator' && negotiator;
    case 'corridor.propose':
      return negotiator && (kind === 'mediator' || kind === 'belligerent');
    case 'corridor.amend':
    case 'corridor.withdraw':
      return negotiator && (kind === 'mediator' || t.proposerPartyId === 'own');
    case 'corridor.reject':
      return negotiator && c.label === 'as a required guarantor';
    case 'corridor.sign':
      return negotiator && kind !== 'observer';
    case 'ledger.read':
      return c.label === 'public entry' || (c.label === 'entry shared with the parties' && (kind === 'mediator' || kind === 'belligerent')) || (c.label === 'mediator-only entry' && kind === 'mediator');
    case 'ledger.record':
      return kind === 'mediator' && negotiator;
    case 'ledger.position':
      return negotiator && (kind === 'mediator' || (kind === 'belligerent' && t.partyId === 'own'));
    case 'ledger.sign':
      return negotiator && kind !== 'observer';
    case 'positions.batch.open':
      return kind === 'mediator';
    case 'webhook.read':
      return kind === 'mediator' || t.partyId === 'own';
    case 'webhook.manage':
      return role !== 'viewer' && t.partyId === 'own';
  }
}

describe('authorisation matrix: every party kind × role × permission', () => {
  it('covers every permission', () => {
    expect(Object.keys(CASES).sort()).toEqual([...PERMISSIONS].sort());
  });
  for (const kind of KINDS) {
    for (const role of ROLES) {
      for (const p of PERMISSIONS) {
        for (const c of CASES[p]) {
          const want = expected(kind, role, p, c);
          it(`${want ? 'allows' : 'denies'} a ${kind} ${role} ${p}${c.label ? ` (${c.label})` : ''}`, () => {
            expect(isAllowed(actor(kind, role), p, c.target)).toBe(want);
            if (want) expect(() => authorize(actor(kind, role), p, c.target)).not.toThrow();
            else expect(() => authorize(actor(kind, role), p, c.target)).toThrow(expect.objectContaining({ code: 'forbidden' }) as unknown as DomainError);
          });
        }
      }
    }
  }
  it('never lets the mediator register or revoke another party’s signing keys', () => {
    expect(isAllowed(actor('mediator', 'admin'), 'key.manage', { partyId: 'other' })).toBe(false);
  });
});

describe('handing a token over', () => {
  it('only to an admin holding none, of a party that does not act by itself', () => {
    expect(mayHandOverToken({ role: 'admin', holdsToken: false }, { actsByItself: false })).toBe(true);
    expect(mayHandOverToken({ role: 'admin', holdsToken: false }, { actsByItself: true })).toBe(false);
    expect(mayHandOverToken({ role: 'admin', holdsToken: true }, { actsByItself: false })).toBe(false);
    for (const role of ['liaison', 'operator', 'viewer'] as const) expect(mayHandOverToken({ role, holdsToken: false }, { actsByItself: false })).toBe(false);
  });
});

describe('refusals say who may instead', () => {
  it('names the actor in words and the rule it did not meet', () => {
    expect(refusalMessage({ partyKind: 'belligerent', role: 'liaison' }, 'corridor.suspend')).toBe('a belligerent party’s liaison officer may not suspend corridors: only the mediator’s admins and liaison officers do');
    expect(refusalMessage({ partyKind: 'observer', role: 'viewer' }, 'corridor.propose')).toBe('an observer party’s viewer may not propose corridors: admins and liaison officers of the mediator or of a belligerent party do');
    expect(refusalMessage({ partyKind: 'mediator', role: 'admin' }, 'key.manage')).toBe('the mediator’s admin may not manage this party’s keys: only the party’s own admins and liaison officers do');
    expect(() => authorize(actor('belligerent', 'liaison'), 'corridor.suspend')).toThrow('a belligerent party’s liaison officer may not suspend corridors');
  });
});
