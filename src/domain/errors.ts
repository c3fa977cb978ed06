/**
 * The closed set of error codes the domain and application layers raise.
 * The HTTP layer maps each code to a status (src/http/problem.ts, checked for
 * completeness by the compiler) and the CLI maps them to exit codes.
 */
export const ERROR_CODES = [
  // input
  'validation_failed',
  'route_too_short',
  'route_degenerate',
  'route_edge_too_long',
  'route_too_long',
  'coordinate_out_of_range',
  'width_out_of_range',
  'window_end_before_start',
  'window_invalid',
  'unknown_time_zone',
  'invalid_rrule',
  'unknown_guarantor',
  'unknown_party',
  'unknown_agreement',
  'invalid_time',
  'payload_too_large',
  'unsupported_media_type',
  'not_found',
  'method_not_allowed',
  // identity and permission
  'unauthenticated',
  'forbidden',
  'token_handed_over',
  // lifecycle and concurrency
  'transition_not_allowed',
  'version_conflict',
  'precondition_failed',
  'precondition_required',
  'idempotency_key_reused',
  'duplicate',
  // guarantees and keys
  'jws_malformed',
  'alg_not_allowed',
  'key_unknown',
  'key_not_of_party',
  'key_invalid',
  'key_revoked',
  'signature_invalid',
  'terms_mismatch',
  'not_a_required_guarantor',
  'already_signed',
  'rate_limited',
  // negotiation ledger
  'dates_out_of_order',
  'unknown_agenda_item',
  'unknown_round',
  // movements and tracking
  'device_in_use',
  // the server's own store
  'log_damaged',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  /** JSON Pointer-ish path to the offending input, e.g. "/route/coordinates/3". */
  readonly path?: string;
  readonly message: string;
  /**
   * What is wrong with it, for programs: `required` when the value is missing or empty where
   * one is needed, else the schema's issue code (`invalid_type`, `too_big`, …). Clients choose
   * their own words by it instead of reading `message`, which is English and may change.
   */
  readonly code?: string;
}

/** A rule was broken. `message` is for people; `code` is the stable contract. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, opts: { details?: readonly ErrorDetail[]; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = opts.details ?? [];
    this.extra = opts.extra ?? {};
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
