import { osmandPorts } from '../osmand.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { readEvents } from '../../app/events.js';
import { authenticate } from '../../app/parties.js';
import { assertEventFilter, deliverable, eventEnvelope } from '../../app/webhook-events.js';
import { createWebhook, getWebhook, listDeliveries, listWebhooks, rotateWebhookSecret, stopWebhook, updateWebhook, type SelfAddress, type WebhookAddressPolicy } from '../../app/webhooks.js';
import { DomainError } from '../../domain/errors.js';
import { DeliveryView, WebhookInput, WebhookPatch, WebhookView } from '../../schemas/incident.js';
import { QueryFilter, QueryWholeNumber } from '../../schemas/common.js';
import { actorOf, commonErrors, IdParam, write } from '../context.js';

/** How often an SSE connection looks for new events in the outbox. */
export const SSE_POLL_MS = 200;
const HEARTBEAT_MS = 15_000;
export const SSE_RECHECK_MS = 2_000;

const EventsQuery = z.object({
  types: QueryFilter(2000).optional().describe('comma-separated event types or prefixes (corridor.*, movement.alert.*); default all; one that matches no event type is a 400 listing them'),
  corridor: QueryFilter(100).optional().describe('only events about this corridor'),
  lastEventId: z.string().regex(/^\d{1,15}$/, 'an event id: up to 15 decimal digits').optional().describe('resume after this id (the Last-Event-ID header wins); 0 = from the beginning; default: from now'),
  follow: z.enum(['true', 'false']).default('true').describe('false: send what is there and end the response'),
});

function selfAddress(req: FastifyRequest): SelfAddress {
  const host = String(req.headers.host ?? '').toLowerCase();
  const withPort = host === '' ? [] : /:\d+$/.test(host) && !host.endsWith(']') ? [host] : [`${host}:${req.protocol === 'https' ? 443 : 80}`];
  return { hostPorts: withPort, localPort: req.socket?.localPort, otherLocalPorts: osmandPorts(), localAddresses: req.socket?.localAddress ? [req.socket.localAddress] : [] };
}

/** Where a receiver may be, for the OpenAPI document (the rule: src/domain/ip-address.ts). */
const WEBHOOK_ADDRESSES =
  'The URL must be http(s), carry no credentials and not point at this server. Link-local addresses (169.254.0.0/16, fe80::/10: where a cloud host\'s metadata service answers), unspecified (0.0.0.0/8, ::), multicast (224.0.0.0/4, ff00::/8) and broadcast ones are always refused, written in any form (IPv4-mapped IPv6, NAT64, a decimal or hex IPv4 the URL parser normalises): 400 `validation_failed` at `/url`, naming the address class. Loopback (127.0.0.0/8, ::1), private (RFC 1918, IPv6 unique local fc00::/7), shared (CGNAT 100.64.0.0/10), documentation and reserved addresses are refused too when the server runs with `--refuse-private-webhooks` (`PASSAGE_REFUSE_PRIVATE_WEBHOOKS=1`). A host name is judged at each delivery, by the lookup the sender connects with, on every address it resolves to; an address written in the URL is judged again there too. A refused one is not connected to: the attempt fails and the delivery log says why (`ELINKLOCAL`, `EADDRESSREFUSED`), and it is retried with back-off like any failure.';

/** Server-Sent Events and webhook subscriptions (issue 6). Registered under /api/v1. */
export function eventRoutes(app: FastifyInstance, deps: Deps, policy: WebhookAddressPolicy = { refusePrivate: false }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;
  // Open streams end when the server closes, so shutdown does not wait for clients to leave.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  r.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events: everything that happens that your party may see',
        description: 'text/event-stream; each message has `id` (resume with Last-Event-ID), `event` (its type) and `data` (JSON). Without Last-Event-ID it starts from now.',
        querystring: EventsQuery,
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const header = req.headers['last-event-id'];
      const last = Array.isArray(header) ? header[0] : header;
      if (last !== undefined && !/^\d{1,15}$/.test(last.trim())) {
        throw new DomainError('validation_failed', 'Last-Event-ID must be an event id (a non-negative integer of up to 15 digits)', { details: [{ path: '/headers/last-event-id', message: 'a non-negative integer of up to 15 digits' }] });
      }
      const filter = { types: (req.query.types ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''), corridorId: req.query.corridor ?? null };
      assertEventFilter(filter.types, '/types');
      // A stream about a corridor that does not exist would never deliver anything (as for webhooks).
      if (filter.corridorId !== null && !(await db.selectFrom('corridors').select('id').where('id', '=', filter.corridorId).executeTakeFirst())) {
        throw new DomainError('validation_failed', `there is no corridor ${filter.corridorId}: a stream about it would never receive an event`, { details: [{ path: '/corridor', message: 'no such corridor' }] });
      }
      const newest = Number((await db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
      const asked = last !== undefined ? Number(last.trim()) : req.query.lastEventId !== undefined ? Number(req.query.lastEventId) : undefined;
      // An id past the newest event was never sent: resuming after it would wait for nothing
      // (and on PostgreSQL fail past bigint). Said at once, before the stream starts.
      if (asked !== undefined && asked > newest) throw new DomainError('validation_failed', `there is no event ${asked}: the newest is ${newest}; resume after an id this stream sent, or 0 for the beginning`, { details: [{ path: last !== undefined ? '/headers/last-event-id' : '/lastEventId', message: 'no such event' }] });
      let cursor = asked ?? newest;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      let closed = false;
      const end = (): void => {
        closed = true;
      };
      open.add(end);
      req.raw.on('close', end);
      const pump = async (): Promise<void> => {
        for (;;) {
          const batch = await readEvents(db, cursor, 500);
          for (const e of batch) {
            cursor = e.id;
            if (!deliverable(actor, filter, e)) continue;
            res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(eventEnvelope(e))}\n\n`);
          }
          if (batch.length < 500) return;
        }
      };
      try {
        await pump();
        if (req.query.follow === 'false') {
          res.end();
          return;
        }
        let beat = Date.now();
        // The token is checked again every few seconds: a stream opened with a token revoked
        // since (or whose member was disabled) ends, as every other request with it is a 401.
        const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
        let checked = Date.now();
        while (!closed) {
          await new Promise((ok) => setTimeout(ok, SSE_POLL_MS));
          if (closed) break;
          if (Date.now() - checked >= SSE_RECHECK_MS) {
            checked = Date.now();
            if ((await authenticate(db, token)) === null) {
              res.write('event: unauthenticated\ndata: {"detail":"the API token was revoked or its member disabled"}\n\n');
              break;
            }
          }
          await pump();
          if (Date.now() - beat > HEARTBEAT_MS) {
            res.write(': keep-alive\n\n');
            beat = Date.now();
          }
        }
      } catch (err) {
        req.log.error({ err }, 'event stream failed');
      } finally {
        open.delete(end);
        if (!res.writableEnded) res.end();
      }
    },
  );

  r.post('/webhooks', { schema: { tags: ['webhooks'], summary: 'Subscribe a receiver; the secret is shown once', description: WEBHOOK_ADDRESSES, body: WebhookInput, response: { 201: WebhookView, ...commonErrors } } }, async (req, reply) => {
    const self = selfAddress(req);
    const view = await write(deps, req, reply, 201, (u, actor) => createWebhook(u, actor, req.body, self, policy));
    reply.header('location', `/api/v1/webhooks/${view.id}`);
    return view;
  });
  r.get('/webhooks', { schema: { tags: ['webhooks'], summary: 'Your party’s subscriptions (all, for the mediator)', response: { 200: z.array(WebhookView), ...commonErrors } } }, async (req) => listWebhooks(db, actorOf(req)));
  r.get('/webhooks/:id', { schema: { tags: ['webhooks'], params: IdParam, response: { 200: WebhookView, ...commonErrors } } }, async (req) => getWebhook(db, actorOf(req), req.params.id));
  r.patch('/webhooks/:id', { schema: { tags: ['webhooks'], summary: 'Change URL, filter or description; pause or resume (active)', description: WEBHOOK_ADDRESSES, params: IdParam, body: WebhookPatch, response: { 200: WebhookView, ...commonErrors } } }, async (req, reply) => {
    const self = selfAddress(req);
    return write(deps, req, reply, 200, (u, actor) => updateWebhook(u, actor, req.params.id, req.body, self, policy));
  });
  r.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the new one is shown once, in this answer',
        description: 'Every delivery sent after this answer, retries of earlier events included, is signed with the new secret; the old one signs nothing more. The body, if any, is {}. A retry with the same Idempotency-Key is a 409 duplicate (the secret is not kept for replay): rotate again.',
        params: IdParam,
        body: z.object({}).strict().default({}),
        response: { 200: WebhookView, ...commonErrors },
      },
    },
    async (req, reply) =>
      write(deps, req, reply, 200, (u, actor) => rotateWebhookSecret(u, actor, req.params.id), {
        onceOnly: (v) => `the secret of webhook ${v.id} was replaced by the first request with this Idempotency-Key, and it is shown only once: rotate it again`,
      }),
  );
  r.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Stop deliveries (the subscription and its delivery log are kept)',
        description: 'Stopping a subscription already stopped answers it as it is and writes nothing; PATCH {"active": true} resumes it.',
        params: IdParam,
        response: { 200: WebhookView, ...commonErrors },
      },
    },
    async (req, reply) => write(deps, req, reply, 200, (u, actor) => stopWebhook(u, actor, req.params.id)),
  );
  r.get(
    '/webhooks/:id/deliveries',
    { schema: { tags: ['webhooks'], summary: 'The delivery log: each event, its attempts, the last answer, newest first', params: IdParam, querystring: z.object({ limit: QueryWholeNumber.pipe(z.number().min(1).max(1000)).default(100) }), response: { 200: z.array(DeliveryView), ...commonErrors } } },
    async (req) => listDeliveries(db, actorOf(req), req.params.id, req.query.limit),
  );
}
