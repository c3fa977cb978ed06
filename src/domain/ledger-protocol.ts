import { DomainError } from './errors.js';
import type { RevocationReason } from './key-revocation.js';
import { assertGuarantee, isFullyGuaranteed, signedWhileCompromised, type GuaranteeEvidence } from './guarantee-rules.js';

/** A protocol version and who signed it, as the signature rules need it. */
export interface ProtocolSubject {
  readonly signerPartyId: string;
  /** RFC 8785 bytes of the protocol's current agreed text. */
  readonly currentText: Uint8Array;
  readonly currentVersion: number;
  readonly roundNumber: number;
  /** The delegations' party ids: each signs. */
  readonly signatories: readonly string[];
  /** Parties that already signed the current version. */
  readonly signedParties: readonly string[];
}

/**
 * Every rule a delegation's signature over a protocol must pass. The key, algorithm and
 * signature rules are exactly a corridor guarantee's (`assertGuarantee`: EdDSA, a registered
 * unrevoked key of the signer's own party, a signature that verifies, a payload byte-equal to the
 * current text); then the signer's party must be a delegation of the round, and sign only once.
 */
export function assertProtocolSignature(ev: GuaranteeEvidence, s: ProtocolSubject): void {
  try {
    // The guarantor and once-only checks are the protocol's own, below, with the protocol's words.
    assertGuarantee(ev, { signerPartyId: s.signerPartyId, currentTerms: s.currentText, currentVersion: s.currentVersion, requiredGuarantors: [s.signerPartyId], signedParties: [] });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'terms_mismatch') {
      throw new DomainError('terms_mismatch', `the signed payload is not the protocol's current text: fetch GET /protocols/{id}/text and sign those exact bytes (version ${s.currentVersion})`, { extra: e.extra });
    }
    throw e;
  }
  if (!s.signatories.includes(s.signerPartyId)) {
    throw new DomainError('not_a_required_guarantor', `the signer’s party had no delegation at round ${s.roundNumber}: only ${s.signatories.join(', ')} sign its protocol`);
  }
  if (s.signedParties.includes(s.signerPartyId)) {
    throw new DomainError('already_signed', `the party already signed version ${s.currentVersion} of this protocol`);
  }
}

/** A round with no belligerent delegation (recorded before that rule) has nobody to sign a protocol: none is made for it. */
export function assertSignatories(text: { readonly roundNumber: number; readonly signatories: readonly string[] }): void {
  if (text.signatories.length === 0) {
    throw new DomainError('transition_not_allowed', `round ${text.roundNumber} has no belligerent delegation to sign a protocol: correct the round's delegations first`);
  }
}

/**
 * A protocol records what a round agreed: it is not signed before the round starts. `today` is
 * the date where it is latest (UTC+14, `latestToday`), so that a delegation signing on the first
 * day of the round is never refused because of the server's time zone.
 */
export function assertRoundStarted(text: { readonly roundNumber: number; readonly date: string }, today: string): void {
  if (today < text.date) {
    throw new DomainError('transition_not_allowed', `round ${text.roundNumber} starts on ${text.date}: its protocol records what the round agreed and cannot be signed before then (it is ${today} at the latest anywhere on Earth)`);
  }
}

/** A delegation's recorded signature over one version of a protocol, as the counting rule needs it. */
export interface ProtocolSignatureRecord {
  readonly partyId: string;
  readonly version: number;
  /** When the server recorded it. */
  readonly createdAt: string;
  /** The compromise its key was declared to have suffered, if any (key-revocation.ts). */
  readonly keyCompromise: { readonly since: string } | null;
}

/**
 * Whether a signature counts towards the protocol being signed: it signs the current version, and
 * was not recorded with its key compromised at the time — such a signature can no longer be told
 * from a thief's, exactly like a guarantee (`guaranteeVoid`). The record of the talks keeps it;
 * the party signs again with a key that stands if it stands by the text.
 */
export function signatureCounts(s: ProtocolSignatureRecord, currentVersion: number): boolean {
  return s.version === currentVersion && !signedWhileCompromised(s.createdAt, s.keyCompromise);
}

/** The delegations whose signature of the current version counts (`signatureCounts`). */
export function countingSignatories(sigs: readonly ProtocolSignatureRecord[], currentVersion: number): string[] {
  return [...new Set(sigs.filter((s) => signatureCounts(s, currentVersion)).map((s) => s.partyId))];
}

/** Whether every delegation has signed the current version. */
export function isProtocolSigned(signatories: readonly string[], signed: readonly string[]): boolean {
  return signatories.length > 0 && isFullyGuaranteed(signatories, signed);
}

/** Whether the protocol awaits `partyId`'s signature of its current version: a delegation whose signature does not count yet. */
export function awaitsSignatureOf(p: { readonly signatories: readonly string[]; readonly signedBy: readonly string[] }, partyId: string): boolean {
  return p.signatories.includes(partyId) && !p.signedBy.includes(partyId);
}

/**
 * What the talks view notes of a protocol's signatures of its current version made with a key
 * revoked since: one made while its key was compromised is warned about (`compromised`) until its
 * delegation has signed again (`signedBy`); one whose key was retired, or compromised only later,
 * gets a neutral note.
 */
export function protocolKeyNotes(
  sigs: readonly { readonly partyId: string; readonly version: number; readonly keyRevocationReason: RevocationReason | null; readonly keyCompromised: boolean }[],
  currentVersion: number,
  signedBy: readonly string[],
): { partyId: string; reason: RevocationReason; compromised: boolean }[] {
  return sigs.flatMap((s) =>
    s.version !== currentVersion || s.keyRevocationReason === null || (s.keyCompromised && signedBy.includes(s.partyId)) ? [] : [{ partyId: s.partyId, reason: s.keyRevocationReason, compromised: s.keyCompromised }],
  );
}
