import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, type ErrorCode, type ErrorDetail } from '../domain/errors.js';
import { storeUnavailable } from '../store/unavailable.js';

/** Every error code's HTTP status. The compiler insists that each code has one. */
export const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  route_too_short: 400,
  route_degenerate: 400,
  route_edge_too_long: 400,
  route_too_long: 400,
  coordinate_out_of_range: 400,
  width_out_of_range: 400,
  window_end_before_start: 400,
  window_invalid: 400,
  unknown_time_zone: 400,
  invalid_rrule: 400,
  invalid_time: 400,
  unknown_guarantor: 422,
  unknown_party: 422,
  unknown_agreement: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  unauthenticated: 401,
  forbidden: 403,
  token_handed_over: 403,
  transition_not_allowed: 409,
  version_conflict: 409,
  precondition_failed: 412,
  precondition_required: 428,
  idempotency_key_reused: 422,
  duplicate: 409,
  jws_malformed: 400,
  alg_not_allowed: 400,
  key_unknown: 422,
  key_not_of_party: 403,
  key_invalid: 400,
  key_revoked: 422,
  signature_invalid: 422,
  terms_mismatch: 409,
  not_a_required_guarantor: 403,
  already_signed: 409,
  rate_limited: 429,
  dates_out_of_order: 400,
  unknown_agenda_item: 422,
  unknown_round: 422,
  device_in_use: 409,
  // The server found its own log store damaged or inconsistent: a fault of the server, not of the
  // request, and one no retry mends (the mediator must restore the store): no Retry-After.
  log_damaged: 503,
};

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Codes whose problems have a title of their own, saying more than the status line does. */
const CODE_TITLES: Partial<Record<string, string>> = {
  log_damaged: 'The log store is damaged',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  errors?: ErrorDetail[];
  [k: string]: unknown;
}

/** Failures of the server, not of the request: no domain rule raises them. */
const SERVER_STATUS = { internal_error: 500, service_unavailable: 503 } as const;

export function problem(code: ErrorCode | keyof typeof SERVER_STATUS, detail: string, opts: { status?: number; errors?: readonly ErrorDetail[]; extra?: Record<string, unknown>; instance?: string } = {}): ProblemBody {
  const status = opts.status ?? (code === 'internal_error' || code === 'service_unavailable' ? SERVER_STATUS[code] : STATUS[code]);
  return {
    ...(opts.extra ?? {}),
    type: `urn:passage:problem:${code}`,
    title: CODE_TITLES[code] ?? TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(opts.instance ? { instance: opts.instance } : {}),
    ...(opts.errors && opts.errors.length > 0 ? { errors: [...opts.errors] } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}

/**
 * The whole HTTP response to a request Node's parser refused before Fastify saw it (headers over
 * 16 KB, a Content-Length beside chunked encoding, bytes that are not HTTP), as problem details
 * like every other refusal; undefined when the client is gone and there is no one to answer.
 */
export function clientErrorResponse(err: { code?: string }): string | undefined {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return undefined;
  const [status, detail] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are larger than the server accepts (16 KB in all)']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request did not arrive in time']
        : [400, `the request is not valid HTTP/1.1 (${err.code ?? 'unreadable'})`];
  const body = JSON.stringify(problem('validation_failed', detail, { status }));
  return `HTTP/1.1 ${status} ${TITLES[status]}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** The part of the request a schema judged ('body', 'querystring', 'params', 'headers'). */
function validatedPart(req: FastifyRequest, context: string | undefined): unknown {
  switch (context) {
    case 'querystring':
      return req.query;
    case 'params':
      return req.params;
    case 'headers':
      return req.headers;
    default:
      return req.body;
  }
}

/** The value at a schema issue's path ("/windows/0/start"), or undefined where there is none. */
function valueAt(root: unknown, pointer: string): unknown {
  let at = root;
  for (const key of pointer.split('/').slice(1)) {
    if (key === '') continue;
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * A schema issue's machine-readable code: `required` when the value is missing, blank or an
 * empty list where the schema wanted one (judged on the request itself, not on the wording of
 * the message), else the schema's own issue code.
 */
function issueCode(keyword: string, value: unknown): string {
  const empty = value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
  // A missing enum or literal is invalid_value to zod; to the client it is missing, as documented.
  return empty && (keyword === 'invalid_type' || keyword === 'too_small' || keyword === 'invalid_format' || keyword === 'invalid_value') ? 'required' : keyword;
}

/** A JSON Pointer one level down: `~` and `/` in the key escaped (RFC 6901). */
function below(path: string, key: string | number): string {
  return `${path === '/' ? '' : path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * The `errors` items for one schema issue at `path`. A key the schema does not know (every body
 * schema is strict): one item per key, at the key. A body of either form ({"jws": …} or the
 * bare string): when the value has the form of one branch, that branch's issues are the ones to
 * name ({"jws": 123} is /jws invalid_type, not / invalid_union).
 */
function issueErrors(part: unknown, path: string, keyword: string, message: string | undefined, params: Record<string, unknown> | undefined): { path: string; message: string; code: string }[] {
  const keys = keyword === 'unrecognized_keys' ? params?.keys : undefined;
  if (Array.isArray(keys) && keys.length > 0) {
    return keys.map((k) => ({ path: below(path, String(k)), message: `unknown field ${JSON.stringify(String(k))}: not part of this request (check its spelling)`, code: 'unrecognized_keys' }));
  }
  const branches = keyword === 'invalid_union' ? params?.errors : undefined;
  if (Array.isArray(branches)) {
    type Issue = { path?: (string | number)[]; code?: string; message?: string; keys?: unknown };
    const fits = (branches as Issue[][]).find((b) => Array.isArray(b) && b.length > 0 && !b.some((i) => (i.path ?? []).length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union')));
    if (fits) return fits.flatMap((i) => issueErrors(part, (i.path ?? []).reduce<string>((at, k) => below(at, k), path), i.code ?? 'custom', i.message, i as Record<string, unknown>));
  }
  return [{ path, message: message ?? 'invalid', code: issueCode(keyword, valueAt(part, path)) }];
}

/** Maps Fastify's own errors (parsing, limits, validation) to stable codes. */
function fromFastifyError(err: FastifyError, req: FastifyRequest): { code: ErrorCode; detail: string; errors?: ErrorDetail[] } | undefined {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const part = validatedPart(req, err.validationContext);
    const errors = err.validation.flatMap((v) => issueErrors(part, `${v.instancePath || '/'}`.replace(/^\/?/, '/'), v.keyword, v.message, v.params as Record<string, unknown> | undefined));
    const where = err.validationContext ?? 'request';
    return { code: 'validation_failed', detail: `the ${where} does not match the schema: ${errors.map((e) => `${e.path} ${e.message}`).slice(0, 3).join('; ')}`, errors };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: 'the request body is larger than this endpoint accepts' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        code: 'unsupported_media_type',
        detail: /\/(guarantees|signatures)(\?|$)/.test(req.url) ? 'send the body as application/json ({"jws": "<compact JWS>"}) or as application/jose (the compact JWS itself)' : 'send the body as application/json',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'validation_failed', detail: 'the JSON body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'validation_failed', detail: `the body is not valid JSON: ${err.message}` };
    case 'FST_ERR_BAD_URL':
      return { code: 'validation_failed', detail: 'the URL is not valid: a percent-encoded part of it does not decode' };
    default:
      break;
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return { code: 'validation_failed', detail: `the body is not valid JSON: ${err.message}` };
  }
  if (err.statusCode === 429) return { code: 'rate_limited', detail: err.message };
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return { code: 'validation_failed', detail: err.message };
  }
  return undefined;
}

/** The one error handler: domain errors and client errors become problem details; the rest is a 500 without internals. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof DomainError) {
    // The server's own store found damaged: the mediator must hear of it, not only the client.
    if (err.code === 'log_damaged') req.log.error({ err }, `log store damaged: ${err.message}`);
    return sendProblem(reply, problem(err.code, err.message, { errors: err.details, extra: err.extra, instance: req.url }));
  }
  const mapped = fromFastifyError(err, req);
  if (mapped) {
    return sendProblem(reply, problem(mapped.code, mapped.detail, { errors: mapped.errors ?? [], instance: req.url }));
  }
  const unavailable = storeUnavailable(err);
  if (unavailable) {
    // Not a fault in Passage: the database is out of reach or full. The client sends it again.
    req.log.warn({ err }, `store unavailable: ${unavailable.why}`);
    reply.header('retry-after', String(unavailable.retryAfter));
    return sendProblem(reply, problem('service_unavailable', `${unavailable.why}: send the request again in ${unavailable.retryAfter} s (a write sent with an Idempotency-Key is never applied twice)`, { instance: req.url }));
  }
  req.log.error({ err }, 'unhandled error');
  return sendProblem(reply, problem('internal_error', 'an internal error occurred; it has been logged', { instance: req.url }));
}
