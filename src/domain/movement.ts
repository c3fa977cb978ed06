import type { MovementInput, MovementState, MovementWarning } from '../schemas/movement.js';
import type { CorridorStatus } from './corridor-status.js';
import type { IncidentKind } from '../schemas/incident.js';
import { actorInWords, type Actor } from './authorization.js';
import type { PartyKind } from '../schemas/common.js';
import { DomainError, type ErrorDetail } from './errors.js';
import { DEFAULT_RULES, type RuleConfig } from './tracking.js';
import { parseRfc3339 } from './windows.js';

/** The one lifecycle of a movement: notified → departed → arrived, or aborted before arriving. */
const TRANSITIONS: Record<MovementState, Partial<Record<'depart' | 'arrive' | 'abort', MovementState>>> = {
  notified: { depart: 'departed', abort: 'aborted' },
  departed: { arrive: 'arrived', abort: 'aborted' },
  arrived: {},
  aborted: {},
};

export function movementTransition(from: MovementState, action: 'depart' | 'arrive' | 'abort'): MovementState {
  const to = TRANSITIONS[from][action];
  if (!to) throw new DomainError('transition_not_allowed', `a movement that is ${from} cannot ${action}`);
  return to;
}

/**
 * The warning a movement carries when its corridor is not open at the planned departure (it is
 * still accepted: a notification informs). In English for API clients, and as structured data
 * — the instant, the corridor's state, each reason by code with since when and which incident —
 * for an app to say in its reader's language. `incidentOf` names the confirmed incident behind a
 * suspension (by the suspension's id), when one caused it.
 */
export function corridorNotOpenWarning(st: CorridorStatus, incidentOf: (suspensionId: string) => { id: string | null; kind: IncidentKind } | null): MovementWarning | null {
  if (st.open) return null;
  return {
    code: 'corridor_not_open',
    message: `the corridor is not open at the planned departure (${st.at}): ${st.reasons.map((r) => r.message).join('; ')}`,
    plannedDeparture: st.at,
    corridorState: st.state,
    nextWindowStart: st.nextWindow?.start ?? null,
    reasons: st.reasons.map((r) => {
      const incident = r.code === 'suspended' && r.suspensionId !== undefined ? incidentOf(r.suspensionId) : null;
      return { ...r, ...(r.missingGuarantors ? { missingGuarantors: [...r.missingGuarantors] } : {}), ...(incident ? { incident } : {}) };
    }),
  };
}

/** Whether a movement still holds its tracker devices (they are released on arrival or abort). */
export function holdsDevices(state: MovementState): boolean {
  return state === 'notified' || state === 'departed';
}

/**
 * Who may see a movement, its positions and its alerts: the operator's party, the mediator, and the
 * parties on its distribution. Nobody else, not even to learn that it exists.
 */
export function canSeeMovement(actor: Pick<Actor, 'partyId' | 'partyKind'>, m: { operatorPartyId: string; distribution: readonly string[] }): boolean {
  return actor.partyKind === 'mediator' || actor.partyId === m.operatorPartyId || m.distribution.includes(actor.partyId);
}

const ACTING_ROLES = ['admin', 'operator', 'liaison'];

/** Humanitarian operators (and the mediator) notify movements. */
export function canNotifyMovement(actor: Actor): boolean {
  return (actor.partyKind === 'humanitarian' || actor.partyKind === 'mediator') && ACTING_ROLES.includes(actor.role);
}

/** The operator's admins, operators and liaisons run the movement: departure, counts, arrival, abort, positions. */
export function canOperateMovement(actor: Actor, m: { operatorPartyId: string }): boolean {
  return actor.partyId === m.operatorPartyId && ACTING_ROLES.includes(actor.role);
}

/** Check-ins: the operator, or the mediator. */
export function canCountMovement(actor: Actor, m: { operatorPartyId: string }): boolean {
  return canOperateMovement(actor, m) || (actor.partyKind === 'mediator' && ACTING_ROLES.includes(actor.role));
}

/**
 * A party on the distribution acknowledges (any party it was shared with, through its negotiators
 * or operators) — not the operator, even if it named itself there: it cannot be notified of its own.
 */
export function canAcknowledgeMovement(actor: Actor, m: { operatorPartyId: string; distribution: readonly string[] }): boolean {
  return m.distribution.includes(actor.partyId) && actor.partyId !== m.operatorPartyId && ACTING_ROLES.includes(actor.role);
}

/** What the receipt rule needs to know of a movement. */
export interface ReceiptParties {
  readonly operatorPartyId: string;
  readonly distribution: readonly string[];
  /** The consignee the movement names; absent on movements notified before it was required. */
  readonly receivingPartyId?: string | undefined;
}

/**
 * Who may record a cargo receipt: only the receiving party the movement names — its admins,
 * operators and liaison officers. A receipt is the consignee's confirmation that it took the
 * cargo into its hands, checked against what the sender dispatched; recorded by the sender it
 * would be the sender vouching for itself, and the reconciliation's "received" column would mean
 * nothing. Never the operator, then, and not the mediator either: its independent count at the
 * destination is an arrival count (which it may record), not a consignee's receipt. A movement
 * notified before movements named their receiving party falls back to a humanitarian party on
 * its distribution other than its operator.
 *
 * Returns undefined when `actor` may, else the refusal, saying who may instead (names by `nameOf`).
 */
export function receiptRefusal(actor: Actor, m: ReceiptParties, nameOf: (partyId: string) => string = (id) => id): string | undefined {
  const acting = ACTING_ROLES.includes(actor.role);
  const receiver = m.receivingPartyId;
  const isReceiver = receiver === undefined ? actor.partyKind === 'humanitarian' && m.distribution.includes(actor.partyId) && actor.partyId !== m.operatorPartyId : actor.partyId === receiver;
  if (isReceiver && acting) return undefined;
  const staff = 'its admins, operators and liaison officers';
  const who = receiver === undefined ? `only a humanitarian party on its distribution other than its operator does — ${staff}` : `only the receiving party, ${nameOf(receiver)} (${receiver}), does — ${staff}`;
  if (actor.partyId === m.operatorPartyId) return `the party that sent this movement may not confirm delivery of its own cargo: ${who}`;
  if (isReceiver) return `${actorInWords(actor)} may not confirm delivery of this movement’s cargo: only the receiving party’s admins, operators and liaison officers do`;
  return `${actorInWords(actor)} may not confirm delivery of this movement’s cargo: ${who}`;
}

/** Whether `actor` may record a cargo receipt (see `receiptRefusal`). */
export function canRecordReceipt(actor: Actor, m: ReceiptParties): boolean {
  return receiptRefusal(actor, m) === undefined;
}

export function requireMovement(ok: boolean, what: string): void {
  if (!ok) throw new DomainError('forbidden', what);
}

export interface MovementContext {
  readonly partyExists: (id: string) => boolean;
  /** The kind of a party, or undefined when there is no such party. */
  readonly partyKind: (id: string) => PartyKind | undefined;
  /** The party notifying the movement: its operator. */
  readonly operatorPartyId: string;
  /**
   * Which movement (notified or departed) holds a device now: its id, `null` when it is one the
   * notifier may not see (then it is not named), or undefined when the device is free.
   */
  readonly deviceHolder: (deviceId: string) => string | null | undefined;
}

/** The rule thresholds of a movement: its own, over the defaults. */
export function rulesOf(input: { rules?: Partial<RuleConfig> | undefined }): RuleConfig {
  return { ...DEFAULT_RULES, ...(input.rules ?? {}) };
}

/** Cargo lines with ids (line-1, line-2, … for those without). */
export function withLineIds(input: MovementInput): MovementInput {
  return { ...input, manifest: { ...input.manifest, cargo: input.manifest.cargo.map((c, i) => ({ ...c, id: c.id ?? `line-${i + 1}` })) } };
}

/** Every rule on a movement notification; throws listing each problem. */
export function assertMovementInput(input: MovementInput, ctx: MovementContext): void {
  const problems: ErrorDetail[] = [];
  if (parseRfc3339(input.plannedDeparture) === undefined) problems.push({ path: '/plannedDeparture', message: 'not an RFC 3339 date-time' });
  const plates = new Set<string>();
  const devices = new Set<string>();
  const busy: ErrorDetail[] = [];
  input.vehicles.forEach((v, i) => {
    if (plates.has(v.plate)) problems.push({ path: `/vehicles/${i}/plate`, message: `plate ${v.plate} is listed twice` });
    plates.add(v.plate);
    if (v.trackerDeviceId !== undefined) {
      if (devices.has(v.trackerDeviceId)) problems.push({ path: `/vehicles/${i}/trackerDeviceId`, message: `device ${v.trackerDeviceId} is in two vehicles` });
      devices.add(v.trackerDeviceId);
      const holder = ctx.deviceHolder(v.trackerDeviceId);
      if (holder !== undefined) busy.push({ path: `/vehicles/${i}/trackerDeviceId`, message: `device ${v.trackerDeviceId} is registered to ${holder === null ? 'another movement' : `movement ${holder}`} until it arrives or is aborted` });
    }
  });
  const lines = new Set<string>();
  input.manifest.cargo.forEach((c, i) => {
    if (c.id !== undefined && lines.has(c.id)) problems.push({ path: `/manifest/cargo/${i}/id`, message: `cargo line ${c.id} is listed twice` });
    if (c.id !== undefined) lines.add(c.id);
  });
  const unknown: ErrorDetail[] = [];
  input.distribution.forEach((id, i) => {
    if (!ctx.partyExists(id)) unknown.push({ path: `/distribution/${i}`, message: `no party with id ${id}` });
  });
  // The receiving party: the consignee that alone confirms delivery (see `receiptRefusal`).
  const receiver = input.receivingPartyId;
  if (receiver === undefined) {
    if (input.manifest.cargo.length > 0) problems.push({ path: '/receivingPartyId', message: 'a movement carrying cargo names its receiving party: the humanitarian operator that takes delivery and alone confirms it by receipt' });
  } else if (!ctx.partyExists(receiver)) unknown.push({ path: '/receivingPartyId', message: `no party with id ${receiver}` });
  else if (receiver === ctx.operatorPartyId) problems.push({ path: '/receivingPartyId', message: 'the receiving party cannot be the operator itself: a receipt is another party’s confirmation of what the operator dispatched' });
  else if (ctx.partyKind(receiver) !== 'humanitarian') problems.push({ path: '/receivingPartyId', message: `the receiving party must be a humanitarian operator; ${receiver} is ${ctx.partyKind(receiver)}` });
  else if (!input.distribution.includes(receiver)) problems.push({ path: '/receivingPartyId', message: `the receiving party ${receiver} must be on the distribution: it has to see the movement to confirm its delivery` });
  if (problems.length > 0) throw new DomainError('validation_failed', problems[0]?.message ?? 'invalid movement', { details: problems });
  if (unknown.length > 0) throw new DomainError('unknown_party', unknown[0]?.message ?? 'unknown party', { details: unknown });
  if (busy.length > 0) throw new DomainError('device_in_use', busy[0]?.message ?? 'device in use', { details: busy });
}

/**
 * Cargo lines of a count or receipt: each a line of the manifest, each at most once (a receipt of
 * 5 kg and 7 kg of the same rice is a mistake to send back, not to add up).
 */
export function assertCargoLinesOf(input: MovementInput, lines: readonly { lineId: string }[], path: string): void {
  const ids = new Set(input.manifest.cargo.map((c) => c.id));
  const bad = lines.map((l, i) => ({ l, i })).filter(({ l }) => !ids.has(l.lineId));
  if (bad.length > 0) throw new DomainError('validation_failed', `no cargo line ${bad[0]?.l.lineId} in the manifest`, { details: bad.map(({ l, i }) => ({ path: `${path}/${i}/lineId`, message: `no cargo line ${l.lineId}` })) });
  const twice = lines.findIndex((l, i) => lines.findIndex((x) => x.lineId === l.lineId) < i);
  if (twice >= 0) throw new DomainError('validation_failed', `cargo line ${lines[twice]?.lineId} is listed twice`, { details: [{ path: `${path}/${twice}/lineId`, message: 'listed twice' }] });
}

/** How far ahead of the server's clock a recorded time may lie (a phone's clock, as for incidents). */
export const COUNT_FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * Why the time of a departure, a check-in, an arrival or a receipt cannot be recorded, or
 * undefined. Not in the future (beyond a phone's clock skew); a check-in, an arrival and a
 * receipt not before the departure; an arrival not before any check-in. A departure in year 0
 * and an arrival in 1970 with a check-in in 9999 after it were stored, and the reconciliation
 * then ordered its stages by them.
 */
export function countTimeProblem(stage: 'departed' | 'checkpoint' | 'arrived' | 'received', at: number, now: number, before: { departedAt: number | null; latestCheckinAt: number | null }): string | undefined {
  const iso = (t: number): string => new Date(t).toISOString();
  if (at > now + COUNT_FUTURE_TOLERANCE_MS) return `${iso(at)} is in the future (more than ${COUNT_FUTURE_TOLERANCE_MS / 60_000} minutes ahead of the server clock)`;
  if (stage !== 'departed' && before.departedAt !== null && at < before.departedAt) return `${iso(at)} is before the departure (${iso(before.departedAt)})`;
  if (stage === 'arrived' && before.latestCheckinAt !== null && at < before.latestCheckinAt) return `${iso(at)} is before the last check-in (${iso(before.latestCheckinAt)})`;
  return undefined;
}
