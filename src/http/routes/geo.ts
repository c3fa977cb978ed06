import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { ceasefireZones, explainPoint, geoIndexFor, parseCheckPoints } from '../../app/geo.js';
import { DomainError } from '../../domain/errors.js';
import { parseRfc3339 } from '../../domain/windows.js';
import { QueryDecimal, Rfc3339 } from '../../schemas/common.js';
import { CheckBody, CheckResultView } from '../../schemas/site.js';
import { actorOf, commonErrors } from '../context.js';

function instant(at: string | undefined, now: number): number {
  if (at === undefined) return now;
  const t = parseRfc3339(at);
  if (t === undefined) throw new DomainError('invalid_time', `at is not an RFC 3339 date-time: ${at}`, { details: [{ path: '/at', message: 'not RFC 3339' }] });
  return t;
}

export function geoRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;

  r.get(
    '/ceasefire-zones',
    { schema: { tags: ['deconfliction'], summary: 'Ceasefire zones holding at an instant (GeoJSON; derived from corridors, never stored)', querystring: z.object({ at: Rfc3339.optional() }) } },
    async (req, reply) => {
      actorOf(req);
      const fc = await ceasefireZones(db, instant(req.query.at, deps.now()));
      return reply.type('application/geo+json').send(JSON.stringify(fc));
    },
  );

  r.post(
    '/deconfliction/check',
    {
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['deconfliction'],
        summary: 'For each point and instant: the corridors whose ceasefire zone holds there and then, and the protected sites you may see that contain it',
        body: CheckBody,
        response: { 200: z.object({ results: z.array(CheckResultView) }), ...commonErrors },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const points = parseCheckPoints(req.body.points);
      const results = await geoIndexFor(deps).check(db, points, { viewer: actor, distances: req.body.distances });
      // Hand-serialised (the documented schema stays for OpenAPI): at 100,000 results the schema
      // serialiser would cost more than the checks themselves.
      return reply.type('application/json').serializer((payload) => payload as string).send(JSON.stringify({ results }) as never);
    },
  );

  r.get(
    '/deconfliction/explain',
    {
      schema: {
        tags: ['deconfliction'],
        summary: 'In words, for one point: which corridors’ zones cover it, whether each ceasefire held at `at` and why not',
        querystring: z.object({ lon: QueryDecimal.pipe(z.number().min(-180).max(180)), lat: QueryDecimal.pipe(z.number().min(-90).max(90)), at: Rfc3339.optional() }),
      },
    },
    async (req) => explainPoint(deps, actorOf(req), req.query.lon, req.query.lat, instant(req.query.at, deps.now())),
  );
}
