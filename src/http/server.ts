import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { createJsonSchemaTransform, createJsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { authenticate } from '../app/parties.js';
import { assertTokenUse, type HandedOverTokenUse } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import type { Deps } from '../app/deps.js';
import { describeTruthfully, zodToJsonConfig } from './openapi.js';
import { clientErrorResponse, errorHandler, problem, sendProblem } from './problem.js';
import { mayHoldUnstorable, poisonedKeyAt, unstorableStringAt } from './json-body.js';
import { agreementRoutes } from './routes/agreements.js';
import { corridorRoutes } from './routes/corridors.js';
import { eventRoutes } from './routes/events.js';
import { feedRoutes } from './routes/feeds.js';
import { publicBaseUrl } from './public-url.js';
import { geoRoutes } from './routes/geo.js';
import { incidentRoutes } from './routes/incidents.js';
import { movementRoutes } from './routes/movements.js';
import { ledgerPublicRoutes, ledgerRoutes } from './routes/ledger.js';
import { logRoutes } from './routes/log.js';
import { partyRoutes } from './routes/parties.js';
import { siteRoutes } from './routes/sites.js';
import { webRoutes } from './routes/web.js';
import { pingStore } from '../store/store.js';

/** What a request does, as far as a handed-over token is concerned (authorization.ts, `HANDED_OVER_TOKEN_MAY`). */
function handedOverTokenUse(method: string, route: string | undefined, params: unknown, memberId: string): HandedOverTokenUse {
  const read = method === 'GET' || method === 'HEAD';
  if (read && route === `${API_PREFIX}/me`) return 'whoami';
  const own = (params as { id?: unknown } | undefined)?.id === memberId;
  if ((read || method === 'POST') && route === `${API_PREFIX}/members/:id/tokens` && own) return 'own_tokens';
  return 'other';
}

export const API_PREFIX = '/api/v1';

export interface ServerOptions {
  /** Log every request (pino, level info). Off by default; unexpected errors are logged either way. */
  readonly logger?: boolean;
  /** Largest accepted request body, bytes. */
  readonly bodyLimit?: number;
  readonly version?: string;
  /**
   * Where the public reaches this server (`--public-url`): the base of the feeds' absolute links,
   * path prefix kept. Without it, the server's own listening address — never the Host header.
   */
  readonly publicUrl?: string | undefined;
  /**
   * Refuse webhook receivers on loopback, private (RFC 1918, ULA) and shared (CGNAT) addresses, as
   * well as the link-local, unspecified, multicast and broadcast ones always refused
   * (`passage serve --refuse-private-webhooks`). The scheduler's sender must be told the same.
   */
  readonly refusePrivateWebhooks?: boolean;
  /** Where the server's log lines (JSON, one per line) go; default stdout. Tests read them here. */
  readonly logStream?: { write(line: string): void };
}

export async function buildServer(deps: Deps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // Without request logging, still the errors: a 500 says "it has been logged", and the
    // mediator running the server must be able to find out what it was.
    logger: { level: opts.logger ? 'info' : 'error', ...(opts.logStream ? { stream: opts.logStream } : {}) },
    bodyLimit: opts.bodyLimit ?? 2 * 1024 * 1024,
    // Requests that stall are cut rather than hang a connection forever.
    requestTimeout: 60_000,
    // While the server closes, a request that still arrives (on a kept-alive connection) is a 503
    // as problem details, like every other refusal (the onRequest hook below), not Fastify's own
    // application/json body.
    return503OnClosing: false,
    ajv: undefined,
    // Errors Fastify meets before routing (a URL whose percent-encoding does not decode) are
    // problem details too, like every other refusal.
    frameworkErrors: (err, req, reply) => {
      void errorHandler(err, req, reply); // the reply (thenable) is sent, not awaited
    },
    // …and so are those Node's HTTP parser meets before Fastify does.
    clientErrorHandler: (err, socket) => {
      const response = clientErrorResponse(err as { code?: string });
      if (response !== undefined && socket.writable) socket.end(response);
      else socket.destroy(err);
    },
  });
  // Every route's method and path pattern, for the 405 below (catch-alls left out: the web app's
  // `/*` would otherwise claim every path).
  const routePatterns: { method: string; re: RegExp }[] = [];
  app.addHook('onRoute', (r) => {
    if (r.url.includes('*')) return;
    // Exactly the path (Fastify routes `/x/` apart from `/x`): a trailing slash is another path, a 404.
    const re = new RegExp(`^${r.url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
    for (const m of [r.method].flat()) routePatterns.push({ method: m, re });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // A path that exists with other methods is a 405 naming them (RFC 9110 §15.5.6, with Allow),
  // not a 404 that says the resource is not there.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = [...new Set(routePatterns.filter((r) => r.re.test(path)).map((r) => r.method))].sort();
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, problem('method_not_allowed', `${req.method} is not a method of ${path}; it takes ${allowed.join(', ')}`, { instance: req.url }));
    }
    return sendProblem(reply, problem('not_found', `no route ${req.method} ${path}`, { instance: req.url }));
  });
  // JSON bodies: Fastify's own parser (with its prototype-poisoning checks), then no string
  // Passage cannot store — a lone surrogate or a NUL (src/http/json-body.ts) — looked for only in
  // text that has a \u escape.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    void parseJson(req, body as string, (err, value) => {
      if (err) {
        // Valid JSON with a key Fastify refuses (`__proto__`, `constructor.prototype`): say which, not "not valid JSON".
        const key = poisonedKeyAt(body as string);
        if (key !== undefined) return done(new DomainError('validation_failed', `the body holds the key "${key.key}" at ${key.path}, which no field has and which the server refuses (it could alter objects' prototypes): remove it`, { details: [{ path: key.path, message: `no field is named ${key.key}` }] }), undefined);
        return done(err, undefined);
      }
      const bad = mayHoldUnstorable(body as string) ? unstorableStringAt(value) : undefined;
      if (bad !== undefined) {
        return done(new DomainError('validation_failed', `a string holds ${bad.why}, which no field may hold, at ${bad.path || '/'}`, { details: [{ path: bad.path || '/', message: bad.why }] }), undefined);
      }
      done(null, value);
    });
  });
  // A guarantee may be posted as the bare compact JWS.
  app.addContentTypeParser('application/jose', { parseAs: 'string' }, (_req, body, done) => done(null, String(body).trim()));
  // No route reads plain text: Fastify's own text/plain parser would hand a route a string, to be
  // refused as a malformed body (400) rather than as the wrong media type it is (415).
  app.removeContentTypeParser('text/plain');

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!closing) return;
    // Before authentication: the store may be closing too.
    reply.header('connection', 'close').header('retry-after', '1');
    return sendProblem(reply, problem('service_unavailable', 'the server is shutting down; send the request again (another instance may answer it)', { instance: req.url }));
  });

  // A NUL (%00) in the path or the query names nothing Passage holds, and PostgreSQL refuses it
  // as a query parameter (a 500 where SQLite answered 404): refused here, for every route, as the
  // body's NUL is refused by the JSON parser.
  app.addHook('onRequest', async (req, reply) => {
    if (/%00/.test(req.url)) return sendProblem(reply, problem('validation_failed', 'the URL holds a NUL character (%00), which no path or query value may hold', { instance: req.url.replace(/%00/g, '') }));
  });

  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    const auth = req.headers.authorization;
    if (auth === undefined) return;
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    req.actor = m?.[1] ? await authenticate(deps.store.db, m[1]) : null;
    if (!req.actor) {
      // A wrong or revoked token is refused outright, even on routes that would not need one.
      throw new DomainError('unauthenticated', 'the API token is unknown, revoked, or its member disabled');
    }
    assertTokenUse(req.actor.handedOver, handedOverTokenUse(req.method, req.routeOptions.url, req.params, req.actor.memberId));
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Passage API',
        version: opts.version ?? '0.1.0',
        description:
          'Humanitarian corridors and the local ceasefires that protect them. Errors are RFC 9457 problem details with a stable `code`. ' +
          'Writes accept an `Idempotency-Key` header. Guarantees are JWS (RFC 7515, EdDSA/Ed25519) over the RFC 8785 bytes of the terms.',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API token issued to a party member' } } },
      security: [{ bearer: [] }],
    },
    transform: createJsonSchemaTransform({ zodToJsonConfig }),
    // What route schemas cannot say (problem details, shared statuses, headers, other media
    // types) is added once, here: src/http/openapi.ts.
    transformObject: (doc) => describeTruthfully(createJsonSchemaTransformObject({ zodToJsonConfig })(doc)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  await app.register(
    async (api) => {
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      partyRoutes(api, deps);
      agreementRoutes(api, deps);
      corridorRoutes(api, deps);
      logRoutes(api, deps);
      ledgerRoutes(api, deps);
      siteRoutes(api, deps);
      geoRoutes(api, deps);
      movementRoutes(api, deps);
      incidentRoutes(api, deps);
      eventRoutes(api, deps, { refusePrivate: opts.refusePrivateWebhooks ?? false });
    },
    { prefix: API_PREFIX },
  );
  feedRoutes(app, deps, { publicUrl: opts.publicUrl === undefined ? undefined : publicBaseUrl(opts.publicUrl) });
  ledgerPublicRoutes(app, deps);
  await webRoutes(app, deps);
  // Liveness: the process answers. Readiness: it also reaches its store (503 with Retry-After
  // while it cannot: src/store/unavailable.ts), for a load balancer to route around it.
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async () => {
    await pingStore(deps.store);
    return { ok: true, store: deps.store.engine };
  });
  return app;
}
