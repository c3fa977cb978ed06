/**
 * The OpenAPI document, told truthfully. Route schemas say what each operation takes and answers
 * in JSON; what they cannot say (problem details, the statuses every route shares, headers, bodies
 * that are not JSON) is added here, once, from the rules the server follows:
 *
 * - errors are `application/problem+json` (src/http/problem.ts);
 * - a wrong or revoked token is a 401 on every route, even anonymous ones (the onRequest hook in
 *   src/http/server.ts); a route that calls `actorOf` is a 401 without a token too;
 * - path ids that do not resolve are 404; parameters, query strings and bodies that do not match
 *   are 400; every method that reads a body can refuse one as too large (413) or of another media
 *   type (415);
 * - any operation can fail unexpectedly (500 internal_error, from the error handler in
 *   src/http/problem.ts) or meet the database out of reach or the server shutting down (503
 *   service_unavailable: src/store/unavailable.ts, the closing hook in src/http/server.ts);
 * - writes through `write` (src/http/context.ts) honour `Idempotency-Key`, answer a replay with
 *   `idempotent-replayed: true` and refuse a reused key with another request (422): every POST,
 *   PUT, PATCH and DELETE but those marked `notIdempotent` below, which do not use `write`.
 *
 * The facts that belong to one operation (its media type, the headers it sends) are in
 * OPERATIONS below, keyed by method and documented path; test/http/openapi-truth.test.ts checks that
 * each key names an operation that exists, so the table cannot drift from the routes unseen.
 */
import { z } from 'zod';
import { MAX_JWS_CHARS } from '../domain/signing-limits.js';

type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  requestBody?: { content: Record<string, Json>; required?: boolean; description?: string };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Json }>; headers?: Record<string, Json> }>;
  security?: unknown[];
  [k: string]: unknown;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json> };
  [k: string]: unknown;
}

const PROBLEM = 'application/problem+json';
const problemRef = { $ref: '#/components/schemas/Problem' };

/** What each problem status means on this API (docs/api.md, "Errors"). */
const PROBLEM_DESCRIPTIONS: Record<string, string> = {
  '400': 'validation_failed or a domain rule (route, width, windows, JWS…): the request does not match',
  '401': 'unauthenticated: no token where one is needed, or a token that is unknown or revoked',
  '403': 'forbidden: the role or party may not do this',
  '404': 'not_found: the resource does not exist or is not visible to you',
  '409': 'a lifecycle or concurrency conflict (version_conflict, transition_not_allowed, duplicate…)',
  '412': 'precondition_failed: If-Match names a version that is no longer current',
  '413': 'payload_too_large: the body is larger than this endpoint accepts',
  '415': 'unsupported_media_type: the body is not JSON',
  '422': 'a reference that does not resolve, a signature that does not verify, or idempotency_key_reused',
  '428': 'precondition_required: say which version you change (If-Match or baseVersion)',
  '500': 'internal_error: an unexpected failure (the database unreachable, a bug); it is logged, and the answer says nothing more',
  '503': 'service_unavailable: the database is out of reach, busy with another writer or out of disk, or the server is shutting down; send the request again after Retry-After seconds (perhaps to another instance). Or log_damaged: the server found its own log store damaged (every write appends to the log), named in `detail`; no Retry-After, as only the mediator can mend it',
};

/** The 503 of the log's endpoints, which read the stored tree, heads and openings. */
const LOG_DAMAGED_503 =
  'log_damaged: the server found its log store damaged or inconsistent and says what in `detail` — a tree node missing or not a hash, a stored signed head the tree contradicts, log_state missing or garbled, an opening that does not match the commitment in its entry (or is missing for a restricted entry you may see), a new head it refuses to sign because the tree does not extend the last head it signed. `passage verify` and `passage log watch --once` exit 6 on it. Or service_unavailable: the database is out of reach or the server is shutting down (after Retry-After seconds)';

const header = (description: string, schema: Json = { type: 'string' }): Json => ({ description, schema });
const ETAG = header('the version, as "<version>": send it back in If-Match to change this version');
const LOCATION = header('where the new resource is');
const CACHE = header('how long the answer may be cached');
const DISPOSITION = header('attachment, with a file name');
const REPLAYED = header('true when this is the stored answer to an earlier request with the same Idempotency-Key', { type: 'string', enum: ['true'] });

const text = { type: 'string' };
const geoJson = {
  type: 'object',
  description: 'a GeoJSON FeatureCollection (RFC 7946)',
  required: ['type', 'features'],
  properties: { type: { const: 'FeatureCollection' }, features: { type: 'array', items: { type: 'object' } } },
};
const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });

interface OperationFacts {
  /** The success answer's media types and schemas, replacing a JSON one. */
  readonly content?: Record<string, Json>;
  /** Headers of the success answer. */
  readonly headers?: Record<string, Json>;
  /** Media types the body may also come in. */
  readonly alsoAccepts?: Record<string, Json>;
  /** If-Match is read: a stale one is 412 (a stale baseVersion stays a 409). */
  readonly ifMatch?: 'precondition';
  /** A version must be given (If-Match or baseVersion), else 428. */
  readonly versionRequired?: boolean;
  /** Further request headers. */
  readonly requestHeaders?: Json[];
  /** Parameter schemas to tighten, by name. */
  readonly parameters?: Record<string, { schema?: Json; description?: string }>;
  /** Not through `write`: no Idempotency-Key. */
  readonly notIdempotent?: boolean;
  /** A read that takes a body (POST): like a GET, it never conflicts (409) nor resolves references (422). */
  readonly read?: boolean;
  /** Sends an ETag and answers If-None-Match naming it with 304 Not Modified. */
  readonly conditional?: boolean;
  /** Problem statuses this operation describes in its own words, by status. */
  readonly problems?: Record<string, string>;
}

const HTML_HEADERS = { 'cache-control': CACHE, 'content-security-policy': header('the page loads nothing from elsewhere'), 'x-content-type-options': header('nosniff') };
/** Public feeds: any origin may read them (CORS), and each answers 304 to the tag it sent. */
const CORS = { 'access-control-allow-origin': header('any origin may read it', { const: '*' }), 'access-control-expose-headers': header('ETag and Content-Language are readable across origins') };
const FEED = (type: string, schema: Json = text): OperationFacts => ({ content: { [type]: schema }, headers: { 'cache-control': CACHE, ...CORS }, conditional: true });
const jose = { type: 'string', description: 'the compact JWS itself', minLength: 1, maxLength: MAX_JWS_CHARS };
const correction: OperationFacts = { ifMatch: 'precondition', versionRequired: true };

/** Per operation, what the route schema cannot say. Keys: "METHOD /documented/path". */
export const OPERATIONS: Record<string, OperationFacts> = {
  'POST /api/v1/corridors': { headers: { etag: ETAG, location: LOCATION } },
  'GET /api/v1/corridors/{id}': { headers: { etag: ETAG } },
  'GET /api/v1/corridors/{id}/terms': { content: { 'application/json': ref('CorridorTerms') }, headers: { etag: ETAG, 'x-terms-version': header('the version of these terms', { type: 'string', pattern: '^[1-9][0-9]*$' }) } },
  'POST /api/v1/corridors/{id}/amend': { headers: { etag: ETAG }, ifMatch: 'precondition', versionRequired: true },
  'POST /api/v1/corridors/{id}/withdraw': { ifMatch: 'precondition' },
  'GET /api/v1/sites/{id}': { headers: { etag: ETAG } },
  'POST /api/v1/sites/{id}/amend': { ifMatch: 'precondition', headers: { etag: ETAG } },
  'GET /api/v1/incidents/{id}': { headers: { etag: ETAG } },
  'POST /api/v1/incidents/{id}/corrections': { ifMatch: 'precondition', headers: { etag: ETAG } },
  'POST /api/v1/corridors/{id}/reject': { ifMatch: 'precondition' },
  'POST /api/v1/corridors/{id}/guarantees': { alsoAccepts: { 'application/jose': jose } },
  'GET /api/v1/log/checkpoint': {
    content: { 'text/plain': { ...text, description: 'a C2SP tlog-checkpoint in a signed note' } },
    headers: { 'cache-control': CACHE, 'x-log-size': header('the tree size of this checkpoint', { type: 'string', pattern: '^[0-9]+$' }) },
    problems: { '503': LOG_DAMAGED_503 },
  },
  'GET /api/v1/log/proof/inclusion': { problems: { '503': LOG_DAMAGED_503 } },
  'GET /api/v1/log/proof/consistency': { problems: { '503': LOG_DAMAGED_503 } },
  'GET /api/v1/log/openings/{index}': { problems: { '503': LOG_DAMAGED_503 } },
  'GET /api/v1/log/key': { content: { 'text/plain': { ...text, description: 'the note verifier key' } } },
  'GET /api/v1/agenda-items/{id}': { headers: { etag: ETAG } },
  'POST /api/v1/agenda-items/{id}/corrections': { ...correction, headers: { etag: ETAG } },
  'POST /api/v1/rounds': { headers: { etag: ETAG, location: LOCATION } },
  'GET /api/v1/rounds/print': { content: { 'text/html': text }, headers: HTML_HEADERS },
  'GET /api/v1/rounds/{id}': { headers: { etag: ETAG } },
  'GET /api/v1/rounds/{id}/print': { content: { 'text/html': text }, headers: HTML_HEADERS },
  'POST /api/v1/rounds/{id}/corrections': { ...correction, headers: { etag: ETAG } },
  'GET /api/v1/ledger/positions/{id}': { headers: { etag: ETAG } },
  'POST /api/v1/ledger/positions/{id}/corrections': { ...correction, headers: { etag: ETAG } },
  'GET /api/v1/statements/{id}': { headers: { etag: ETAG } },
  'POST /api/v1/statements/{id}/corrections': { ...correction, headers: { etag: ETAG } },
  'GET /api/v1/protocols/{id}': { headers: { etag: ETAG } },
  'GET /api/v1/protocols/{id}/text': { content: { 'application/json': ref('ProtocolText') }, headers: { etag: ETAG, 'x-protocol-version': header('the version of this text', { type: 'string', pattern: '^[1-9][0-9]*$' }) } },
  'POST /api/v1/protocols/{id}/corrections': { ...correction, headers: { etag: ETAG } },
  'POST /api/v1/protocols/{id}/signatures': { alsoAccepts: { 'application/jose': jose } },
  'GET /api/v1/ledger/export.json': { headers: { 'content-disposition': DISPOSITION } },
  'GET /api/v1/ledger/export.csv': { content: { 'text/csv': { ...text, description: 'CSV with an HXL hashtag row under the header' } }, headers: { 'content-disposition': DISPOSITION } },
  'GET /api/v1/public/ledger.json': { headers: { 'cache-control': CACHE, 'access-control-allow-origin': header('any origin may read it', { const: '*' }) } },
  'GET /api/v1/ceasefire-zones': { content: { 'application/geo+json': geoJson } },
  // A read that takes its many points as a body: nothing to write once, and up to 100,000 results
  // are not worth an idempotency record.
  'POST /api/v1/deconfliction/check': { notIdempotent: true, read: true },
  'GET /api/v1/deconfliction/explain': { content: { 'application/json': ref('DeconflictionExplanation') } },
  'GET /api/v1/movements/{id}/track': { content: { 'application/geo+json': {} } },
  'POST /api/v1/positions': { notIdempotent: true },
  'POST /api/v1/incidents': { headers: { location: LOCATION } },
  'GET /api/v1/exports/incidents.geojson': { content: { 'application/geo+json': geoJson } },
  'GET /api/v1/exports/movements.geojson': { content: { 'application/geo+json': geoJson } },
  'GET /api/v1/exports/movements.csv': { content: { 'text/csv': text }, headers: { 'content-disposition': DISPOSITION } },
  'GET /api/v1/exports/incidents.csv': { content: { 'text/csv': text }, headers: { 'content-disposition': DISPOSITION } },
  'GET /api/v1/events': {
    content: { 'text/event-stream': { ...text, description: 'messages with `id`, `event` (the type) and `data` (JSON)' } },
    headers: { 'cache-control': CACHE },
    requestHeaders: [{ in: 'header', name: 'Last-Event-ID', required: false, description: 'resume after this event id (wins over the lastEventId parameter)', schema: { type: 'string', pattern: '^\\s*[0-9]+\\s*$' } }],
  },
  'POST /api/v1/webhooks': { headers: { location: LOCATION } },
  'GET /public/cap.atom': FEED('application/atom+xml'),
  'GET /public/cap/{id}': {
    ...FEED('application/cap+xml'),
    parameters: { id: { schema: { type: 'string', pattern: '^[0-9]{1,15}\\.xml$' }, description: 'the alert number followed by `.xml`, as in /public/cap/12.xml; anything else is a 404' } },
  },
  'GET /public/corridors.ics': {
    content: { 'text/calendar': text },
    headers: { 'cache-control': CACHE, ...CORS, 'content-language': header('the language of the text: the lang asked for, else en') },
    conditional: true,
  },
  'GET /public/corridors.geojson': FEED('application/geo+json', geoJson),
  'GET /public/corridors.kml': FEED('application/vnd.google-earth.kml+xml'),
  'GET /public/corridors.csv': FEED('text/csv'),
};

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Headers a problem answer sends, by status. */
const PROBLEM_HEADERS: Record<string, Record<string, Json>> = {
  '503': { 'retry-after': header('seconds to wait before sending the request again (service_unavailable; log_damaged sends none)', { type: 'string', pattern: '^[0-9]+$' }) },
};

function addProblem(op: Operation, status: string, own?: string): void {
  const existing = op.responses[status];
  const headers = PROBLEM_HEADERS[status];
  op.responses[status] = {
    description: own ?? (existing && existing.description !== 'Default Response' ? existing.description : (PROBLEM_DESCRIPTIONS[status] ?? 'problem details')),
    content: { [PROBLEM]: { schema: problemRef } },
    ...(headers ? { headers } : {}),
  };
}

function addHeaderParameter(op: Operation, param: Json): void {
  op.parameters ??= [];
  const name = String(param.name).toLowerCase();
  if (!op.parameters.some((p) => p.in === 'header' && String(p.name).toLowerCase() === name)) op.parameters.push(param);
}

/** Rewrites the generated document so that it says what the server does. */
export function describeTruthfully<T>(input: T): T {
  const doc = input as unknown as Document;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const facts = OPERATIONS[`${method.toUpperCase()} ${path}`] ?? {};
      const success = Object.keys(op.responses).find((s) => s.startsWith('2')) ?? '200';
      const ok = (op.responses[success] ??= { description: 'Default Response' });

      if (facts.content) {
        const old = ok.content?.['application/json']?.schema;
        ok.content = Object.fromEntries(Object.entries(facts.content).map(([type, schema]) => [type, { schema: Object.keys(schema).length === 0 && old ? old : schema }]));
      }
      if (facts.headers) ok.headers = { ...ok.headers, ...facts.headers };
      if (facts.alsoAccepts && op.requestBody) {
        const json = op.requestBody.content['application/json']?.schema as { anyOf?: Json[] } | undefined;
        // The JSON body is the object form; the bare string form is what application/jose carries.
        if (json?.anyOf) op.requestBody.content['application/json'] = { schema: json.anyOf.find((s) => s.type !== 'string') ?? json };
        for (const [type, schema] of Object.entries(facts.alsoAccepts)) op.requestBody.content[type] = { schema };
      }
      for (const [name, change] of Object.entries(facts.parameters ?? {})) {
        const p = op.parameters?.find((x) => x.name === name);
        if (p) Object.assign(p, change.description ? { description: change.description } : {}, change.schema ? { schema: change.schema } : {});
      }
      for (const h of facts.requestHeaders ?? []) addHeaderParameter(op, h);

      const idempotent = WRITE_METHODS.has(method) && !facts.notIdempotent;
      if (idempotent) {
        addHeaderParameter(op, {
          in: 'header',
          name: 'Idempotency-Key',
          required: false,
          description: 'a retry with the same key returns the first answer and writes nothing twice; the same key with another request is 422 idempotency_key_reused. 1 to 200 characters, not blank (a blank one is 400)',
          // As src/app/idempotency.ts checks it; a header's surrounding spaces are not part of its value.
          schema: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
        });
        ok.headers = { ...ok.headers, 'idempotent-replayed': REPLAYED };
      }
      if (facts.conditional) {
        const tag = header('changes whenever the answer does: send it back in If-None-Match');
        ok.headers = { ...ok.headers, etag: tag };
        addHeaderParameter(op, { in: 'header', name: 'If-None-Match', required: false, description: 'the ETag of the answer you hold: 304 with no body when it is still current', schema: { type: 'string' } });
        op.responses['304'] = { description: 'not modified: the answer you hold (its ETag in If-None-Match) is current', headers: { etag: tag, 'cache-control': CACHE } };
      }
      if (facts.ifMatch) {
        addHeaderParameter(op, {
          in: 'header',
          name: 'If-Match',
          required: false,
          description: 'the version you change, as its ETag: "3"; `*` for whatever version is current, or a list ("3", "4") of which one must be current (RFC 9110 §13.1.1, compared strongly: a W/ tag never matches); wins over baseVersion',
          schema: { type: 'string', pattern: '^\\s*(\\*|(W/)?"[^"]*"(\\s*,\\s*(W/)?"[^"]*")*)\\s*$' },
        });
      }

      // Error statuses: every 4xx and 5xx this operation can answer, as problem details.
      const statuses = new Set(Object.keys(op.responses).filter((s) => s.startsWith('4') || s.startsWith('5')));
      if (method === 'get' || facts.read) {
        // Routes share one list of error answers (commonErrors); a read never conflicts with a
        // state (409) or names a reference to resolve or a signature to check (422): those codes
        // are raised on writes only (the malformed-input test holds every answer to this list).
        for (const s of ['409', '422']) {
          statuses.delete(s);
          delete op.responses[s];
        }
      }
      statuses.add('401');
      statuses.add('500');
      statuses.add('503');
      // 404 where the path names a resource; a read whose path names none has no resource to miss
      // (an unknown path is not an operation of the document). A write may name one in its body.
      if (/\{[^}]+\}/.test(path)) statuses.add('404');
      else if (method === 'get' || facts.read) {
        statuses.delete('404');
        delete op.responses['404'];
      }
      if ((op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined) statuses.add('400');
      if (WRITE_METHODS.has(method)) {
        statuses.add('400');
        statuses.add('413');
        statuses.add('415');
      }
      if (idempotent) statuses.add('422');
      if (facts.ifMatch === 'precondition') statuses.add('412');
      if (facts.versionRequired) statuses.add('428');
      for (const s of [...statuses].sort()) addProblem(op, s, facts.problems?.[s]);
    }
  }
  return input;
}

/**
 * zod describes a query number (`QueryWholeNumber.pipe(z.number().min(1))`, `QueryDecimal.pipe(…)`)
 * by its input, a string, and loses the bounds its output carries. For the document, such a pipe
 * from text to number is the number it yields, with every bound along the way.
 */
export function queryNumberOverride(ctx: { zodSchema: unknown; jsonSchema: Json }): void {
  const bounds = numberBounds(ctx.zodSchema);
  if (!bounds) return;
  const keep = ctx.jsonSchema.description;
  for (const k of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[k];
  Object.assign(ctx.jsonSchema, { type: bounds.integer ? 'integer' : 'number' });
  if (bounds.minimum !== undefined) ctx.jsonSchema.minimum = bounds.minimum;
  if (bounds.maximum !== undefined) ctx.jsonSchema.maximum = bounds.maximum;
  const how = bounds.integer ? 'written in decimal digits only' : 'written as JSON writes numbers';
  ctx.jsonSchema.description = typeof keep === 'string' && keep !== '' ? (keep.includes(how) ? keep : `${keep}; ${how}`) : how;
}

interface PipeDef {
  type: string;
  in?: unknown;
  out?: unknown;
}
const defOf = (s: unknown): PipeDef | undefined => (s as { _zod?: { def?: PipeDef } })?._zod?.def;

function numberBounds(schema: unknown): { integer: boolean; minimum?: number; maximum?: number } | undefined {
  const numbers: unknown[] = [];
  let s = schema;
  // A chain of pipes whose outputs are numbers and whose first input is text.
  while (defOf(s)?.type === 'pipe') {
    const d = defOf(s) as PipeDef;
    if (defOf(d.out)?.type === 'number') numbers.push(d.out);
    s = d.in;
  }
  if (numbers.length === 0 || defOf(s)?.type !== 'string') return undefined;
  const out: { integer: boolean; minimum?: number; maximum?: number } = { integer: false };
  for (const n of numbers) {
    const js = z.toJSONSchema(n as z.ZodType) as { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number };
    if (js.type === 'integer') out.integer = true;
    if (js.minimum !== undefined) out.minimum = Math.max(out.minimum ?? -Infinity, js.minimum);
    if (js.maximum !== undefined) out.maximum = Math.min(out.maximum ?? Infinity, js.maximum);
  }
  return out;
}

/**
 * The zod → JSON Schema settings of the document. Setting `override` replaces the type
 * provider's own, which for OpenAPI 3.1 only drops empty `anyOf` branches: that is kept.
 */
export const zodToJsonConfig = {
  override: (ctx: { zodSchema: unknown; jsonSchema: Json }): void => {
    if (defOf(ctx.zodSchema)?.type === 'union' && Array.isArray(ctx.jsonSchema.anyOf)) {
      ctx.jsonSchema.anyOf = (ctx.jsonSchema.anyOf as Json[]).filter((s) => Object.keys(s).length > 0);
    }
    queryNumberOverride(ctx);
  },
};
