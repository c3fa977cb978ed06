import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import {
  abortMovement,
  acknowledgeMovement,
  addReceipt,
  arriveMovement,
  checkInMovement,
  departMovement,
  getVisibleMovement,
  latestPositions,
  listVisibleAlerts,
  listVisibleMovements,
  movementAlerts,
  movementReconciliation,
  movementTrack,
  notifyMovement,
  positionRejections,
  toMovementView,
} from '../../app/movements.js';
import { positionIngestFor, type Report } from '../../app/positions.js';
import { DomainError, type ErrorDetail } from '../../domain/errors.js';
import { attributesProblem } from '../../domain/tracking-protocol.js';
import { fixTimeProblem, measurementProblem, type FixMeasurement } from '../../domain/tracking.js';
import { parseIsoMillisZ, parseRfc3339 } from '../../domain/windows.js';
import { QueryFilter, Rfc3339 } from '../../schemas/common.js';
import { AlertView, CheckinBody, CountBody, DepartBody, LatestPositionView, MovementInput, MovementState, MovementView, PositionsBody, PositionsResult, ReceiptBody, ReconciliationView } from '../../schemas/movement.js';
import { actorOf, commonErrors, IdParam, write } from '../context.js';

export const MAX_FIXES_PER_BATCH = 10_000;

const AlertState = z.object({ state: z.enum(['open', 'cleared']).optional() });
const opt = (v: unknown, path: string, bad: (path: string, m: string) => never): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(path, 'must be a finite number');
  return v as number;
};

/** A measurement of a fix: absent, or a finite number in its range (an API client can send null for unknown). */
const measured = (v: unknown, name: FixMeasurement, bad: (path: string, m: string) => never): number | undefined => {
  const x = opt(v, name, bad);
  const why = x === undefined ? undefined : measurementProblem(name, x);
  if (why) bad(name, why);
  return x;
};

/**
 * Validates a batch of fixes quickly: 10,000 of them must not cost a schema walk each (the route
 * is a hot path), and the first bad item is named by its index.
 */
export function parseFixes(raw: readonly unknown[], now: number): Report[] {
  if (raw.length > MAX_FIXES_PER_BATCH) throw new DomainError('validation_failed', `at most ${MAX_FIXES_PER_BATCH} fixes per request, got ${raw.length}`, { details: [{ path: '/fixes', message: 'too many fixes' }] });
  const out: Report[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const bad = (path: string, message: string): never => {
      throw new DomainError('validation_failed', `fix ${i}: ${path} ${message}`, { details: [{ path: `/fixes/${i}/${path}`, message }] as ErrorDetail[], extra: { index: i } });
    };
    const f = raw[i] as Record<string, unknown> | null;
    if (f === null || typeof f !== 'object' || Array.isArray(f)) bad('', 'must be an object');
    const { deviceId, at, lat, lon, attributes } = f as Record<string, unknown>;
    if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 100) bad('deviceId', 'must be a string of 1 to 100 characters');
    let t = now;
    let atText: string | undefined;
    if (at !== undefined) {
      // Already in the stored form: parsed cheaply and kept as sent.
      const stored = typeof at === 'string' ? parseIsoMillisZ(at) : undefined;
      const p = stored ?? (typeof at === 'string' ? parseRfc3339(at) : undefined);
      if (p === undefined) bad('at', 'must be an RFC 3339 date-time with offset');
      t = p as number;
      if (stored !== undefined) atText = at as string;
      const late = fixTimeProblem(t, now);
      if (late) bad('at', late);
    }
    const la = opt(lat, 'lat', bad);
    const lo = opt(lon, 'lon', bad);
    if ((la === undefined) !== (lo === undefined)) bad('lat', 'send both lat and lon, or neither (a heartbeat)');
    if (la !== undefined && (la < -90 || la > 90)) bad('lat', 'must be in [-90, 90]');
    if (lo !== undefined && (lo < -180 || lo > 180)) bad('lon', 'must be in [-180, 180]');
    if (attributes !== undefined) {
      if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) bad('attributes', 'must be an object');
      const why = attributesProblem(attributes as Record<string, unknown>);
      if (why) bad('attributes', why);
    }
    const g = f as Record<string, unknown>;
    out[i] = {
      deviceId: deviceId as string,
      at: t,
      atText,
      lat: la,
      lon: lo,
      speed: measured(g.speed, 'speed', bad),
      bearing: measured(g.bearing, 'bearing', bad),
      altitude: measured(g.altitude, 'altitude', bad),
      accuracy: measured(g.accuracy, 'accuracy', bad),
      battery: measured(g.battery, 'battery', bad),
      attributes: attributes as Record<string, unknown> | undefined,
    };
  }
  return out;
}

/** Movements, positions, checkpoints, reconciliation (issue 5). Registered under /api/v1. Never public. */
export function movementRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;
  const tags = ['movements'];
  r.get(
    '/movements',
    { schema: { tags, summary: 'Movements your party may see', querystring: z.object({ corridorId: QueryFilter(100).optional(), state: MovementState.optional() }), response: { 200: z.array(MovementView), ...commonErrors } } },
    async (req) => {
      const list = await listVisibleMovements(db, actorOf(req), req.query);
      return Promise.all(list.map((m) => toMovementView(db, m)));
    },
  );
  r.post('/movements', { schema: { tags, summary: 'Notify a movement on a corridor (humanitarian operators); a warning says why if the corridor is not open at the planned departure', body: MovementInput, response: { 201: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => notifyMovement(u, actor, req.body)),
  );
  r.get('/movements/:id', { schema: { tags, params: IdParam, response: { 200: MovementView, ...commonErrors } } }, async (req) => toMovementView(db, await getVisibleMovement(db, actorOf(req), req.params.id)));
  r.post('/movements/:id/acknowledge', { schema: { tags, summary: 'Acknowledge a movement (parties on its distribution)', params: IdParam, response: { 200: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => acknowledgeMovement(u, actor, req.params.id)),
  );
  r.post('/movements/:id/depart', { schema: { tags, summary: 'Record the departure and what departed (the manifest when no counts are given)', params: IdParam, body: DepartBody.default({ notes: '' }), response: { 200: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => departMovement(u, actor, req.params.id, req.body)),
  );
  r.post('/movements/:id/checkins', { schema: { tags, summary: 'Check in at a checkpoint: time, who counted, people and cargo counted', params: IdParam, body: CheckinBody, response: { 201: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => checkInMovement(u, actor, req.params.id, req.body)),
  );
  r.post('/movements/:id/arrive', { schema: { tags, summary: 'Record the arrival and the final counts; releases the trackers', params: IdParam, body: CountBody, response: { 200: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => arriveMovement(u, actor, req.params.id, req.body)),
  );
  r.post('/movements/:id/abort', { schema: { tags, params: IdParam, body: z.object({ reason: z.string().min(1).max(2000) }).strict(), response: { 200: MovementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => abortMovement(u, actor, req.params.id, req.body)),
  );
  r.post(
    '/movements/:id/receipts',
    {
      schema: {
        tags,
        summary: 'Confirm delivery of cargo: the receiving party the movement names, never its operator',
        description:
          'Only the admins, operators and liaison officers of the movement’s `receivingPartyId` record a receipt: it is the consignee’s confirmation of what the operator dispatched, reconciled line by line against it. Anyone else — the operator that sent the cargo, the mediator, another party — gets 403 `forbidden`, whose detail names the receiving party (also given as `receivingPartyId`). A movement notified before movements named their receiving party takes receipts from a humanitarian party on its distribution other than its operator.',
        params: IdParam,
        body: ReceiptBody,
        response: { 201: MovementView, ...commonErrors },
      },
    },
    (req, reply) => write(deps, req, reply, 201, (u, actor) => addReceipt(u, actor, req.params.id, req.body)),
  );
  r.get(
    '/movements/:id/track',
    { schema: { tags, summary: 'The track as GeoJSON: a LineString per tracker with per-point times (a Point while the tracker has sent one fix), and each fix as a Point', params: IdParam, querystring: z.object({ since: Rfc3339.optional(), points: z.enum(['true', 'false']).optional() }), response: { 200: z.object({ type: z.literal('FeatureCollection'), properties: z.record(z.string(), z.unknown()), features: z.array(z.unknown()) }), ...commonErrors } } },
    async (req, reply) => {
      const since = req.query.since === undefined ? undefined : new Date(parseRfc3339(req.query.since) as number).toISOString();
      const fc = await movementTrack(db, actorOf(req), req.params.id, { since, points: req.query.points !== 'false' });
      reply.header('content-type', 'application/geo+json; charset=utf-8');
      return fc;
    },
  );
  r.get('/movements/:id/alerts', { schema: { tags, params: IdParam, querystring: AlertState, response: { 200: z.array(AlertView), ...commonErrors } } }, async (req) => movementAlerts(db, actorOf(req), req.params.id, req.query));
  r.get('/movements/:id/reconciliation', { schema: { tags, summary: 'People departed vs each checkpoint vs arrived; cargo dispatched vs received; where a discrepancy first appeared', params: IdParam, response: { 200: ReconciliationView, ...commonErrors } } }, async (req) =>
    movementReconciliation(db, actorOf(req), req.params.id),
  );
  r.get('/movement-alerts', { schema: { tags, summary: 'Alerts of every movement your party may see', querystring: AlertState, response: { 200: z.array(AlertView), ...commonErrors } } }, async (req) => listVisibleAlerts(db, actorOf(req), req.query));
  r.get('/positions/latest', { schema: { tags, summary: 'The newest fix of every tracker of every movement your party may see', querystring: z.object({ state: MovementState.optional() }), response: { 200: z.array(LatestPositionView), ...commonErrors } } }, async (req) =>
    latestPositions(db, actorOf(req), deps.now(), req.query),
  );
  r.get(
    '/positions/rejections',
    { schema: { tags, summary: 'Reports from unknown trackers, counted per device (the mediator)', response: { 200: z.array(z.object({ deviceId: z.string(), count: z.number(), firstAt: z.string(), lastAt: z.string(), lastVia: z.string() })), ...commonErrors } } },
    async (req) => positionRejections(db, actorOf(req)),
  );
  // Positions are idempotent by nature — one fix per (device, time), a retry stores nothing twice —
  // so this route does not use `write` (an Idempotency-Key record per request would defeat group commit).
  r.post(
    '/positions',
    {
      bodyLimit: 16 * 1024 * 1024,
      schema: { tags, summary: 'A batch of up to 10,000 fixes from trackers of movements your party operates; committed before the answer', body: PositionsBody, response: { 200: PositionsResult, ...commonErrors } },
    },
    async (req) => {
      const actor = actorOf(req);
      const reports = parseFixes(req.body.fixes, deps.now());
      const out = await positionIngestFor(deps).submit(reports, 'json', actor);
      if (!out.ok) throw new DomainError('not_found', `unknown tracker device${out.unknownDevices.length > 1 ? 's' : ''}: ${out.unknownDevices.slice(0, 10).join(', ')} (not registered to a movement your party operates)`, { extra: { unknownDevices: out.unknownDevices.slice(0, 100) } });
      return out;
    },
  );
}
