import { DomainError } from './errors.js';
import { parseRfc3339 } from './windows.js';

/**
 * Why a party revokes one of its signing keys, as X.509 distinguishes them (RFC 5280, 5.3.1):
 * - `superseded`: routine rotation (a new liaison officer, a scheduled change). The key was never
 *   compromised, so what it signed while it stood is still the party's word, recorded with its
 *   time in the tamper-evident log: its guarantees keep binding. It only signs nothing more.
 * - `compromised`: lost or stolen. From `since` (RFC 5280's invalidityDate; by default the key's
 *   registration: everything it signed) nobody can tell the party's signature from a thief's, so
 *   its guarantees made at or after `since` no longer bind and the party must sign again.
 */
export const REVOCATION_REASONS = ['superseded', 'compromised'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * A key's revocation from its stored columns, or null while the key stands. A key revoked before
 * reasons were recorded (no reason stored) was retired: revoking then voided nothing (migration
 * 0015 marks such keys so; this reads any it missed the same way). A compromise is one only with
 * its \`since\`.
 */
export function storedRevocation(row: { revokedAt: string | null; reason: string | null; compromisedSince: string | null; compromisedAt: string | null }): KeyRevocation | null {
  if (row.revokedAt === null) return null;
  const reason: RevocationReason = row.reason === 'compromised' && row.compromisedSince !== null ? 'compromised' : 'superseded';
  return reason === 'compromised'
    ? { reason, revokedAt: row.revokedAt, compromisedSince: row.compromisedSince, compromisedAt: row.compromisedAt ?? row.revokedAt }
    : { reason, revokedAt: row.revokedAt, compromisedSince: null, compromisedAt: null };
}

/** What each choice does, in the words the API, the CLI and the docs use. */
export const REVOCATION_CHOICES =
  'reason must be "superseded" (routine rotation: the key signs nothing more, and what it signed stays binding — no corridor changes) or "compromised" (lost or stolen: guarantees it made at or after `since`, by default all of them, are void, and the corridors they guaranteed return to proposed until the party signs again with a key that stands)';

/** A key's revocation as stored: why, and for a compromise from when (`since`) and when it was declared (`compromisedAt`). */
export interface KeyRevocation {
  readonly reason: RevocationReason;
  /** When the key stopped signing (RFC 3339 UTC). */
  readonly revokedAt: string;
  /** `compromised`: from when its signatures are suspect (RFC 3339 UTC), else null. */
  readonly compromisedSince: string | null;
  /** `compromised`: when the compromise was declared (the revocation, or a later one escalating a `superseded`), else null. */
  readonly compromisedAt: string | null;
}

export interface RevocationRequest {
  readonly reason?: string | undefined;
  readonly since?: string | undefined;
}

/** The key being revoked, as far as the rules depend on it. */
export interface RevokedKeyState {
  /** When it was registered (RFC 3339 UTC). */
  readonly createdAt: string;
  /** Its revocation so far, or null while it stands. */
  readonly revocation: KeyRevocation | null;
}

/**
 * What revoking the key with this request does. `{ change: null }`: nothing (the same revocation
 * again). Otherwise the key's revocation from now on, with `voidSince` set when guarantees made
 * at or after that instant stop binding. Throws a DomainError for a request that cannot stand:
 * no or an unknown reason (400, naming both choices), `since` with `superseded`, `since` in the
 * future or before the key was registered (400), and undoing or moving a declared compromise (409).
 */
export function resolveRevocation(req: RevocationRequest, key: RevokedKeyState, nowIso: string): { change: KeyRevocation | null; voidSince: string | null } {
  if (req.reason === undefined || !(REVOCATION_REASONS as readonly string[]).includes(req.reason)) {
    throw new DomainError('validation_failed', `${req.reason === undefined ? 'say why the key is revoked' : `unknown reason "${req.reason}"`}: ${REVOCATION_CHOICES}`);
  }
  const reason = req.reason as RevocationReason;
  const prior = key.revocation;
  if (reason === 'superseded') {
    if (req.since !== undefined) throw new DomainError('validation_failed', '`since` goes only with reason "compromised": a superseded key was never compromised, so nothing it signed is suspect');
    if (prior === null) return { change: { reason, revokedAt: nowIso, compromisedSince: null, compromisedAt: null }, voidSince: null };
    if (prior.reason === 'superseded') return { change: null, voidSince: null };
    throw new DomainError('transition_not_allowed', `key was already revoked as compromised (since ${prior.compromisedSince ?? '?'}): a compromise cannot be withdrawn`);
  }
  let since = key.createdAt;
  if (req.since !== undefined) {
    const ms = parseRfc3339(req.since);
    if (ms === undefined) throw new DomainError('invalid_time', '`since` must be an RFC 3339 date-time with an offset, e.g. 2022-03-08T09:00:00+02:00');
    if (ms > Date.parse(nowIso)) throw new DomainError('invalid_time', `\`since\` (${req.since}) is in the future: a key is known compromised from a moment that has passed`);
    if (ms < Date.parse(key.createdAt)) throw new DomainError('invalid_time', `\`since\` (${req.since}) is before the key was registered (${key.createdAt}): leave it out to void everything the key signed`);
    since = new Date(ms).toISOString();
  }
  if (prior?.reason === 'compromised') {
    if (prior.compromisedSince === since) return { change: null, voidSince: null };
    throw new DomainError('transition_not_allowed', `key was already revoked as compromised since ${prior.compromisedSince ?? '?'}; that stands`);
  }
  // A key retired earlier (superseded) may be found compromised later: its revocation stands as
  // it was, and the compromise is declared now.
  return { change: { reason, revokedAt: prior?.revokedAt ?? nowIso, compromisedSince: since, compromisedAt: nowIso }, voidSince: since };
}
