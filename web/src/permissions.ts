/**
 * Which actions to offer: the server's own rules (src/domain/authorization.ts for who,
 * src/domain/corridor-lifecycle.ts for when), so the UI never offers what the API refuses.
 */
import { isAllowed, type Actor } from '../../src/domain/authorization.js';
import { canApply } from '../../src/domain/corridor-lifecycle.js';
import type { CorridorView } from '../../src/schemas/corridor.js';
import { canAcknowledgeMovement, canCountMovement, canOperateMovement, canRecordReceipt } from '../../src/domain/movement.js';
import type { MovementView } from '../../src/schemas/movement.js';

export type CorridorUiAction = 'sign' | 'amend' | 'propose' | 'withdraw' | 'reject' | 'suspend' | 'resume';

export function canPropose(actor: Actor): boolean {
  return isAllowed(actor, 'corridor.propose');
}

export function allowedActions(actor: Actor, c: CorridorView): CorridorUiAction[] {
  const target = { proposerPartyId: c.proposerPartyId, requiredGuarantors: c.terms.requiredGuarantors };
  const out: CorridorUiAction[] = [];
  const signedNow = c.guarantees.some((g) => g.valid && g.version === c.version && g.partyId === actor.partyId);
  if (isAllowed(actor, 'corridor.sign', target) && canApply(c.state, 'sign') && c.terms.requiredGuarantors.includes(actor.partyId) && !signedNow) out.push('sign');
  if (isAllowed(actor, 'corridor.amend', target) && canApply(c.state, 'propose')) out.push('propose');
  if (isAllowed(actor, 'corridor.amend', target) && canApply(c.state, 'amend')) out.push('amend');
  if (isAllowed(actor, 'corridor.reject', target) && canApply(c.state, 'reject')) out.push('reject');
  if (isAllowed(actor, 'corridor.suspend', target) && canApply(c.state, 'suspend')) out.push('suspend');
  if (isAllowed(actor, 'corridor.resume', target) && canApply(c.state, 'resume')) out.push('resume');
  if (isAllowed(actor, 'corridor.withdraw', target) && canApply(c.state, 'withdraw')) out.push('withdraw');
  return out;
}

/** Mirrors canDecideIncident (src/domain/incident.ts): the mediator's negotiators confirm and dismiss. */
export function canDecideIncident(actor: Actor): boolean {
  return actor.partyKind === 'mediator' && (actor.role === 'admin' || actor.role === 'liaison');
}

/** The server's own rule (src/domain/incident.ts): the reporting party's or the mediator's members, never viewers. */
export { canCorrectIncident } from '../../src/domain/incident.js';

export type MovementUiAction = 'acknowledge' | 'depart' | 'checkin' | 'arrive' | 'receipt' | 'abort';

/**
 * What the movement page offers `actor`: the server's own rules (src/domain/movement.ts) for
 * who, and the lifecycle (notified → departed → arrived, or aborted) for when. A check-in needs
 * a checkpoint on the corridor; a receipt needs cargo.
 */
export function movementActions(actor: Actor, m: MovementView, checkpoints: number): MovementUiAction[] {
  const out: MovementUiAction[] = [];
  const vis = { operatorPartyId: m.operatorPartyId, distribution: m.distribution };
  if (m.state !== 'aborted' && m.awaitingAcknowledgement.includes(actor.partyId) && canAcknowledgeMovement(actor, vis)) out.push('acknowledge');
  if (m.state === 'notified' && canOperateMovement(actor, vis)) out.push('depart');
  if (m.state === 'departed' && checkpoints > 0 && canCountMovement(actor, vis)) out.push('checkin');
  if (m.state === 'departed' && canCountMovement(actor, vis)) out.push('arrive');
  if ((m.state === 'departed' || m.state === 'arrived') && m.manifest.cargo.length > 0 && canRecordReceipt(actor, { ...vis, receivingPartyId: m.receivingPartyId ?? undefined })) out.push('receipt');
  if ((m.state === 'notified' || m.state === 'departed') && canCountMovement(actor, vis)) out.push('abort');
  return out;
}
