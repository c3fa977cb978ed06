import { DomainError, type ErrorCode } from '../domain/errors.js';

/** A failure the CLI reports as one line and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Exit codes by error code, so scripts can tell kinds of failure apart:
 * 2 bad input, 3 not allowed, 4 not found, 5 conflict, 6 log verification failed,
 * 7 a witness saw inconsistent tree heads, 1 anything else.
 */
export const EXIT: Record<ErrorCode, number> = {
  validation_failed: 2,
  route_too_short: 2,
  route_degenerate: 2,
  route_edge_too_long: 2,
  route_too_long: 2,
  coordinate_out_of_range: 2,
  width_out_of_range: 2,
  window_end_before_start: 2,
  window_invalid: 2,
  unknown_time_zone: 2,
  invalid_rrule: 2,
  invalid_time: 2,
  unknown_guarantor: 2,
  unknown_party: 2,
  unknown_agreement: 2,
  payload_too_large: 2,
  unsupported_media_type: 2,
  jws_malformed: 2,
  alg_not_allowed: 2,
  key_invalid: 2,
  not_found: 4,
  method_not_allowed: 2,
  key_unknown: 4,
  unauthenticated: 3,
  forbidden: 3,
  token_handed_over: 3,
  key_not_of_party: 3,
  not_a_required_guarantor: 3,
  key_revoked: 3,
  signature_invalid: 3,
  transition_not_allowed: 5,
  version_conflict: 5,
  precondition_failed: 5,
  precondition_required: 5,
  idempotency_key_reused: 5,
  duplicate: 5,
  terms_mismatch: 5,
  already_signed: 5,
  rate_limited: 1,
  dates_out_of_order: 2,
  unknown_agenda_item: 2,
  unknown_round: 2,
  device_in_use: 5,
  // The server says its log store is damaged: what it serves can no longer be verified.
  log_damaged: 6,
};

export function exitCodeFor(code: string | undefined): number {
  return code !== undefined && code in EXIT ? EXIT[code as ErrorCode] : 1;
}

export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof DomainError) return new CliError(`${e.message} (${e.code})`, EXIT[e.code], e.code);
  const err = e as { code?: string; message?: string };
  if (err?.code === 'ECONNREFUSED' || (err as { cause?: { code?: string } })?.cause?.code === 'ECONNREFUSED') {
    return new CliError('cannot reach the Passage server: is `passage serve` running, and is --url right?', 1);
  }
  if (err?.code === 'ENOENT') return new CliError(err.message ?? 'file not found', 2);
  return new CliError(err?.message ?? String(e), 1);
}
