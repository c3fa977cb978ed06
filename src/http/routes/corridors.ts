import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_JWS_CHARS } from '../../domain/signing-limits.js';
import {
  amendCorridor,
  corridorStatus,
  getTermsText,
  listCorridors,
  loadCorridor,
  proposeCorridor,
  resumeCorridor,
  submitGuarantee,
  suspendCorridor,
  toCorridorView,
  transitionCorridor,
} from '../../app/corridors.js';
import type { Deps } from '../../app/deps.js';
import { DomainError } from '../../domain/errors.js';
import { parseRfc3339 } from '../../domain/windows.js';
import { QueryFilter, QueryRowNumber, Rfc3339 } from '../../schemas/common.js';
import { AmendBody, CorridorState, CorridorStatus, CorridorView, GuaranteeBody, GuaranteeView, ProposeBody, ReasonBody, SuspendBody } from '../../schemas/corridor.js';
import { actorOf, commonErrors, IdParam, ifMatchVersion, withVersion, write } from '../context.js';

function parseAt(at: string | undefined, now: number, name = 'at'): number {
  if (at === undefined) return now;
  const t = parseRfc3339(at);
  if (t === undefined) throw new DomainError('invalid_time', `${name} is not an RFC 3339 date-time: ${at}`, { details: [{ path: `/${name}`, message: 'not RFC 3339' }] });
  return t;
}

export function corridorRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;

  r.get(
    '/corridors',
    {
      schema: {
        tags: ['corridors'],
        summary: 'List corridors, with filters',
        querystring: z.object({
          state: CorridorState.optional(),
          party: QueryFilter().optional().describe('proposed by or needing the guarantee of this party'),
          agreement: QueryFilter().optional(),
          purpose: QueryFilter().optional(),
          openAt: Rfc3339.optional().describe('only corridors open at this instant'),
        }),
        response: { 200: z.array(CorridorView), ...commonErrors },
      },
    },
    async (req) => {
      actorOf(req);
      const { openAt, ...rest } = req.query;
      return listCorridors(db, { ...rest, openAt: openAt === undefined ? undefined : parseAt(openAt, deps.now(), 'openAt') });
    },
  );

  r.post(
    '/corridors',
    { schema: { tags: ['corridors'], summary: 'Propose a corridor (or save a draft)', body: ProposeBody, response: { 201: CorridorView, ...commonErrors } } },
    async (req, reply) => {
      const view = await write(deps, req, reply, 201, (u, actor) => proposeCorridor(u, actor, req.body));
      reply.header('etag', `"${view.version}"`).header('location', `/api/v1/corridors/${view.id}`);
      return view;
    },
  );

  r.get('/corridors/:id', { schema: { tags: ['corridors'], params: IdParam, response: { 200: CorridorView, ...commonErrors } } }, async (req, reply) => {
    actorOf(req);
    const view = toCorridorView(await loadCorridor(db, req.params.id));
    reply.header('etag', `"${view.version}"`);
    return view;
  });

  r.get(
    '/corridors/:id/terms',
    {
      schema: {
        tags: ['corridors'],
        summary: 'The exact RFC 8785 bytes of a version of the terms: what each guarantor signs',
        params: IdParam,
        querystring: z.object({ version: QueryRowNumber.pipe(z.number().min(1)).optional() }),
      },
    },
    async (req, reply) => {
      actorOf(req);
      const { text, version } = await getTermsText(db, req.params.id, req.query.version);
      return reply.type('application/json').header('etag', `"${version}"`).header('x-terms-version', String(version)).send(Buffer.from(text, 'utf8'));
    },
  );

  r.post(
    '/corridors/:id/amend',
    { schema: { tags: ['corridors'], summary: 'Amend the terms: a new version; earlier guarantees no longer count', params: IdParam, body: AmendBody, response: { 200: CorridorView, ...commonErrors } } },
    async (req, reply) => {
      const ifMatch = ifMatchVersion(req);
      const view = await withVersion(ifMatch, req.body.baseVersion, (baseVersion) =>
        write(deps, req, reply, 200, (u, actor) => amendCorridor(u, actor, req.params.id, { ...req.body, baseVersion })),
      );
      reply.header('etag', `"${view.version}"`);
      return view;
    },
  );

  for (const action of ['withdraw', 'reject'] as const) {
    r.post(
      `/corridors/:id/${action}`,
      { schema: { tags: ['corridors'], summary: `${action[0]?.toUpperCase()}${action.slice(1)} the corridor`, params: IdParam, body: ReasonBody, response: { 200: CorridorView, ...commonErrors } } },
      async (req, reply) => {
        const ifMatch = ifMatchVersion(req);
        return withVersion(ifMatch, req.body.baseVersion, (baseVersion) =>
          write(deps, req, reply, 200, (u, actor) => transitionCorridor(u, actor, req.params.id, action, { reason: req.body.reason, baseVersion })),
        );
      },
    );
  }

  r.post(
    '/corridors/:id/propose',
    { schema: { tags: ['corridors'], summary: 'Propose a draft', params: IdParam, body: z.object({ baseVersion: z.number().int().positive().optional() }).strict().default({}), response: { 200: CorridorView, ...commonErrors } } },
    async (req, reply) => write(deps, req, reply, 200, (u, actor) => transitionCorridor(u, actor, req.params.id, 'propose', { baseVersion: req.body.baseVersion })),
  );

  r.post(
    '/corridors/:id/suspend',
    { schema: { tags: ['corridors'], summary: 'Suspend (mediator)', params: IdParam, body: SuspendBody, response: { 200: CorridorView, ...commonErrors } } },
    async (req, reply) => write(deps, req, reply, 200, (u, actor) => suspendCorridor(u, actor, req.params.id, req.body)),
  );

  r.post(
    '/corridors/:id/resume',
    { schema: { tags: ['corridors'], summary: 'Resume (mediator)', params: IdParam, body: z.object({ reason: z.string().min(1).max(2000) }).strict(), response: { 200: CorridorView, ...commonErrors } } },
    async (req, reply) => write(deps, req, reply, 200, (u, actor) => resumeCorridor(u, actor, req.params.id, req.body)),
  );

  r.get('/corridors/:id/guarantees', { schema: { tags: ['guarantees'], summary: 'Every guarantee, with its JWS and the key it was made with (and when that key was revoked, if it was), for anyone to re-verify', params: IdParam, response: { 200: z.array(GuaranteeView), ...commonErrors } } }, async (req) => {
    actorOf(req);
    return toCorridorView(await loadCorridor(db, req.params.id)).guarantees;
  });

  r.post(
    '/corridors/:id/guarantees',
    {
      schema: {
        tags: ['guarantees'],
        summary: 'Give your party’s guarantee: a compact JWS (EdDSA) whose payload is the exact current terms bytes',
        description:
          'Body: {"jws": "<compact JWS>"} as application/json, or the compact JWS itself as application/jose. A party whose guarantee of this version was voided because its key was revoked signs it again with a key that stands.',
        params: IdParam,
        body: z.union([GuaranteeBody, z.string().min(1).max(MAX_JWS_CHARS)]),
        response: { 201: CorridorView, ...commonErrors },
      },
    },
    async (req, reply) => {
      const jws = typeof req.body === 'string' ? req.body : req.body.jws;
      return write(deps, req, reply, 201, (u, actor) => submitGuarantee(u, actor, req.params.id, jws));
    },
  );

  r.get(
    '/corridors/:id/status',
    { schema: { tags: ['corridors'], summary: 'Is it open at an instant, and if not, why', params: IdParam, querystring: z.object({ at: Rfc3339.optional() }), response: { 200: CorridorStatus, ...commonErrors } } },
    async (req) => {
      actorOf(req);
      return corridorStatus(db, req.params.id, parseAt(req.query.at, deps.now()));
    },
  );
}
