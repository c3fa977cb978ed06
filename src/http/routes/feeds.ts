import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { capAlertDocument, capAtomFeed, corridorsCsv, corridorsGeoJson, corridorsIcs, corridorsKml } from '../../app/feeds.js';
import { DomainError } from '../../domain/errors.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGS, langOf } from '../../i18n/index.js';

/** `?lang=` as `langOf` reads it: uk, ru or en in any case, with a region or other subtags after it; any other is a 400. */
const LANG_TAG = new RegExp(`^(${LANGS.join('|')})([-_][A-Za-z0-9]{1,8})*$`, 'i');
import { untilLogGrows } from '../../app/log.js';
import { notModified } from '../context.js';

/** Tells this process's entity tags from an earlier run's. */
const BOOT = randomBytes(6).toString('base64url');

/**
 * The base of every absolute link in the feeds: the configured public URL (`--public-url`), else
 * the server's own listening address (an unspecified one, 0.0.0.0 or ::, by the interface the
 * request arrived on) — never the request's Host header, which anyone may set and which cached
 * feeds would then carry to every reader (src/http/public-url.ts). Not listening (requests made
 * in-process): http://localhost.
 */
function ownOrigin(app: FastifyInstance, req: FastifyRequest): string {
  const a = app.server.address();
  if (a === null || typeof a !== 'object') return 'http://localhost';
  const unspecified = a.address === '0.0.0.0' || a.address === '::';
  const host = (unspecified ? (req.socket.localAddress ?? '127.0.0.1') : a.address).replace(/^::ffff:(?=\d+\.)/, '');
  return `http://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}

/** Headers every public feed carries: any origin's page may read it (a map on another site). */
function publicFeedHeaders(reply: FastifyReply, cacheControl: string): FastifyReply {
  return reply.header('cache-control', cacheControl).header('access-control-allow-origin', '*').header('access-control-expose-headers', 'ETag, Content-Language');
}

/**
 * Sends a feed with an entity tag, and a 304 to a reader that holds it (RFC 9110 §13.1.2): feed
 * readers and maps poll, and most polls find nothing new. The tag is the content's hash because
 * what these feeds say also changes with the clock (a window opening), not only with the log.
 * By default it is a strong tag of the body's bytes. `content`, when given, is what the tag is a
 * hash of instead: the body less what changes on every request without saying anything new (the
 * GeoJSON's `generatedAt`); the tag is then weak (W/), since two bodies with the same tag may
 * differ in those bytes (RFC 9110 §8.8.1).
 */
function sendFeed(req: FastifyRequest, reply: FastifyReply, type: string, body: string, cacheControl: string, content?: string): FastifyReply {
  const hash = createHash('sha256')
    .update(content ?? body)
    .digest('base64url')
    .slice(0, 22);
  const etag = content === undefined ? `"${hash}"` : `W/"${hash}"`;
  publicFeedHeaders(reply, cacheControl).header('etag', etag);
  if (notModified(req, etag)) return reply.code(304).send();
  return reply.type(type).send(body);
}

/**
 * Public feeds at the root (no login; corridors only, never movements, positions, sites or
 * unconfirmed incidents): /public/cap.atom, /public/cap/{id}.xml, /public/corridors.ics,
 * /public/corridors.geojson, /public/corridors.kml, /public/corridors.csv (issue 6).
 */
export function feedRoutes(app: FastifyInstance, deps: Deps, opts: { publicUrl?: string | undefined } = {}): void {
  const baseUrl = (req: FastifyRequest): string => opts.publicUrl ?? ownOrigin(app, req);
  const cache = 'public, max-age=15';
  // A CAP alert never changes once sent (a change is a new alert that references it).
  const alertCache = 'public, max-age=3600';
  // Cross-origin readers ask first when they send If-None-Match (not a CORS-safelisted header).
  for (const url of ['/public/cap.atom', '/public/cap/:id', '/public/corridors.ics', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.csv']) {
    app.options(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .code(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'GET, HEAD')
        .header('access-control-allow-headers', 'If-None-Match, If-Modified-Since, Accept-Language')
        .header('access-control-max-age', '86400')
        .header('allow', 'GET, HEAD, OPTIONS')
        .send(),
    );
  }
  app.get('/public/cap.atom', { schema: { tags: ['public'], security: [], summary: 'Atom index of CAP 1.2 corridor alerts' } }, async (req, reply) =>
    sendFeed(req, reply, 'application/atom+xml; charset=utf-8', await capAtomFeed(deps, baseUrl(req)), cache),
  );
  app.get<{ Params: { id: string } }>('/public/cap/:id', { schema: { tags: ['public'], security: [], summary: 'One CAP 1.2 alert: /public/cap/{id}.xml' } }, async (req, reply) => {
    const m = /^(\d{1,15})\.xml$/.exec(req.params.id);
    if (!m) throw new DomainError('not_found', 'alerts are at /public/cap/{id}.xml');
    const xml = await capAlertDocument(deps, Number(m[1]), baseUrl(req));
    if (xml === undefined) throw new DomainError('not_found', `no public alert ${m[1]}`);
    return sendFeed(req, reply, 'application/cap+xml; charset=utf-8', xml, alertCache);
  });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/public/corridors.ics',
    {
      schema: {
        tags: ['public'],
        security: [],
        summary: 'iCalendar (RFC 5545): one VEVENT per window',
        querystring: z.object({
          lang: z
            .string()
            .regex(LANG_TAG)
            .optional()
            .describe('language of the text: uk, ru or en (default en), in any case, a region after it read as its language (ru-RU is ru); times are UTC in every language'),
        }),
      },
    },
    async (req, reply) => {
      // Calendar clients poll the feed; it changes only when the log does (every window, guarantee
      // and suspension is recorded there), so it is built once per log size and language, and a
      // client holding the current one gets a 304. The boot id makes a restarted (perhaps
      // upgraded) server's tags new.
      const lang = langOf(req.query.lang) ?? 'en';
      const base = baseUrl(req);
      const { value, logSize } = await untilLogGrows(deps, `corridors.ics ${lang} ${base}`, () => corridorsIcs(deps, base, lang));
      const etag = `W/"${BOOT}-${logSize}"`;
      publicFeedHeaders(reply, cache).header('etag', etag).header('content-language', lang);
      if (notModified(req, etag)) return reply.code(304).send();
      return reply.type('text/calendar; charset=utf-8').send(value);
    },
  );
  app.get(
    '/public/corridors.geojson',
    {
      schema: {
        tags: ['public'],
        security: [],
        summary: 'Public corridors: routes and agreed zones as GeoJSON',
        description:
          'Only the last terms every required party guaranteed. A corridor whose guarantee ended while windows were still to run (amended, a key declared compromised, withdrawn) stays for 7 days as `status: closed` with `closedAt`, `closedCause` and `closedReason`. `windowEnd`: touching windows are one.',
      },
    }, async (req, reply) => {
    // `generatedAt` is the instant of this request, to the millisecond: the tag is of the rest,
    // so a reader holding the current picture gets a 304 (a status or a window opening changes it).
    const fc = await corridorsGeoJson(deps);
    return sendFeed(req, reply, 'application/geo+json; charset=utf-8', JSON.stringify(fc), cache, JSON.stringify({ ...fc, generatedAt: undefined }));
  });
  app.get('/public/corridors.kml', { schema: { tags: ['public'], security: [], summary: 'Public corridors: routes and agreed zones as KML' } }, async (req, reply) =>
    sendFeed(req, reply, 'application/vnd.google-earth.kml+xml; charset=utf-8', await corridorsKml(deps), cache),
  );
  app.get(
    '/public/corridors.csv',
    { schema: { tags: ['public'], security: [], summary: 'Public corridors as CSV with an HXL hashtag row', description: 'The GeoJSON’s facts, one row per corridor, with Closed at (`#date+closed`), Closure cause (`#status+closure`) and Closure reason (`#description+closure`).' } }, async (req, reply) =>
    sendFeed(req, reply, 'text/csv; charset=utf-8', await corridorsCsv(deps), cache),
  );
}
