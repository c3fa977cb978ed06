import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { movementsCsv, movementsGeoJson } from '../../app/movement-export.js';
import { incidentsCsv, incidentsGeoJson } from '../../app/incident-export.js';
import { confirmIncident, correctIncident, disputeIncident, dismissIncident, getVisibleIncident, listVisibleIncidents, matchIncident, reportIncident } from '../../app/incidents.js';
import { assertIncidentGeometry } from '../../domain/incident.js';
import { parseRfc3339 } from '../../domain/windows.js';
import { QueryFilter, Rfc3339 } from '../../schemas/common.js';
import { CorrectionBody, DecisionBody, DisputeBody, IncidentInput, IncidentKind, IncidentState, IncidentView } from '../../schemas/incident.js';
import { actorOf, commonErrors, IdParam, ifMatchVersion, withVersion, write } from '../context.js';

const ListQuery = z.object({
  state: IncidentState.optional(),
  kind: IncidentKind.optional(),
  corridor: QueryFilter().optional().describe('only incidents matched to this corridor'),
  since: Rfc3339.optional().describe('occurred at or after'),
  until: Rfc3339.optional().describe('occurred before'),
});

/** Incidents, disputes and exports for analysts (issue 6). Registered under /api/v1. */
export function incidentRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;

  r.post('/incidents', { schema: { tags: ['incidents'], summary: 'Report an incident (any member); it is matched to the corridors whose ceasefire held there and then', body: IncidentInput, response: { 201: IncidentView, ...commonErrors } } }, async (req, reply) => {
    actorOf(req);
    // Match before the write's transaction: the shared geo index reads through the store handle.
    assertIncidentGeometry(req.body.geometry);
    const at = parseRfc3339(req.body.occurredAt);
    const corridorIds = at === undefined ? [] : await matchIncident(deps, req.body.geometry, at);
    const view = await write(deps, req, reply, 201, (u, actor) => reportIncident(u, actor, req.body, corridorIds));
    reply.header('location', `/api/v1/incidents/${view.id}`);
    return view;
  });

  r.get('/incidents', { schema: { tags: ['incidents'], summary: 'Incidents your party may see', querystring: ListQuery, response: { 200: z.array(IncidentView), ...commonErrors } } }, async (req) =>
    listVisibleIncidents(db, actorOf(req), req.query),
  );

  r.get('/incidents/:id', { schema: { tags: ['incidents'], params: IdParam, response: { 200: IncidentView, ...commonErrors } } }, async (req, reply) => {
    const view = await getVisibleIncident(db, actorOf(req), req.params.id);
    reply.header('etag', `"${view.version}"`);
    return view;
  });

  r.post('/incidents/:id/confirm', { schema: { tags: ['incidents'], summary: 'Confirm (the mediator); suspends matched corridors whose policy says so, in the same transaction', params: IdParam, body: DecisionBody, response: { 200: IncidentView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => confirmIncident(u, actor, req.params.id, req.body)),
  );
  r.post('/incidents/:id/dismiss', { schema: { tags: ['incidents'], summary: 'Dismiss (the mediator)', params: IdParam, body: DecisionBody, response: { 200: IncidentView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => dismissIncident(u, actor, req.params.id, req.body)),
  );
  r.post('/incidents/:id/disputes', { schema: { tags: ['incidents'], summary: 'Attach a dispute statement (a party’s negotiators)', params: IdParam, body: DisputeBody, response: { 201: IncidentView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => disputeIncident(u, actor, req.params.id, req.body)),
  );
  r.post('/incidents/:id/corrections', { schema: { tags: ['incidents'], summary: 'Correct a report: a new version and a log entry; nothing is removed', params: IdParam, body: CorrectionBody, response: { 200: IncidentView, ...commonErrors } } }, async (req, reply) => {
    const view = await write(deps, req, reply, 200, (u, actor) => withVersion(ifMatchVersion(req), undefined, (baseVersion) => correctIncident(u, actor, req.params.id, { ...req.body, baseVersion })));
    reply.header('etag', `"${view.version}"`);
    return view;
  });

  r.get('/exports/incidents.geojson', { schema: { tags: ['exports'], summary: 'Incidents your party may see, as GeoJSON', querystring: ListQuery } }, async (req, reply) => {
    const body = await incidentsGeoJson(db, actorOf(req), req.query);
    return reply.type('application/geo+json; charset=utf-8').send(JSON.stringify(body));
  });
  r.get('/exports/movements.geojson', { schema: { tags: ['exports'], summary: 'Movements your party may see, at their latest fix, as GeoJSON' } }, async (req, reply) => {
    const body = await movementsGeoJson(db, actorOf(req), deps.now());
    return reply.type('application/geo+json; charset=utf-8').send(JSON.stringify(body));
  });
  r.get('/exports/movements.csv', { schema: { tags: ['exports'], summary: 'Movements your party may see, as CSV with an HXL hashtag row' } }, async (req, reply) => {
    const text = await movementsCsv(db, actorOf(req), deps.now());
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="movements.csv"').send(text);
  });
  r.get('/exports/incidents.csv', { schema: { tags: ['exports'], summary: 'Incidents your party may see, as CSV with an HXL hashtag row', querystring: ListQuery } }, async (req, reply) => {
    const text = await incidentsCsv(db, actorOf(req), req.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="incidents.csv"').send(text);
  });
}
