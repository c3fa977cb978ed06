import type { MovementInput, MovementState } from '../schemas/movement.js';
import type { Actor } from './authorization.js';
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

/** A party on the distribution acknowledges (any party it was shared with, through its negotiators or operators). */
export function canAcknowledgeMovement(actor: Actor, m: { distribution: readonly string[] }): boolean {
  return m.distribution.includes(actor.partyId) && ACTING_ROLES.includes(actor.role);
}

/** Receipts: the receiving operator — a humanitarian party that may see the movement. */
export function canReceiveMovement(actor: Actor, m: { operatorPartyId: string; distribution: readonly string[] }): boolean {
  return actor.partyKind === 'humanitarian' && ACTING_ROLES.includes(actor.role) && canSeeMovement(actor, m);
}

export function requireMovement(ok: boolean, what: string): void {
  if (!ok) throw new DomainError('forbidden', what);
}

export interface MovementContext {
  readonly partyExists: (id: string) => boolean;
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
