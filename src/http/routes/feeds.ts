import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { capAlertDocument, capAtomFeed, corridorsCsv, corridorsGeoJson, corridorsIcs, corridorsKml } from '../../app/feeds.js';
import { DomainError } from '../../domain/errors.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGS } from '../../i18n/index.js';
import { untilLogGrows } from '../../app/log.js';
import { notModified } from '../context.js';

/** Tells this process's entity tags from an earlier run's. */
const BOOT = randomBytes(6).toString('base64url');

function baseUrl(req: FastifyRequest): string {
  const host = String(req.headers.host ?? 'localhost').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  return `${req.protocol}://${host}`;
}

/**
 * Public feeds at the root (no login; corridors only, never movements, positions, sites or
 * unconfirmed incidents): /public/cap.atom, /public/cap/{id}.xml, /public/corridors.ics,
 * /public/corridors.geojson, /public/corridors.kml, /public/corridors.csv (issue 6).
 */
export function feedRoutes(app: FastifyInstance, deps: Deps): void {
  const cache = 'public, max-age=15';
  app.get('/public/cap.atom', { schema: { tags: ['public'], security: [], summary: 'Atom index of CAP 1.2 corridor alerts' } }, async (req, reply) =>
    reply.type('application/atom+xml; charset=utf-8').header('cache-control', cache).send(await capAtomFeed(deps, baseUrl(req))),
  );
  app.get<{ Params: { id: string } }>('/public/cap/:id', { schema: { tags: ['public'], security: [], summary: 'One CAP 1.2 alert: /public/cap/{id}.xml' } }, async (req, reply) => {
    const m = /^(\d{1,15})\.xml$/.exec(req.params.id);
    if (!m) throw new DomainError('not_found', 'alerts are at /public/cap/{id}.xml');
    const xml = await capAlertDocument(deps, Number(m[1]), baseUrl(req));
    if (xml === undefined) throw new DomainError('not_found', `no public alert ${m[1]}`);
    return reply.type('application/cap+xml; charset=utf-8').header('cache-control', cache).send(xml);
  });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/public/corridors.ics',
    {
      schema: {
        tags: ['public'],
        security: [],
        summary: 'iCalendar (RFC 5545): one VEVENT per window',
        querystring: z.object({ lang: z.enum(LANGS).optional().describe('language of the text (default en); times are UTC in every language') }),
      },
    },
    async (req, reply) => {
      // Calendar clients poll the feed; it changes only when the log does (every window, guarantee
      // and suspension is recorded there), so it is built once per log size and language, and a
      // client holding the current one gets a 304. The boot id makes a restarted (perhaps
      // upgraded) server's tags new.
      const lang = req.query.lang ?? 'en';
      const base = baseUrl(req);
      const { value, logSize } = await untilLogGrows(deps, `corridors.ics ${lang} ${base}`, () => corridorsIcs(deps, base, lang));
      const etag = `W/"${BOOT}-${logSize}"`;
      reply.header('cache-control', cache).header('etag', etag).header('content-language', lang);
      if (notModified(req, etag)) return reply.code(304).send();
      return reply.type('text/calendar; charset=utf-8').send(value);
    },
  );
  app.get('/public/corridors.geojson', { schema: { tags: ['public'], security: [], summary: 'Public corridors: routes and ceasefire zones as GeoJSON' } }, async (_req, reply) =>
    reply.type('application/geo+json; charset=utf-8').header('cache-control', cache).send(JSON.stringify(await corridorsGeoJson(deps))),
  );
  app.get('/public/corridors.kml', { schema: { tags: ['public'], security: [], summary: 'Public corridors: routes and ceasefire zones as KML' } }, async (_req, reply) =>
    reply.type('application/vnd.google-earth.kml+xml; charset=utf-8').header('cache-control', cache).send(await corridorsKml(deps)),
  );
  app.get('/public/corridors.csv', { schema: { tags: ['public'], security: [], summary: 'Public corridors as CSV with an HXL hashtag row' } }, async (_req, reply) =>
    reply.type('text/csv; charset=utf-8').header('cache-control', cache).send(await corridorsCsv(deps)),
  );
}
