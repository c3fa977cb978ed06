/** Every way a log operation can fail, as a closed set of machine-readable codes. */
export const LOG_ERROR_CODES = [
  'invalid_argument',
  'index_out_of_range',
  'node_missing',
  'proof_invalid',
  'frontier_invalid',
  'note_malformed',
  'checkpoint_malformed',
  'key_malformed',
  'signature_invalid',
  'signature_missing',
  'inconsistent_heads',
] as const;

export type LogErrorCode = (typeof LOG_ERROR_CODES)[number];

export class LogError extends Error {
  override readonly name = 'LogError';
  readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isLogError(err: unknown, code?: LogErrorCode): err is LogError {
  return err instanceof LogError && (code === undefined || err.code === code);
}
