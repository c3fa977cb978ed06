import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { assertRoundInput, buildProtocolText, canReadEntry, describeNextRound, isRealDate, latestToday, openPoints, positionMatrix, requiredSignatories, toHxlCsv, type LedgerContext } from './ledger.js';
import { assertProtocolSignature, assertRoundStarted, awaitsSignatureOf, countingSignatories, isProtocolSigned, protocolKeyNotes } from './ledger-protocol.js';
import type { PositionView, RoundInput } from '../schemas/ledger.js';

const ctx: LedgerContext = { partyExists: (id) => ['ua', 'ru'].includes(id), itemExists: (id) => ['neutrality', 'corridors'].includes(id), round: () => undefined, otherRounds: [] };
const round = (o: Partial<RoundInput> = {}): RoundInput => ({
  number: 1,
  title: '',
  startDate: '2022-02-28',
  venue: { name: 'Gomel region' },
  host: '',
  delegations: [{ partyId: 'ua', head: { name: 'A', title: '' }, members: [] }],
  agenda: [],
  summary: '',
  nextRound: null,
  visibility: 'public',
  ...o,
});
const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as DomainError).code;
  }
  return undefined;
};

describe('ledger rules', () => {
  it('rejects impossible dates and rounds out of order', () => {
    expect(isRealDate('2022-02-29')).toBe(false);
    expect(codeOf(() => assertRoundInput(round({ startDate: '2022-02-29' }), ctx))).toBe('validation_failed');
    expect(codeOf(() => assertRoundInput(round({ endDate: '2022-02-27' }), ctx))).toBe('dates_out_of_order');
    expect(codeOf(() => assertRoundInput(round({ nextRound: { date: '2022-02-28' } }), ctx))).toBe('dates_out_of_order');
    expect(codeOf(() => assertRoundInput(round({ number: 3 }), { ...ctx, otherRounds: [{ id: 'r2', number: 2, startDate: '2022-03-03' }] }))).toBe('dates_out_of_order');
    expect(codeOf(() => assertRoundInput(round({ delegations: [{ partyId: 'xx', head: { name: 'A', title: '' }, members: [] }] }), ctx))).toBe('unknown_party');
    expect(codeOf(() => assertRoundInput(round({ agenda: [{ itemId: 'xx', outcome: 'agreed', note: '' }] }), ctx))).toBe('unknown_agenda_item');
    expect(codeOf(() => assertRoundInput(round(), ctx))).toBeUndefined();
  });

  it('says which points are still open, and since when', () => {
    const rounds = [
      { number: 1, startDate: '2022-02-28', agenda: [{ itemId: 'neutrality', outcome: 'not_agreed' as const, note: '' }, { itemId: 'corridors', outcome: 'deferred' as const, note: '' }] },
      { number: 2, startDate: '2022-03-03', agenda: [{ itemId: 'neutrality', outcome: 'deferred' as const, note: '' }, { itemId: 'corridors', outcome: 'agreed' as const, note: '' }] },
      { number: 3, startDate: '2022-03-07', agenda: [{ itemId: 'neutrality', outcome: 'not_agreed' as const, note: '' }] },
    ];
    const items = [{ id: 'neutrality', title: 'Neutrality' }, { id: 'corridors', title: 'Corridors' }];
    expect(openPoints(rounds, items)).toEqual([{ itemId: 'neutrality', title: 'Neutrality', outcome: 'not_agreed', openSince: '2022-02-28', sinceRound: 1, rounds: [1, 2, 3] }]);
    // Agreed, then reopened: open since the reopening.
    const reopened = [...rounds, { number: 4, startDate: '2022-03-10', agenda: [{ itemId: 'corridors', outcome: 'not_agreed' as const, note: '' }] }];
    expect(openPoints(reopened, items).find((p) => p.itemId === 'corridors')).toMatchObject({ openSince: '2022-03-10', sinceRound: 4 });
    expect(describeNextRound(null)).toBe('to be set');
    expect(describeNextRound({ date: '2022-03-07', venue: 'Belarus' })).toBe('2022-03-07, Belarus');
  });

  it('orders each party’s positions oldest first and names the latest', () => {
    const pos = (id: string, statedOn: string): PositionView =>
      ({ id, itemId: 'neutrality', partyId: 'ru', roundId: null, statedOn, kind: 'demand', text: id, source: { outlet: 'x', date: statedOn }, visibility: 'public', version: 1, createdAt: '', createdBy: '', updatedAt: '', reason: '' }) as PositionView;
    const [row] = positionMatrix([{ id: 'neutrality', title: 'Neutrality' }], ['ua', 'ru'], [pos('b', '2022-03-07'), pos('a', '2022-02-28')]);
    expect(row?.cells.map((c) => [c.partyId, c.history.map((p) => p.id), c.latest?.id ?? null])).toEqual([
      ['ua', [], null],
      ['ru', ['a', 'b'], 'b'],
    ]);
  });

  it('writes CSV with an HXL row under the header, quoting and defusing formulas', () => {
    const csv = toHxlCsv([{ header: 'text', hxl: '#description', value: (r: { t: string }) => r.t }], [{ t: 'a, "b"' }, { t: '=HYPERLINK("x")' }]);
    expect(csv).toBe('text\r\n#description\r\n"a, ""b"""\r\n"\'=HYPERLINK(""x"")"\r\n');
  });
});

describe('who negotiates, who signs, who reads', () => {
  const kinds: Record<string, string> = { ua: 'belligerent', ru: 'belligerent', med: 'mediator', obs: 'observer' };
  const kctx: LedgerContext = { ...ctx, partyExists: (id) => id in kinds, partyKind: (id) => kinds[id] };
  const delegation = (partyId: string) => ({ partyId, head: { name: 'A', title: '' }, members: [] });

  it('takes belligerent delegations only, and a mediator-kind mediatorPartyId', () => {
    expect(codeOf(() => assertRoundInput(round({ delegations: [delegation('med')] }), kctx))).toBe('validation_failed');
    expect(codeOf(() => assertRoundInput(round({ delegations: [delegation('ua'), delegation('obs')] }), kctx))).toBe('validation_failed');
    for (const m of ['ua', 'obs']) expect(codeOf(() => assertRoundInput(round({ mediatorPartyId: m }), kctx))).toBe('validation_failed');
    expect(codeOf(() => assertRoundInput(round({ delegations: [delegation('ua'), delegation('ru')], mediatorPartyId: 'med' }), kctx))).toBeUndefined();
  });

  it('has the belligerent delegations sign, and reads a round of the mediator alone as never signed', () => {
    expect(requiredSignatories(['ua', 'med', 'ru', 'obs'], (id) => kinds[id])).toEqual(['ua', 'ru']);
    const text = buildProtocolText('p', 1, { id: 'r', number: 1, startDate: '2022-03-03', venue: { name: 'v' }, delegations: [delegation('med')] }, { title: 't', points: [], text: '', agreementId: null, visibility: 'public' }, (id) => kinds[id]);
    expect(text.signatories).toEqual([]);
    expect(isProtocolSigned(text.signatories, ['med'])).toBe(false);
  });

  it('refuses a signature before the round starts, judged where the day starts first', () => {
    expect(latestToday(Date.parse('2022-03-02T10:00:00Z'))).toBe('2022-03-03');
    expect(codeOf(() => assertRoundStarted({ roundNumber: 2, date: '2022-03-03' }, latestToday(Date.parse('2022-03-02T09:59:59Z'))))).toBe('transition_not_allowed');
    expect(codeOf(() => assertRoundStarted({ roundNumber: 2, date: '2022-03-03' }, latestToday(Date.parse('2022-03-02T10:00:00Z'))))).toBeUndefined();
  });

  it('lets a position’s party and a protocol’s delegations read them whatever their visibility', () => {
    const ua = { memberId: 'm', partyId: 'ua', partyKind: 'belligerent' as const, role: 'viewer' as const };
    const ru = { ...ua, partyId: 'ru' };
    expect(canReadEntry(ua, 'mediator', { kind: 'position', partyId: 'ua' })).toBe(true);
    expect(canReadEntry(ru, 'mediator', { kind: 'position', partyId: 'ua' })).toBe(false);
    expect(canReadEntry(ru, 'mediator', { kind: 'protocol', partyId: null, signatories: ['ua', 'ru'] })).toBe(true);
    expect(canReadEntry(null, 'mediator', { kind: 'position', partyId: 'ua' })).toBe(false);
    expect(canReadEntry(ua, 'mediator', { kind: 'statement', partyId: 'ua' })).toBe(false);
  });

  it('reads dates of the years 0000–0099 as written', () => {
    expect(isRealDate('0033-04-03')).toBe(true);
    expect(isRealDate('0000-02-29')).toBe(true); // 1 BC, a leap year in the proleptic Gregorian calendar
    expect(isRealDate('0001-02-29')).toBe(false);
    expect(isRealDate('1900-02-29')).toBe(false);
    expect(isRealDate('9999-12-31')).toBe(true);
  });
});

describe('protocol signatures', () => {
  const text = new TextEncoder().encode('{"a":1}');
  const ev = { alg: 'EdDSA', kid: 'k', key: { partyId: 'ua', revoked: false }, signatureValid: true, payload: text };
  const subject = { signerPartyId: 'ua', currentText: text, currentVersion: 1, roundNumber: 2, signatories: ['ua', 'ru'], signedParties: [] };
  it('accepts a delegation’s valid signature over the exact text', () => {
    expect(codeOf(() => assertProtocolSignature(ev, subject))).toBeUndefined();
  });
  it('applies the guarantee rules, then the protocol’s own', () => {
    expect(codeOf(() => assertProtocolSignature({ ...ev, alg: 'HS256' }, subject))).toBe('alg_not_allowed');
    expect(codeOf(() => assertProtocolSignature({ ...ev, key: { partyId: 'ru', revoked: false } }, subject))).toBe('key_not_of_party');
    expect(codeOf(() => assertProtocolSignature({ ...ev, signatureValid: false }, subject))).toBe('signature_invalid');
    expect(codeOf(() => assertProtocolSignature({ ...ev, payload: new TextEncoder().encode('{"a":2}') }, subject))).toBe('terms_mismatch');
    expect(codeOf(() => assertProtocolSignature({ ...ev, key: { partyId: 'aid', revoked: false } }, { ...subject, signerPartyId: 'aid' }))).toBe('not_a_required_guarantor');
    expect(codeOf(() => assertProtocolSignature(ev, { ...subject, signedParties: ['ua'] }))).toBe('already_signed');
  });
});

describe('which protocol signatures count', () => {
  const sig = (partyId: string, version: number, createdAt: string, since: string | null = null) => ({ partyId, version, createdAt, keyCompromise: since === null ? null : { since } });
  it('counts each delegation once, over the current version only', () => {
    expect(countingSignatories([sig('ua', 1, '2022-03-03T18:00:00Z'), sig('ru', 2, '2022-03-04T09:00:00Z'), sig('ua', 2, '2022-03-04T10:00:00Z')], 2)).toEqual(['ru', 'ua']);
    expect(countingSignatories([sig('ua', 1, '2022-03-03T18:00:00Z')], 2)).toEqual([]);
  });
  it('does not count one recorded at or after its key’s compromise, and counts one before it', () => {
    const sigs = [sig('ua', 1, '2022-03-03T18:00:00Z', '2022-03-03T18:00:00Z'), sig('ru', 1, '2022-03-03T18:00:00Z', '2022-03-03T18:00:00.001Z')];
    expect(countingSignatories(sigs, 1)).toEqual(['ru']);
    expect(isProtocolSigned(['ua', 'ru'], countingSignatories(sigs, 1))).toBe(false);
    // The party signs again with a key that stands: the protocol is signed again.
    expect(isProtocolSigned(['ua', 'ru'], countingSignatories([...sigs, sig('ua', 1, '2022-03-09T10:00:00Z')], 1))).toBe(true);
  });
});

describe('what the talks view notes of signatures made with keys revoked since', () => {
  const sig = (partyId: string, version: number, keyRevocationReason: 'superseded' | 'compromised' | null, keyCompromised = false) => ({ partyId, version, keyRevocationReason, keyCompromised });
  it('warns of a compromised one until its delegation signs again, notes a retired one, and ignores earlier versions and standing keys', () => {
    const sigs = [sig('ua', 2, 'compromised', true), sig('ru', 2, 'superseded'), sig('ru', 1, 'compromised', true), sig('ua', 2, null)];
    expect(protocolKeyNotes(sigs, 2, ['ru'])).toEqual([
      { partyId: 'ua', reason: 'compromised', compromised: true },
      { partyId: 'ru', reason: 'superseded', compromised: false },
    ]);
    expect(protocolKeyNotes(sigs, 2, ['ru', 'ua'])).toEqual([{ partyId: 'ru', reason: 'superseded', compromised: false }]);
  });
  it('a protocol awaits a delegation whose signature does not count yet, never a party without a delegation', () => {
    const p = { signatories: ['ua', 'ru'], signedBy: ['ru'] };
    expect(awaitsSignatureOf(p, 'ua')).toBe(true);
    expect(awaitsSignatureOf(p, 'ru')).toBe(false);
    expect(awaitsSignatureOf(p, 'aid')).toBe(false);
  });
});
