import type { Actor } from '../domain/authorization.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError } from '../domain/errors.js';
import {
  assertCargoLinesOf,
  assertMovementInput,
  canAcknowledgeMovement,
  canCountMovement,
  canNotifyMovement,
  canOperateMovement,
  canSeeMovement,
  corridorNotOpenWarning,
  countTimeProblem,
  movementTransition,
  receiptRefusal,
  requireMovement,
  rulesOf,
  withLineIds,
} from '../domain/movement.js';
import { discrepancies, reconcile, type Reconciliation, type StageCount } from '../domain/reconciliation.js';
import { alertEventType, type EventType } from '../domain/event-types.js';
import { credibleUntil, initialRuleState, LIVE_ALERT_TYPES, type AlertType } from '../domain/tracking.js';
import { parseRfc3339 } from '../domain/windows.js';
import type { PartyKind } from '../schemas/common.js';
import type { AlertView, CheckinBody, CountBody, DepartBody, MovementInput, MovementState, MovementView, MovementWarning, ReceiptBody } from '../schemas/movement.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { incidentOfSuspension, loadCorridor, statusOf } from './corridors.js';
import { nowIso, sha256Hex, type Unit } from './deps.js';
import { emitEvent } from './events.js';
import { appendLog } from './log.js';

export interface LoadedMovement {
  readonly row: DB['movements'];
  readonly input: MovementInput;
  readonly acks: DB['movement_acks'][];
  readonly counts: DB['movement_counts'][];
  readonly receipts: DB['movement_receipts'][];
}

async function loadMovementRow(tx: Tx, id: string): Promise<LoadedMovement | undefined> {
  const row = await tx.selectFrom('movements').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const acks = await tx.selectFrom('movement_acks').selectAll().where('movement_id', '=', id).orderBy('at').execute();
  const counts = await tx.selectFrom('movement_counts').selectAll().where('movement_id', '=', id).orderBy('at').orderBy('seq').execute();
  const receipts = await tx.selectFrom('movement_receipts').selectAll().where('movement_id', '=', id).orderBy('at').orderBy('id').execute();
  return { row, input: JSON.parse(row.body) as MovementInput, acks, counts, receipts };
}

export const visibilityOf = (m: LoadedMovement): { operatorPartyId: string; distribution: string[] } => ({ operatorPartyId: m.row.operator_party_id, distribution: m.input.distribution });

/** Who is told of a movement's events: its operator and its distribution (the mediator sees every event). */
export const audienceOf = (m: { operatorPartyId: string; distribution: readonly string[] }): string[] => [...new Set([m.operatorPartyId, ...m.distribution])];

/** A movement the actor may see, or `not_found` — the same answer as for one that does not exist. */
export async function getVisibleMovement(tx: Tx, actor: Actor, id: string): Promise<LoadedMovement> {
  const m = await loadMovementRow(tx, id);
  if (!m || !canSeeMovement(actor, visibilityOf(m))) throw new DomainError('not_found', `no movement with id ${id}`);
  return m;
}

/** For the system's own use (no visibility check). */
export async function loadMovementUnchecked(tx: Tx, id: string): Promise<LoadedMovement | undefined> {
  return loadMovementRow(tx, id);
}

const parseCounts = (c: DB['movement_counts']) => ({ people: JSON.parse(c.people) as Record<string, number>, cargo: JSON.parse(c.cargo) as { lineId: string; quantity: number }[] });

export async function toMovementView(_tx: Tx, m: LoadedMovement): Promise<MovementView> {
  const acked = new Set(m.acks.map((a) => a.party_id));
  const i = m.input;
  return {
    id: m.row.id,
    corridorId: m.row.corridor_id,
    operatorPartyId: m.row.operator_party_id,
    receivingPartyId: i.receivingPartyId ?? null,
    state: m.row.state as MovementState,
    title: m.row.title,
    plannedDeparture: i.plannedDeparture,
    vehicles: i.vehicles,
    manifest: { people: i.manifest.people as Record<string, number>, cargo: i.manifest.cargo.map((c) => ({ ...c, id: c.id ?? '' })) },
    distribution: i.distribution,
    rules: { ...rulesOf(i) },
    notes: i.notes,
    warnings: JSON.parse(m.row.warnings) as MovementWarning[],
    acknowledgements: m.acks.map((a) => ({ partyId: a.party_id, memberId: a.member_id, at: a.at })),
    awaitingAcknowledgement: m.row.state === 'aborted' ? [] : m.input.distribution.filter((p) => p !== m.row.operator_party_id && !acked.has(p)),
    counts: m.counts.map((c) => ({ id: c.id, stage: c.stage as 'departed' | 'checkpoint' | 'arrived', checkpointId: c.checkpoint_id, at: c.at, countedBy: c.counted_by, memberId: c.member_id, ...parseCounts(c), notes: c.notes })),
    receipts: m.receipts.map((r) => ({ id: r.id, at: r.at, partyId: r.party_id, memberId: r.member_id, receivedBy: r.received_by, lines: JSON.parse(r.lines) as { lineId: string; quantity: number }[], notes: r.notes })),
    departedAt: m.row.departed_at,
    arrivedAt: m.row.arrived_at,
    createdAt: m.row.created_at,
    updatedAt: m.row.updated_at,
  };
}

async function reload(u: Unit, id: string): Promise<MovementView> {
  return toMovementView(u.tx, (await loadMovementRow(u.tx, id)) as LoadedMovement);
}

async function movementEvent(u: Unit, m: LoadedMovement, type: EventType, extra: Record<string, unknown> = {}): Promise<void> {
  await emitEvent(u, { type, subject: `movement/${m.row.id}`, corridorId: m.row.corridor_id, audience: audienceOf(visibilityOf(m)), payload: { movementId: m.row.id, title: m.row.title, ...extra } });
}

/**
 * The log records a movement without its whereabouts or its people: hashes of what was notified
 * and counted, and who it was shared with, as restricted entries (docs/log.md). Every party can
 * audit that nothing was changed, and the log is not a target list.
 */
export async function notifyMovement(u: Unit, actor: Actor, raw: MovementInput): Promise<MovementView> {
  requireMovement(canNotifyMovement(actor), 'only humanitarian operators (and the mediator) notify movements');
  const input = withLineIds(raw);
  const corridor = await loadCorridor(u.tx, input.corridorId);
  const partyRows = await u.tx.selectFrom('parties').select(['id', 'name', 'kind']).execute();
  const parties = new Map(partyRows.map((p) => [p.id, p.name]));
  const kinds = new Map(partyRows.map((p) => [p.id, p.kind as PartyKind]));
  const devices = input.vehicles.flatMap((v) => (v.trackerDeviceId ? [v.trackerDeviceId] : []));
  const held = devices.length === 0 ? [] : await u.tx.selectFrom('tracker_devices').select(['device_id', 'movement_id']).where('device_id', 'in', devices).where('movement_id', 'is not', null).execute();
  // A device held by a movement the notifier may not see is refused without naming that movement.
  const holding = held.length === 0 ? [] : await u.tx.selectFrom('movements').select(['id', 'operator_party_id', 'body']).where('id', 'in', held.map((h) => h.movement_id as string)).execute();
  const visible = new Set(holding.filter((m) => canSeeMovement(actor, { operatorPartyId: m.operator_party_id, distribution: (JSON.parse(m.body) as MovementInput).distribution })).map((m) => m.id));
  const holders = new Map(held.map((h) => [h.device_id, visible.has(h.movement_id as string) ? (h.movement_id as string) : null]));
  assertMovementInput(input, { partyExists: (id) => parties.has(id), partyKind: (id) => kinds.get(id), operatorPartyId: actor.partyId, deviceHolder: (d) => holders.get(d) });
  const departure = parseRfc3339(input.plannedDeparture) as number;
  const st = statusOf(corridor, departure, parties);
  const notOpen = corridorNotOpenWarning(st, (sid) => {
    const s = corridor.suspensions.find((x) => x.id === sid);
    return s ? incidentOfSuspension(s) : null;
  });
  const warnings = notOpen ? [notOpen] : [];
  const id = u.deps.newId('mov');
  const now = nowIso(u.deps);
  const body = canonicalJson(input);
  await u.tx
    .insertInto('movements')
    .values({ id, corridor_id: input.corridorId, operator_party_id: actor.partyId, state: 'notified', title: input.title, body, warnings: JSON.stringify(warnings), created_at: now, created_by: actor.memberId, updated_at: now, departed_at: null, arrived_at: null })
    .execute();
  for (const v of input.vehicles) {
    if (!v.trackerDeviceId) continue;
    const state = JSON.stringify(initialRuleState());
    await u.tx
      .insertInto('tracker_devices')
      .values({ device_id: v.trackerDeviceId, movement_id: id, vehicle: v.plate, registered_at: now, last_seen: null, last_at: null, last_lat: null, last_lon: null, last_speed: null, rule_state: state })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ movement_id: id, vehicle: v.plate, registered_at: now, last_at: null, last_lat: null, last_lon: null, last_speed: null, rule_state: state }))
      .execute();
  }
  await appendLog(u, { actor: actor.memberId, action: 'movement.notified', subject: `movement/${id}`, payload: { movementId: id, corridorId: input.corridorId, bodySha256: sha256Hex(body), distribution: input.distribution, warnings: warnings.map((w) => w.code) }, restricted: true });
  const m = (await loadMovementRow(u.tx, id)) as LoadedMovement;
  await movementEvent(u, m, 'movement.notified', { corridorId: input.corridorId, state: 'notified', warnings });
  return toMovementView(u.tx, m);
}

export async function acknowledgeMovement(u: Unit, actor: Actor, id: string): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  requireMovement(canAcknowledgeMovement(actor, visibilityOf(m)), 'only a party on the distribution other than its operator acknowledges a movement');
  if (m.row.state === 'aborted') throw new DomainError('transition_not_allowed', 'an aborted movement cannot be acknowledged');
  if (m.acks.some((a) => a.party_id === actor.partyId)) throw new DomainError('duplicate', 'the party already acknowledged this movement');
  const at = nowIso(u.deps);
  await u.tx.insertInto('movement_acks').values({ movement_id: id, party_id: actor.partyId, member_id: actor.memberId, at }).execute();
  await appendLog(u, { actor: actor.memberId, action: 'movement.acknowledged', subject: `movement/${id}`, payload: { movementId: id, partyId: actor.partyId }, restricted: true });
  await movementEvent(u, m, 'movement.acknowledged', { partyId: actor.partyId });
  return reload(u, id);
}

/** The time a count or receipt is recorded at (now when left out), checked by countTimeProblem against what came before. */
function timeOf(u: Unit, at: string | undefined, stage: Parameters<typeof countTimeProblem>[0], m: LoadedMovement): string {
  if (at === undefined) return nowIso(u.deps);
  const t = parseRfc3339(at);
  if (t === undefined) throw new DomainError('invalid_time', `not an RFC 3339 date-time: ${at}`, { details: [{ path: '/at', message: 'not RFC 3339' }] });
  const checkins = m.counts.filter((c) => c.stage === 'checkpoint').map((c) => Date.parse(c.at));
  const why = countTimeProblem(stage, t, u.deps.now(), { departedAt: m.row.departed_at ? Date.parse(m.row.departed_at) : null, latestCheckinAt: checkins.length > 0 ? Math.max(...checkins) : null });
  if (why) throw new DomainError('invalid_time', `at: ${why}`, { details: [{ path: '/at', message: why }] });
  return new Date(t).toISOString();
}


async function insertCount(u: Unit, actor: Actor, m: LoadedMovement, stage: 'departed' | 'checkpoint' | 'arrived', checkpointId: string | null, body: Partial<CountBody>, at: string): Promise<string> {
  const id = u.deps.newId('cnt');
  const people = canonicalJson(body.people ?? {});
  const cargo = canonicalJson(body.cargo ?? []);
  await u.tx.insertInto('movement_counts').values({ id, movement_id: m.row.id, seq: m.counts.length + 1, stage, checkpoint_id: checkpointId, at, counted_by: body.countedBy ?? actor.memberId, member_id: actor.memberId, people, cargo, notes: body.notes ?? '' }).execute();
  return sha256Hex(`${stage}\n${checkpointId ?? ''}\n${at}\n${people}\n${cargo}`);
}

/** Releases the movement's trackers and ends its live episodes (the movement no longer moves). */
async function release(u: Unit, m: LoadedMovement, reason: string, at: string): Promise<void> {
  await u.tx.updateTable('tracker_devices').set({ movement_id: null, rule_state: JSON.stringify(initialRuleState()), released_at: nowIso(u.deps) }).where('movement_id', '=', m.row.id).execute();
  const open = await u.tx.selectFrom('movement_alerts').selectAll().where('movement_id', '=', m.row.id).where('state', '=', 'open').where('type', 'in', [...LIVE_ALERT_TYPES]).execute();
  for (const a of open) await clearAlert(u, m.row.id, audienceOf(visibilityOf(m)), m.row.corridor_id, a, a.raised_at > at ? a.raised_at : at, { reason });
}

export async function departMovement(u: Unit, actor: Actor, id: string, body: DepartBody): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  requireMovement(canOperateMovement(actor, { operatorPartyId: m.row.operator_party_id }), 'only the operator records a departure');
  const next = movementTransition(m.row.state as MovementState, 'depart');
  const at = timeOf(u, body.at, 'departed', m);
  const people = body.people && Object.keys(body.people).length > 0 ? body.people : m.input.manifest.people;
  const cargo = body.cargo && body.cargo.length > 0 ? body.cargo : m.input.manifest.cargo.map((c) => ({ lineId: c.id ?? '', quantity: c.quantity }));
  assertCargoLinesOf(m.input, cargo, '/cargo');
  const hash = await insertCount(u, actor, m, 'departed', null, { ...body, people, cargo }, at);
  await u.tx.updateTable('movements').set({ state: next, departed_at: at, updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'movement.departed', subject: `movement/${id}`, payload: { movementId: id, at, countSha256: hash }, restricted: true });
  await movementEvent(u, m, 'movement.departed', { state: next, at });
  return reload(u, id);
}

export async function checkInMovement(u: Unit, actor: Actor, id: string, body: CheckinBody): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  requireMovement(canCountMovement(actor, { operatorPartyId: m.row.operator_party_id }), 'only the operator or the mediator records a check-in');
  if (m.row.state !== 'departed') throw new DomainError('transition_not_allowed', `a movement that is ${m.row.state} cannot check in at a checkpoint: it must have departed`);
  const corridor = await loadCorridor(u.tx, m.row.corridor_id);
  const cp = corridor.terms.checkpoints.find((c) => c.id === body.checkpointId);
  if (!cp) throw new DomainError('validation_failed', `the corridor has no checkpoint ${body.checkpointId} (it has ${corridor.terms.checkpoints.map((c) => c.id).join(', ') || 'none'})`, { details: [{ path: '/checkpointId', message: 'unknown checkpoint' }] });
  assertCargoLinesOf(m.input, body.cargo, '/cargo');
  const at = timeOf(u, body.at, 'checkpoint', m);
  const hash = await insertCount(u, actor, m, 'checkpoint', cp.id, body, at);
  await u.tx.updateTable('movements').set({ updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'movement.checked_in', subject: `movement/${id}`, payload: { movementId: id, countSha256: hash }, restricted: true });
  await movementEvent(u, m, 'movement.checked_in', { checkpointId: cp.id, checkpoint: cp.name, at });
  await syncDiscrepancies(u, id, at);
  return reload(u, id);
}

export async function arriveMovement(u: Unit, actor: Actor, id: string, body: CountBody): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  requireMovement(canCountMovement(actor, { operatorPartyId: m.row.operator_party_id }), 'only the operator or the mediator records an arrival');
  const next = movementTransition(m.row.state as MovementState, 'arrive');
  assertCargoLinesOf(m.input, body.cargo, '/cargo');
  const at = timeOf(u, body.at, 'arrived', m);
  const hash = await insertCount(u, actor, m, 'arrived', null, body, at);
  await u.tx.updateTable('movements').set({ state: next, arrived_at: at, updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await release(u, m, 'the movement arrived', at);
  await appendLog(u, { actor: actor.memberId, action: 'movement.arrived', subject: `movement/${id}`, payload: { movementId: id, at, countSha256: hash }, restricted: true });
  await movementEvent(u, m, 'movement.arrived', { state: next, at });
  await syncDiscrepancies(u, id, at);
  return reload(u, id);
}

export async function abortMovement(u: Unit, actor: Actor, id: string, body: { reason: string }): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  requireMovement(canCountMovement(actor, { operatorPartyId: m.row.operator_party_id }), 'only the operator or the mediator aborts a movement');
  const next = movementTransition(m.row.state as MovementState, 'abort');
  await u.tx.updateTable('movements').set({ state: next, updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await release(u, m, 'the movement was aborted', nowIso(u.deps));
  await appendLog(u, { actor: actor.memberId, action: 'movement.aborted', subject: `movement/${id}`, payload: { movementId: id, reason: body.reason }, restricted: true });
  await movementEvent(u, m, 'movement.aborted', { state: next, reason: body.reason });
  return reload(u, id);
}

/** A cargo receipt, by the receiving party alone (`receiptRefusal` in src/domain/movement.ts). */
export async function addReceipt(u: Unit, actor: Actor, id: string, body: ReceiptBody): Promise<MovementView> {
  const m = await getVisibleMovement(u.tx, actor, id);
  const names = new Map((await u.tx.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const refusal = receiptRefusal(actor, { ...visibilityOf(m), receivingPartyId: m.input.receivingPartyId }, (id) => names.get(id) ?? id);
  if (refusal !== undefined) throw new DomainError('forbidden', refusal, { extra: { receivingPartyId: m.input.receivingPartyId ?? null } });
  if (m.row.state !== 'departed' && m.row.state !== 'arrived') throw new DomainError('transition_not_allowed', `a movement that is ${m.row.state} delivers nothing`);
  assertCargoLinesOf(m.input, body.lines, '/lines');
  const at = timeOf(u, body.at, 'received', m);
  const rid = u.deps.newId('rcp');
  const lines = canonicalJson(body.lines);
  await u.tx.insertInto('movement_receipts').values({ id: rid, movement_id: id, party_id: actor.partyId, member_id: actor.memberId, received_by: body.receivedBy, at, lines, notes: body.notes }).execute();
  await u.tx.updateTable('movements').set({ updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'movement.receipt', subject: `movement/${id}`, payload: { movementId: id, receiptId: rid, partyId: actor.partyId, linesSha256: sha256Hex(lines) }, restricted: true });
  await movementEvent(u, m, 'movement.receipt', { receiptId: rid, partyId: actor.partyId, at });
  await syncDiscrepancies(u, id, at);
  return reload(u, id);
}

export function reconciliationOf(m: LoadedMovement): Reconciliation {
  const counts: StageCount[] = m.counts.map((c) => ({ stage: c.stage as StageCount['stage'], checkpointId: c.checkpoint_id, at: c.at, ...parseCounts(c) }));
  const receipts = m.receipts.map((r) => ({ at: r.at, lines: JSON.parse(r.lines) as { lineId: string; quantity: number }[] }));
  return reconcile({ manifest: m.input.manifest, counts, receipts });
}

export async function movementReconciliation(tx: Tx, actor: Actor, id: string) {
  const m = await getVisibleMovement(tx, actor, id);
  return { movementId: id, state: m.row.state as MovementState, ...reconciliationOf(m) };
}

// ---- alerts ----

export interface AlertRaise {
  readonly id: string;
  readonly movementId: string;
  readonly deviceId: string | null;
  readonly type: AlertType;
  readonly key: string;
  readonly at: string;
  readonly details: Record<string, unknown>;
}

/**
 * Stores a raised alert and tells the movement's audience (one event, `movement.alert.<type>`; not
 * `movement.<type>`: the "arrived" alert, a tracker within the destination radius, would share
 * `movement.arrived` with the lifecycle arrival an operator records, and a filter could not tell them apart).
 */
export async function raiseAlert(u: Unit, audience: readonly string[], corridorId: string, a: AlertRaise): Promise<void> {
  await u.tx.insertInto('movement_alerts').values({ id: a.id, movement_id: a.movementId, device_id: a.deviceId, type: a.type, key: a.key, state: 'open', raised_at: a.at, cleared_at: null, details: JSON.stringify(a.details) }).execute();
  await emitEvent(u, { type: alertEventType(a.type), subject: `movement/${a.movementId}`, corridorId, audience, payload: { alertId: a.id, movementId: a.movementId, deviceId: a.deviceId, type: a.type, state: 'open', at: a.at, details: a.details } });
}

export async function clearAlert(u: Unit, movementId: string, audience: readonly string[], corridorId: string, a: { id: string; type: string; device_id: string | null }, clearedBy: string, details: Record<string, unknown>): Promise<void> {
  // Cleared by a fix dated before the alert was raised (a late upload, after no_signal was raised
  // on the server's clock): cleared when it was learnt, never before it was raised.
  const raised = await u.tx.selectFrom('movement_alerts').select('raised_at').where('id', '=', a.id).executeTakeFirst();
  const at = raised !== undefined && Date.parse(raised.raised_at) > Date.parse(clearedBy) ? raised.raised_at : clearedBy;
  const r = await u.tx.updateTable('movement_alerts').set({ state: 'cleared', cleared_at: at }).where('id', '=', a.id).where('state', '=', 'open').executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return;
  await emitEvent(u, { type: alertEventType(a.type as AlertType, true), subject: `movement/${movementId}`, corridorId, audience, payload: { alertId: a.id, movementId, deviceId: a.device_id, type: a.type, state: 'cleared', at, details } });
}

/** Raises an alert per new discrepancy (where it first appeared), updates known ones, clears resolved ones. */
async function syncDiscrepancies(u: Unit, id: string, at: string): Promise<void> {
  const m = (await loadMovementRow(u.tx, id)) as LoadedMovement;
  const found = discrepancies(reconciliationOf(m));
  const open = await u.tx.selectFrom('movement_alerts').selectAll().where('movement_id', '=', id).where('state', '=', 'open').where('type', 'in', ['count_discrepancy', 'cargo_discrepancy']).execute();
  const audience = audienceOf(visibilityOf(m));
  const now = at;
  for (const a of open) {
    const d = found.get(a.key);
    if (!d) await clearAlert(u, id, audience, m.row.corridor_id, a, now, { reason: 'the counts agree again' });
    else await u.tx.updateTable('movement_alerts').set({ details: JSON.stringify(d.details) }).where('id', '=', a.id).execute();
  }
  const known = new Set(open.map((a) => a.key));
  for (const [key, d] of found) {
    if (!known.has(key)) await raiseAlert(u, audience, m.row.corridor_id, { id: u.deps.newId('alr'), movementId: id, deviceId: null, type: d.type, key, at: now, details: d.details });
  }
}

function toAlertView(a: DB['movement_alerts']): AlertView {
  return { id: a.id, movementId: a.movement_id, deviceId: a.device_id, type: a.type, state: a.state as 'open' | 'cleared', raisedAt: a.raised_at, clearedAt: a.cleared_at, details: JSON.parse(a.details) as Record<string, unknown> };
}

export async function movementAlerts(tx: Tx, actor: Actor, id: string, filter: { state?: 'open' | 'cleared' | undefined } = {}): Promise<AlertView[]> {
  await getVisibleMovement(tx, actor, id);
  let q = tx.selectFrom('movement_alerts').selectAll().where('movement_id', '=', id);
  if (filter.state) q = q.where('state', '=', filter.state);
  return (await q.orderBy('raised_at').orderBy('id').execute()).map(toAlertView);
}

// ---- lists and reads ----

/** The movements an actor may see; nothing else is even counted. */
export async function listVisibleMovements(tx: Tx, actor: Actor, filter: { corridorId?: string | undefined; state?: MovementState | undefined } = {}): Promise<LoadedMovement[]> {
  let q = tx.selectFrom('movements').select('id').orderBy('created_at').orderBy('id');
  if (filter.corridorId) q = q.where('corridor_id', '=', filter.corridorId);
  if (filter.state) q = q.where('state', '=', filter.state);
  const out: LoadedMovement[] = [];
  for (const { id } of await q.execute()) {
    const m = await loadMovementRow(tx, id);
    if (m && canSeeMovement(actor, visibilityOf(m))) out.push(m);
  }
  return out;
}

/** Open (or all) alerts of every movement the actor may see. */
export async function listVisibleAlerts(tx: Tx, actor: Actor, filter: { state?: 'open' | 'cleared' | undefined } = {}): Promise<AlertView[]> {
  const visible = await listVisibleMovements(tx, actor);
  if (visible.length === 0) return [];
  let q = tx.selectFrom('movement_alerts').selectAll().where('movement_id', 'in', visible.map((m) => m.row.id));
  if (filter.state) q = q.where('state', '=', filter.state);
  return (await q.orderBy('raised_at').orderBy('id').execute()).map(toAlertView);
}

const deviceList = (m: LoadedMovement): { deviceId: string; plate: string }[] => m.input.vehicles.flatMap((v) => (v.trackerDeviceId ? [{ deviceId: v.trackerDeviceId, plate: v.plate }] : []));

/** A movement's track as GeoJSON: per device a LineString with per-point times (a Point while it has one fix), and every fix as a Point. */
export async function movementTrack(tx: Tx, actor: Actor, id: string, opts: { since?: string | undefined; points?: boolean } = {}) {
  const m = await getVisibleMovement(tx, actor, id);
  const features: unknown[] = [];
  const lines: unknown[] = [];
  for (const d of deviceList(m)) {
    let q = tx.selectFrom('positions').select(['at', 'lat', 'lon', 'speed', 'bearing', 'altitude', 'accuracy', 'battery', 'attributes']).where('device_id', '=', d.deviceId).where('movement_id', '=', id);
    if (opts.since) q = q.where('at', '>=', opts.since);
    const rows = await q.orderBy('at').execute();
    if (rows.length === 0) continue;
    // RFC 7946 §3.1.4: a LineString has two positions or more; a tracker with one fix so far is a Point.
    const coordinates = rows.map((r) => [r.lon, r.lat]);
    lines.push({
      type: 'Feature',
      geometry: coordinates.length >= 2 ? { type: 'LineString', coordinates } : { type: 'Point', coordinates: coordinates[0] },
      properties: { kind: 'track', movementId: id, deviceId: d.deviceId, vehicle: d.plate, times: rows.map((r) => r.at), from: rows[0]?.at, to: rows.at(-1)?.at, fixes: rows.length },
    });
    if (opts.points !== false) {
      for (const r of rows) {
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
          properties: { kind: 'fix', deviceId: d.deviceId, vehicle: d.plate, at: r.at, speed: r.speed, bearing: r.bearing, altitude: r.altitude, accuracy: r.accuracy, battery: r.battery, ...(r.attributes ? { attributes: JSON.parse(r.attributes) as unknown } : {}) },
        });
      }
    }
  }
  return { type: 'FeatureCollection' as const, properties: { movementId: id, title: m.row.title, state: m.row.state }, features: [...lines, ...features] };
}

/** Each visible tracker's newest position, leaving out fixes dated beyond `credibleUntil(now)` (a wrong phone clock). */
export async function latestPositions(tx: Tx, actor: Actor, now: number, filter: { state?: MovementState | undefined } = {}) {
  const until = new Date(credibleUntil(now)).toISOString();
  const out: { movementId: string; deviceId: string; vehicle: string | null; at: string | null; lat: number | null; lon: number | null; speed: number | null; lastSeen: string | null }[] = [];
  for (const m of await listVisibleMovements(tx, actor, filter)) {
    const devices = deviceList(m);
    if (devices.length === 0) continue;
    const held = new Map((await tx.selectFrom('tracker_devices').select(['device_id', 'last_seen']).where('movement_id', '=', m.row.id).execute()).map((d) => [d.device_id, d.last_seen]));
    for (const d of devices) {
      const p = await tx.selectFrom('positions').select(['at', 'lat', 'lon', 'speed']).where('device_id', '=', d.deviceId).where('movement_id', '=', m.row.id).where('at', '<=', until).orderBy('at', 'desc').limit(1).executeTakeFirst();
      out.push({ movementId: m.row.id, deviceId: d.deviceId, vehicle: d.plate, at: p?.at ?? null, lat: p?.lat ?? null, lon: p?.lon ?? null, speed: p?.speed ?? null, lastSeen: held.get(d.deviceId) ?? p?.at ?? null });
    }
  }
  return out;
}

/** Reports from unknown trackers, counted per device id: the mediator's to see. */
export async function positionRejections(tx: Tx, actor: Actor) {
  if (actor.partyKind !== 'mediator') throw new DomainError('forbidden', 'only the mediator sees rejected tracker reports');
  const rows = await tx.selectFrom('position_rejections').selectAll().orderBy('last_at', 'desc').execute();
  return rows.map((r) => ({ deviceId: r.device_id, count: Number(r.count), firstAt: r.first_at, lastAt: r.last_at, lastVia: r.last_via }));
}
