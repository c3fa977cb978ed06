/**
 * Which actions to offer: the server's own rules (src/domain/authorization.ts for who,
 * src/domain/corridor-lifecycle.ts for when), so the UI never offers what the API refuses.
 */
import { isAllowed, type Actor } from '../../src/domain/authorization.js';
import { canApply } from '../../src/domain/corridor-lifecycle.js';
import type { CorridorView } from '../../src/schemas/corridor.js';

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
