import type { CorridorState } from '../schemas/corridor.js';
import { canApply } from './corridor-lifecycle.js';
import { DomainError } from './errors.js';

/** What the adapter learnt from the JWS and the key store, before any rule is applied. */
export interface GuaranteeEvidence {
  /** The protected header's `alg`. */
  readonly alg: unknown;
  /** The protected header's `kid`. */
  readonly kid: unknown;
  /** Whether `b64: false` or `crit` make the JWS something other than a plain compact JWS. */
  readonly unsupportedHeader?: string | undefined;
  /** The registered key named by `kid`, if any. */
  readonly key?: { readonly partyId: string; readonly revoked: boolean } | undefined;
  /** The result of verifying the signature with that key (false when there is no key). */
  readonly signatureValid: boolean;
  /** The embedded payload bytes. */
  readonly payload: Uint8Array;
}

export interface GuaranteeSubject {
  /** The party the signing member belongs to. */
  readonly signerPartyId: string;
  /** RFC 8785 bytes of the corridor's current terms. */
  readonly currentTerms: Uint8Array;
  readonly currentVersion: number;
  readonly requiredGuarantors: readonly string[];
  /** Parties that already hold a guarantee over the current version. */
  readonly signedParties: readonly string[];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The version named inside a payload, when it parses as terms at all (for a helpful message). */
function payloadVersion(payload: Uint8Array): number | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (v && typeof v === 'object' && 'version' in v && typeof v.version === 'number') return v.version;
  } catch {
    /* not JSON: no version to name */
  }
  return undefined;
}

/**
 * Every rule a guarantee must pass, in the order a signer would want to learn of them.
 * A guarantee binds only if: it is EdDSA; its key is registered, not revoked, and the signer's
 * party's; the signature verifies; its payload is byte-equal to the current terms; the party
 * is a required guarantor; and the party has not already signed this version.
 */
export function assertGuarantee(ev: GuaranteeEvidence, subject: GuaranteeSubject): void {
  if (ev.unsupportedHeader !== undefined) {
    throw new DomainError('jws_malformed', `unsupported JWS header: ${ev.unsupportedHeader}`);
  }
  if (ev.alg !== 'EdDSA') {
    throw new DomainError('alg_not_allowed', `alg must be EdDSA (Ed25519), got ${JSON.stringify(ev.alg)}`);
  }
  if (typeof ev.kid !== 'string' || ev.kid.length === 0) {
    throw new DomainError('jws_malformed', 'the protected header must name the key with "kid"');
  }
  if (ev.key === undefined) throw new DomainError('key_unknown', `no registered key with kid ${ev.kid}`);
  if (ev.key.partyId !== subject.signerPartyId) {
    throw new DomainError('key_not_of_party', `key ${ev.kid} belongs to another party than the signer's`);
  }
  if (ev.key.revoked) throw new DomainError('key_revoked', `key ${ev.kid} was revoked`);
  if (!ev.signatureValid) throw new DomainError('signature_invalid', 'the signature does not verify with the named key');
  if (!bytesEqual(ev.payload, subject.currentTerms)) {
    const v = payloadVersion(ev.payload);
    const hint =
      v !== undefined && v !== subject.currentVersion
        ? `it was signed over version ${v}; the current version is ${subject.currentVersion}`
        : `fetch GET /terms and sign those exact bytes (version ${subject.currentVersion})`;
    throw new DomainError('terms_mismatch', `the signed payload is not the current terms: ${hint}`, {
      extra: { currentVersion: subject.currentVersion, signedVersion: v ?? null },
    });
  }
  if (!subject.requiredGuarantors.includes(subject.signerPartyId)) {
    throw new DomainError('not_a_required_guarantor', 'the signer’s party is not a required guarantor of this corridor');
  }
  if (subject.signedParties.includes(subject.signerPartyId)) {
    throw new DomainError('already_signed', `the party already signed version ${subject.currentVersion}`);
  }
}

/** A stored guarantee, as far as whether it still binds depends on it. */
export interface GuaranteeRecord {
  readonly partyId: string;
  /** The version of the terms it signs. */
  readonly version: number;
  /** When it was given, i.e. recorded (RFC 3339). */
  readonly createdAt: string;
  /**
   * When the key it was made with was declared compromised, and from when its signatures are
   * suspect (RFC 3339 both); null while that key stands or was only retired (superseded).
   */
  readonly keyCompromise: { readonly since: string; readonly declaredAt: string } | null;
}

/** Why a guarantee no longer binds: the terms were amended after it, or its key was compromised when it was made. */
export type GuaranteeVoid = 'amended' | 'key_compromised';

/**
 * Whether a guarantee binds, and if not why. A guarantee binds only while it signs the current
 * version and was not made with a key compromised at the time (key-revocation.ts). A key retired
 * routinely (`superseded`) was never compromised: what it signed while it stood is still the
 * party's word, recorded with its time in the log, so its guarantees keep binding. A key lost or
 * stolen (`compromised`) makes its signatures from `since` on indistinguishable from a thief's:
 * a guarantee recorded at or after `since` is void like one of amended terms — and the party must
 * sign again with a key that stands; one recorded before `since` stands.
 */
export function guaranteeVoid(g: GuaranteeRecord, currentVersion: number): GuaranteeVoid | null {
  if (g.version !== currentVersion) return 'amended';
  if (madeWhileCompromised(g)) return 'key_compromised';
  return null;
}

function madeWhileCompromised(g: GuaranteeRecord): boolean {
  return signedWhileCompromised(g.createdAt, g.keyCompromise);
}

/**
 * Whether a signature recorded at `createdAt` was made with its key compromised at the time (at
 * or after the compromise's `since`): it can no longer be told from a thief's. The rule behind
 * `guaranteeVoid`, and behind the mark on a protocol signature made that way.
 */
export function signedWhileCompromised(createdAt: string, keyCompromise: { readonly since: string } | null): boolean {
  return keyCompromise !== null && Date.parse(createdAt) >= Date.parse(keyCompromise.since);
}

/**
 * The parties whose guarantee of the current version binds (`guaranteeVoid` is null). With `at`
 * (epoch ms): those whose guarantee bound at that instant — given by then, and not yet voided by
 * the declaration of its key's compromise (history before the declaration is not rewritten).
 */
export function bindingGuarantors(gs: readonly GuaranteeRecord[], currentVersion: number, at?: number): string[] {
  const out = new Set<string>();
  for (const g of gs) {
    if (g.version !== currentVersion) continue;
    const voided = madeWhileCompromised(g);
    if (at === undefined ? voided : Date.parse(g.createdAt) > at || (voided && Date.parse(g.keyCompromise?.declaredAt ?? '') <= at)) continue;
    out.add(g.partyId);
  }
  return [...out];
}

/** A corridor as the API shows it, as far as what a compromise of one key would void. */
export interface CorridorGuarantees {
  readonly state: CorridorState;
  readonly version: number;
  readonly guarantees: readonly { readonly partyId: string; readonly kid: string; readonly version: number; readonly createdAt: string; readonly valid: boolean }[];
}

/**
 * Whether declaring `kid` compromised from `since` would take a binding guarantee from this
 * corridor while it is still in play (proposed, guaranteed, suspended) — what the operations app's
 * confirmation names before it revokes (`guaranteeVoid`, the rule the server then applies).
 */
export function losesGuaranteeIfCompromised(c: CorridorGuarantees, kid: string, since: string): boolean {
  if (!canApply(c.state, 'void')) return false;
  const keyCompromise = { since, declaredAt: since };
  return c.guarantees.some((g) => g.kid === kid && g.valid && guaranteeVoid({ partyId: g.partyId, version: g.version, createdAt: g.createdAt, keyCompromise }, c.version) === 'key_compromised');
}

/** Whether, once `newSigner` is added, every required guarantor has signed. */
export function isFullyGuaranteed(required: readonly string[], signed: readonly string[]): boolean {
  const set = new Set(signed);
  return required.every((p) => set.has(p));
}
