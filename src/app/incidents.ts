import type { Actor } from '../domain/authorization.js';
import type { EventType } from '../domain/event-types.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError } from '../domain/errors.js';
import {
  assertDecision,
  assertIncidentInput,
  canCorrectIncident,
  canDecideIncident,
  canDisputeIncident,
  canSeeIncident,
  correctedReport,
  incidentAudience,
  incidentProbePoints,
  routeProbesInside,
  nearbyAudience,
  distanceToProbes,
  NEARBY_M,
  NEARBY_MS,
} from '../domain/incident.js';
import { automaticSuspensionReason, suspendsAutomatically, suspendsOnConfirm } from '../domain/suspension-policy.js';
import { formatUtc, parseRfc3339 } from '../domain/windows.js';
import type { IncidentGeometry, IncidentInput, IncidentKind, IncidentSeverity, IncidentState, IncidentView } from '../schemas/incident.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { loadCorridor, lockCorridors, suspendCorridor } from './corridors.js';
import { nowIso, sha256Hex, type Deps, type Unit } from './deps.js';
import { emitEvent } from './events.js';
import { geoIndexFor } from './geo.js';
import { appendLog } from './log.js';
import { canSeeMovement } from '../domain/movement.js';
import { audienceOf, loadMovementUnchecked, visibilityOf } from './movements.js';

type IncidentRow = DB['incidents'];

const MATCHER: Pick<Actor, 'partyId' | 'partyKind'> = { partyId: 'system', partyKind: 'mediator' };

/**
 * The corridors whose ceasefire zone held at the incident's place and time, by the
 * deconfliction engine (a polygon is probed along its edges and across its inside,
 * incidentProbePoints). Runs outside any
 * transaction: the shared index reads through the store's own handle.
 */
/**
 * Movements whose trackers reported within NEARBY_M of the incident (any probe point) within
 * NEARBY_MS of its time: a box query on the positions, then exact distances.
 */
async function nearbyMovements(tx: Tx, geometry: IncidentGeometry, at: number): Promise<{ id: string; corridorId: string; audience: string[]; distanceM: number }[]> {
  const best = new Map<string, number>();
  const from = new Date(at - NEARBY_MS).toISOString();
  const to = new Date(at + NEARBY_MS).toISOString();
  // One box query around every probe point, then exact distances to the nearest probe.
  const probes = incidentProbePoints(geometry);
  const lats = probes.map((p) => p[1]);
  const lons = probes.map((p) => p[0]);
  const dLat = NEARBY_M / 110_000;
  const dLon = dLat / Math.max(0.05, Math.cos((((Math.min(...lats) + Math.max(...lats)) / 2) * Math.PI) / 180));
  const rows = await tx
    .selectFrom('positions')
    .select(['movement_id', 'lat', 'lon'])
    .where('at', '>=', from)
    .where('at', '<=', to)
    .where('lat', '>=', Math.min(...lats) - dLat)
    .where('lat', '<=', Math.max(...lats) + dLat)
    .where('lon', '>=', Math.min(...lons) - dLon)
    .where('lon', '<=', Math.max(...lons) + dLon)
    .execute();
  for (const r of rows) {
    const d = distanceToProbes(probes, Number(r.lon), Number(r.lat));
    if (d <= NEARBY_M && d < (best.get(r.movement_id) ?? Number.POSITIVE_INFINITY)) best.set(r.movement_id, d);
  }
  const out: { id: string; corridorId: string; audience: string[]; distanceM: number }[] = [];
  for (const [id, d] of [...best].sort((a, b) => a[1] - b[1])) {
    const m = await loadMovementUnchecked(tx, id);
    if (m) out.push({ id, corridorId: m.row.corridor_id, audience: audienceOf(visibilityOf(m)), distanceM: Math.round(d) });
  }
  return out;
}

/** The incident as this member may see it: only the nearby movements its party may see. */
async function forViewer(tx: Tx, viewer: Pick<Actor, 'partyId' | 'partyKind'>, i: IncidentView): Promise<IncidentView> {
  if (i.movementIds.length === 0 || viewer.partyKind === 'mediator') return i;
  const visible: string[] = [];
  for (const id of i.movementIds) {
    const m = await loadMovementUnchecked(tx, id);
    if (m && canSeeMovement(viewer, visibilityOf(m))) visible.push(id);
  }
  return { ...i, movementIds: visible };
}

export async function matchIncident(deps: Deps, geometry: IncidentGeometry, at: number): Promise<string[]> {
  const index = geoIndexFor(deps);
  await index.sync(deps.store.db);
  // With an area, also a point of each route lying inside it: a zone wholly inside a large area
  // may fall between the inside grid's points (routeProbesInside). The routes are the index's own
  // (no store read), and the check runs on the same index state, with no await in between.
  const routes = geometry.type === 'Point' ? [] : index.routesNow();
  const points = [...incidentProbePoints(geometry), ...routeProbesInside(geometry, routes)].map(([lon, lat]) => ({ lon, lat, at }));
  return [...new Set(index.checkNow(points, { viewer: MATCHER }).flatMap((r) => r.corridors))].sort();
}

function toView(r: IncidentRow, disputes: DB['incident_disputes'][]): IncidentView {
  return {
    id: r.id,
    kind: r.kind as IncidentKind,
    severity: r.severity as IncidentSeverity,
    geometry: JSON.parse(r.geometry) as IncidentGeometry,
    occurredAt: r.occurred_at,
    reportedAt: r.reported_at,
    reportedBy: r.reported_by,
    reporterPartyId: r.reporter_party_id,
    description: r.description,
    evidence: JSON.parse(r.evidence) as IncidentView['evidence'],
    casualties: r.casualties === null ? null : (JSON.parse(r.casualties) as IncidentView['casualties']),
    distribution: r.distribution === null ? null : (JSON.parse(r.distribution) as string[]),
    corridorIds: JSON.parse(r.corridor_ids) as string[],
    movementIds: JSON.parse(r.movement_ids) as string[],
    state: r.state as IncidentState,
    version: Number(r.version),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
    suspensionIds: JSON.parse(r.suspension_ids) as string[],
    disputes: disputes.map((d) => ({ id: d.id, partyId: d.party_id, memberId: d.member_id, statement: d.statement, createdAt: d.created_at })),
    updatedAt: r.updated_at,
  };
}

async function loadIncident(tx: Tx, id: string): Promise<IncidentView | undefined> {
  const row = await tx.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const disputes = await tx.selectFrom('incident_disputes').selectAll().where('incident_id', '=', id).orderBy('created_at').orderBy('id').execute();
  return toView(row, disputes);
}

/** An incident the actor may see, or `not_found` — the same answer as for one that does not exist. */
export async function getVisibleIncident(tx: Tx, actor: Pick<Actor, 'partyId' | 'partyKind'>, id: string): Promise<IncidentView> {
  const i = await loadIncident(tx, id);
  if (!i || !canSeeIncident(actor, i)) throw new DomainError('not_found', `no incident with id ${id}`);
  return forViewer(tx, actor, i);
}

export interface IncidentFilter {
  readonly state?: IncidentState | undefined;
  readonly corridor?: string | undefined;
  readonly kind?: IncidentKind | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

export async function listVisibleIncidents(tx: Tx, actor: Pick<Actor, 'partyId' | 'partyKind'>, filter: IncidentFilter = {}): Promise<IncidentView[]> {
  let q = tx.selectFrom('incidents').selectAll().orderBy('occurred_at').orderBy('id');
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  const rows = await q.execute();
  const disputes = await tx.selectFrom('incident_disputes').selectAll().orderBy('created_at').orderBy('id').execute();
  const byIncident = new Map<string, DB['incident_disputes'][]>();
  for (const d of disputes) byIncident.set(d.incident_id, [...(byIncident.get(d.incident_id) ?? []), d]);
  const since = filter.since === undefined ? undefined : parseRfc3339(filter.since);
  const until = filter.until === undefined ? undefined : parseRfc3339(filter.until);
  const visible = rows
    .map((r) => toView(r, byIncident.get(r.id) ?? []))
    .filter((i) => canSeeIncident(actor, i))
    .filter((i) => filter.corridor === undefined || i.corridorIds.includes(filter.corridor))
    .filter((i) => since === undefined || Date.parse(i.occurredAt) >= since)
    .filter((i) => until === undefined || Date.parse(i.occurredAt) < until);
  return Promise.all(visible.map((i) => forViewer(tx, actor, i)));
}

/** What the log records: the whole report when every member may see it, else its hash and distribution. */
function logBody(i: IncidentView): Record<string, unknown> {
  const body = { kind: i.kind, severity: i.severity, geometry: i.geometry, occurredAt: i.occurredAt, description: i.description, evidence: i.evidence, casualties: i.casualties };
  return i.distribution === null
    ? { incidentId: i.id, version: i.version, ...body, corridorIds: i.corridorIds }
    : { incidentId: i.id, version: i.version, kind: i.kind, bodySha256: sha256Hex(canonicalJson(body)), distribution: i.distribution, corridorIds: i.corridorIds };
}

async function incidentEvent(u: Unit, i: IncidentView, type: EventType, extra: Record<string, unknown> = {}): Promise<void> {
  await emitEvent(u, {
    type,
    subject: `incident/${i.id}`,
    corridorId: i.corridorIds[0] ?? null,
    audience: incidentAudience(i),
    payload: { incidentId: i.id, kind: i.kind, severity: i.severity, state: i.state, occurredAt: i.occurredAt, corridorIds: i.corridorIds, ...extra },
  });
}

/**
 * Records a report. `corridorIds` come from `matchIncident`, computed before the transaction
 * (the report's time and place do not change, and corrections never move them).
 */
export async function reportIncident(u: Unit, actor: Actor, input: IncidentInput, corridorIds: readonly string[]): Promise<IncidentView> {
  const parties = new Set((await u.tx.selectFrom('parties').select('id').execute()).map((p) => p.id));
  const at = assertIncidentInput(input, u.deps.now(), (id) => parties.has(id));
  const id = u.deps.newId('inc');
  const now = nowIso(u.deps);
  const nearby = await nearbyMovements(u.tx, input.geometry, at);
  await u.tx
    .insertInto('incidents')
    .values({
      id,
      kind: input.kind,
      severity: input.severity,
      geometry: JSON.stringify(input.geometry),
      occurred_at: formatUtc(at),
      reported_at: now,
      reported_by: actor.memberId,
      reporter_party_id: actor.partyId,
      description: input.description,
      evidence: JSON.stringify(input.evidence.map((e) => ({ ...e, sha256: e.sha256.toLowerCase() }))),
      casualties: input.casualties === null ? null : JSON.stringify(input.casualties),
      distribution: input.distribution === null ? null : JSON.stringify(input.distribution),
      corridor_ids: JSON.stringify(corridorIds),
      movement_ids: JSON.stringify(nearby.map((m) => m.id)),
      state: 'reported',
      version: 1,
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      suspension_ids: '[]',
      updated_at: now,
    })
    .execute();
  const view = (await loadIncident(u.tx, id)) as IncidentView;
  await appendLog(u, { actor: actor.memberId, action: 'incident.reported', subject: `incident/${id}`, payload: logBody(view), restricted: view.distribution !== null });
  await incidentEvent(u, view, 'incident.reported');
  // Each movement near it is told, and only those who may see both the movement and the incident
  // hear of it (the mediator sees every event; an empty audience is the mediator's alone).
  for (const m of nearby) {
    const audience = nearbyAudience(m.audience, { reporterPartyId: view.reporterPartyId, distribution: view.distribution }) ?? [];
    await emitEvent(u, { type: 'movement.incident_nearby', subject: `movement/${m.id}`, corridorId: m.corridorId, audience, payload: { movementId: m.id, incidentId: id, kind: view.kind, severity: view.severity, occurredAt: view.occurredAt, distanceM: m.distanceM } });
  }
  return forViewer(u.tx, actor, view);
}

async function lockedIncident(u: Unit, actor: Actor, id: string): Promise<IncidentView> {
  if (u.deps.store.engine === 'postgres') await u.tx.selectFrom('incidents').select('id').where('id', '=', id).forUpdate().execute();
  return getVisibleIncident(u.tx, actor, id);
}

/**
 * The mediator confirms a report. In the same transaction, every matched corridor whose
 * signed suspension policy names this kind, and which is guaranteed now, is suspended with a
 * reason naming the incident, from the time the incident happened (the ceasefire did not hold
 * from then); corridors whose policy leaves it to the mediator are only told.
 */
export async function confirmIncident(u: Unit, actor: Actor, id: string, body: { reason: string }): Promise<IncidentView> {
  if (!canDecideIncident(actor)) throw new DomainError('forbidden', 'only the mediator’s negotiators confirm or dismiss incidents');
  const i = await lockedIncident(u, actor, id);
  assertDecision(i.state, 'confirmed');
  // Every corridor it may suspend, before the first suspension is logged (see lockCorridors).
  await lockCorridors(u, i.corridorIds);
  const now = nowIso(u.deps);
  const suspended: { corridorId: string; suspensionId: string }[] = [];
  const mediatorOnly: string[] = [];
  for (const corridorId of i.corridorIds) {
    const c = await loadCorridor(u.tx, corridorId);
    if (!suspendsAutomatically(c.terms.suspensionPolicy, i.kind)) {
      mediatorOnly.push(corridorId);
      continue;
    }
    if (!suspendsOnConfirm(c.row.state, c.terms.suspensionPolicy, i.kind)) continue;
    const since = formatUtc(Math.min(Date.parse(i.occurredAt), u.deps.now()));
    const view = await suspendCorridor(u, actor, corridorId, { reason: automaticSuspensionReason(i), since }, { clampSince: true, incidentId: i.id });
    const s = view.suspensions.find((x) => x.until === null);
    if (s) suspended.push({ corridorId, suspensionId: s.id });
  }
  await u.tx
    .updateTable('incidents')
    .set({ state: 'confirmed', decided_by: actor.memberId, decided_at: now, decision_reason: body.reason, suspension_ids: JSON.stringify(suspended.map((s) => s.suspensionId)), updated_at: now })
    .where('id', '=', id)
    .execute();
  const view = (await loadIncident(u.tx, id)) as IncidentView;
  await appendLog(u, { actor: actor.memberId, action: 'incident.confirmed', subject: `incident/${id}`, payload: { incidentId: id, reason: body.reason, suspended, mediatorOnly }, restricted: view.distribution !== null });
  await incidentEvent(u, view, 'incident.confirmed', { reason: body.reason, suspended, mediatorOnly });
  return forViewer(u.tx, actor, view);
}

export async function dismissIncident(u: Unit, actor: Actor, id: string, body: { reason: string }): Promise<IncidentView> {
  if (!canDecideIncident(actor)) throw new DomainError('forbidden', 'only the mediator’s negotiators confirm or dismiss incidents');
  const i = await lockedIncident(u, actor, id);
  assertDecision(i.state, 'dismissed');
  const now = nowIso(u.deps);
  await u.tx.updateTable('incidents').set({ state: 'dismissed', decided_by: actor.memberId, decided_at: now, decision_reason: body.reason, updated_at: now }).where('id', '=', id).execute();
  const view = (await loadIncident(u.tx, id)) as IncidentView;
  await appendLog(u, { actor: actor.memberId, action: 'incident.dismissed', subject: `incident/${id}`, payload: { incidentId: id, reason: body.reason }, restricted: view.distribution !== null });
  await incidentEvent(u, view, 'incident.dismissed', { reason: body.reason });
  return forViewer(u.tx, actor, view);
}

/** A party's statement disputing a report (or its confirmation). Added, never replaced. */
export async function disputeIncident(u: Unit, actor: Actor, id: string, body: { statement: string }): Promise<IncidentView> {
  if (!canDisputeIncident(actor)) throw new DomainError('forbidden', 'a party’s negotiators (admin or liaison) attach dispute statements');
  const i = await lockedIncident(u, actor, id);
  const row = { id: u.deps.newId('dsp'), incident_id: id, party_id: actor.partyId, member_id: actor.memberId, statement: body.statement, created_at: nowIso(u.deps) };
  await u.tx.insertInto('incident_disputes').values(row).execute();
  await appendLog(u, { actor: actor.memberId, action: 'incident.disputed', subject: `incident/${id}`, payload: { incidentId: id, disputeId: row.id, partyId: actor.partyId, statementSha256: sha256Hex(body.statement), ...(i.distribution === null ? { statement: body.statement } : {}) }, restricted: i.distribution !== null });
  await incidentEvent(u, i, 'incident.disputed', { disputeId: row.id, partyId: actor.partyId });
  return forViewer(u.tx, actor, (await loadIncident(u.tx, id)) as IncidentView);
}

/** Corrects severity, description or casualties, or adds evidence: a new version and a log entry; nothing is removed. */
export async function correctIncident(
  u: Unit,
  actor: Actor,
  id: string,
  body: { severity?: IncidentSeverity | undefined; description?: string | undefined; casualties?: IncidentView['casualties'] | undefined; evidence?: IncidentView['evidence'] | undefined; reason: string; baseVersion?: number | undefined },
): Promise<IncidentView> {
  const i = await lockedIncident(u, actor, id);
  if (!canCorrectIncident(actor, i)) throw new DomainError('forbidden', 'the reporting party or the mediator corrects a report');
  if (body.baseVersion !== undefined && body.baseVersion !== i.version) throw new DomainError('version_conflict', `the report is at version ${i.version}, not ${body.baseVersion}: read it again before correcting`, { extra: { currentVersion: i.version } });
  const next = correctedReport(i, body);
  const now = nowIso(u.deps);
  await u.tx
    .updateTable('incidents')
    .set({
      severity: next.severity,
      description: next.description,
      casualties: next.casualties === null ? null : JSON.stringify(next.casualties),
      evidence: JSON.stringify(next.evidence),
      version: i.version + 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  const view = (await loadIncident(u.tx, id)) as IncidentView;
  await appendLog(u, { actor: actor.memberId, action: 'incident.corrected', subject: `incident/${id}`, payload: { ...logBody(view), reason: body.reason }, restricted: view.distribution !== null });
  await incidentEvent(u, view, 'incident.corrected', { version: view.version, reason: body.reason });
  return forViewer(u.tx, actor, view);
}
