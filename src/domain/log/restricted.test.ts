import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../corridor-terms.js';
import { commitmentOfEntry, openingCommitment, openingProblem, RESTRICTED, type LogOpening } from './restricted.js';
import { sha256Js as sha } from './sha256-js.js';

const opening: LogOpening = { salt: 'ab'.repeat(32), actor: 'mem_1', action: 'movement.acknowledged', subject: 'movement/mov_1', payload: { movementId: 'mov_1', partyId: 'ua' } };
const entryOf = (commitment: string, index = 78): string =>
  canonicalJson({ index, time: '2022-03-08T08:00:00.000Z', actor: RESTRICTED, action: RESTRICTED, subject: RESTRICTED, payload: { commitment } });

describe('an opening checked against its entry', () => {
  const entry = entryOf(openingCommitment(opening, canonicalJson, sha));

  it('passes the opening the entry commits to', () => {
    expect(commitmentOfEntry(entry)).toBe(openingCommitment(opening, canonicalJson, sha));
    expect(openingProblem(entry, opening, canonicalJson, sha)).toBeUndefined();
    // Key order and spacing do not matter: the commitment is over the RFC 8785 form.
    expect(openingProblem(entry, JSON.parse(JSON.stringify({ payload: opening.payload, subject: opening.subject, salt: opening.salt, action: opening.action, actor: opening.actor })), canonicalJson, sha)).toBeUndefined();
  });

  it('names an altered one, one of another shape, and an opening kept for an entry that is not restricted', () => {
    expect(openingProblem(entry, { ...opening, action: 'movement.rejected' }, canonicalJson, sha)).toMatch(/^the opening kept for it hashes to commitment [0-9a-f]{64}, but the entry carries [0-9a-f]{64}: the opening was altered$/);
    expect(openingProblem(entry, { ...opening, salt: 'xyz' }, canonicalJson, sha)).toMatch(/is not an opening/);
    expect(openingProblem(entry, 'garbage', canonicalJson, sha)).toMatch(/is not an opening/);
    const plain = canonicalJson({ index: 3, time: '2022-03-08T08:00:00.000Z', actor: 'mem_1', action: 'corridor.proposed', subject: 'corridor/c', payload: {} });
    expect(commitmentOfEntry(plain)).toBeUndefined();
    expect(openingProblem(plain, opening, canonicalJson, sha)).toBe('the entry is not a restricted entry, yet an opening is kept for it');
  });
});
