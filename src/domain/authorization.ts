import type { PartyKind, Role } from '../schemas/common.js';
import { DomainError } from './errors.js';

/** Who is acting: a member of a party, with one role. */
export interface Actor {
  readonly memberId: string;
  readonly partyId: string;
  readonly partyKind: PartyKind;
  readonly role: Role;
}

export const PERMISSIONS = [
  'party.manage',
  'member.manage',
  'key.manage',
  'agreement.create',
  'corridor.read',
  'corridor.propose',
  'corridor.amend',
  'corridor.withdraw',
  'corridor.reject',
  'corridor.sign',
  'corridor.suspend',
  'corridor.resume',
  'ledger.read',
  'ledger.record',
  'ledger.position',
  'ledger.sign',
  'positions.batch.open',
  'webhook.read',
  'webhook.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What the permission is exercised on; only the fields the rule needs. */
export interface Target {
  /** The party whose members, keys or webhook subscriptions are managed. */
  readonly partyId?: string;
  /** The party that proposed the corridor. */
  readonly proposerPartyId?: string;
  /** The corridor's required guarantors. */
  readonly requiredGuarantors?: readonly string[];
  /** A ledger entry's visibility: `public`, `parties` or `mediator`. */
  readonly visibility?: string;
  /**
   * Managing another party's members: a step the mediator may take for a party without being
   * able to act as it — creating the first admin of a party that has none, that member's first
   * token (handed over out of band), listing or revoking tokens. Anything more (another member,
   * another token for someone who had one) would give the mediator a token of that party, and
   * with it a key registered in the party's name and a guarantee the party never made.
   */
  readonly handover?: boolean;
}

const NEGOTIATORS: readonly Role[] = ['admin', 'liaison'];

/**
 * Deny by default. Each rule says who may, and nobody else may:
 * - the mediator's admins manage parties; a party's own admins its members and tokens — the
 *   mediator's admins only hand a party its first admin and token, and list and revoke tokens
 *   (`handover`), never a member or token that would let them act as the party;
 * - a party's admins manage its own members and tokens; its admins and liaisons its own keys
 *   (never the mediator: a guarantee must be the party's own);
 * - belligerent and mediator negotiators propose; the proposer or the mediator amends and withdraws;
 * - a required guarantor other than the proposer rejects; a required guarantor signs;
 * - only the mediator suspends and resumes; any member reads.
 * - ledger: anyone reads public entries, mediator and belligerent members those shared with the
 *   parties, only the mediator mediator-only ones; the mediator's negotiators record rounds,
 *   statements and protocols; a belligerent's negotiators record their own party's positions;
 *   negotiators of any party but an observer sign protocols (a delegation check follows).
 * - webhooks: a party's members other than viewers subscribe, change and stop their own party's
 *   subscriptions; the mediator reads every party's but changes only its own (a delivery is
 *   signed with the party's secret and carries what the party may see: pointing it elsewhere
 *   would be acting as the party).
 */
export function isAllowed(actor: Actor, permission: Permission, target: Target = {}): boolean {
  const negotiator = NEGOTIATORS.includes(actor.role);
  const mediator = actor.partyKind === 'mediator';
  switch (permission) {
    case 'corridor.read':
      return true;
    case 'party.manage':
      return mediator && actor.role === 'admin';
    case 'member.manage':
      return actor.role === 'admin' && ((target.partyId !== undefined && target.partyId === actor.partyId) || (mediator && target.handover === true));
    case 'key.manage':
      return negotiator && target.partyId !== undefined && target.partyId === actor.partyId;
    case 'agreement.create':
      return mediator && negotiator;
    case 'corridor.propose':
      return negotiator && (mediator || actor.partyKind === 'belligerent');
    case 'corridor.amend':
    case 'corridor.withdraw':
      return negotiator && (mediator || (target.proposerPartyId !== undefined && target.proposerPartyId === actor.partyId));
    case 'corridor.reject':
      return (
        negotiator &&
        (target.requiredGuarantors ?? []).includes(actor.partyId) &&
        target.proposerPartyId !== actor.partyId
      );
    case 'corridor.sign':
      return negotiator && actor.partyKind !== 'observer';
    case 'corridor.suspend':
    case 'corridor.resume':
      return mediator && negotiator;
    case 'ledger.read':
      return target.visibility === 'public' || (target.visibility === 'parties' && (mediator || actor.partyKind === 'belligerent')) || (target.visibility === 'mediator' && mediator);
    case 'ledger.record':
      return mediator && negotiator;
    case 'ledger.position':
      return negotiator && (mediator || (actor.partyKind === 'belligerent' && target.partyId !== undefined && target.partyId === actor.partyId));
    case 'ledger.sign':
      return negotiator && actor.partyKind !== 'observer';
    case 'positions.batch.open':
      // A committed batch of fixes spans movements with different distributions: opening its log
      // entry would show one party the fixes of convoys not shared with it.
      return mediator;
    case 'webhook.read':
      return mediator || (target.partyId !== undefined && target.partyId === actor.partyId);
    case 'webhook.manage':
      return actor.role !== 'viewer' && target.partyId !== undefined && target.partyId === actor.partyId;
  }
}

/**
 * What a token handed over by another party's member may do: the mediator issues a new party's
 * first admin its first token and hands it over out of band, so the mediator has seen it. Until
 * its holder has made a token of its own (which retires the handed-over one), it only says whose
 * it is, lists that member's tokens and issues that member a token — never acts as the party:
 * otherwise the mediator, holding it, could register a key in the party's name and sign
 * guarantees the party never made.
 */
export const HANDED_OVER_TOKEN_MAY = ['whoami', 'own_tokens'] as const;
export type HandedOverTokenUse = (typeof HANDED_OVER_TOKEN_MAY)[number] | 'other';

export function assertTokenUse(handedOver: boolean, use: HandedOverTokenUse): void {
  if (!handedOver || use !== 'other') return;
  throw new DomainError(
    'token_handed_over',
    'this is the token the mediator handed over, and the mediator has seen it: first issue yourself a token of your own (POST /api/v1/members/{your member id}/tokens, `passage token rotate`, or sign in to the app), which retires this one',
  );
}

/**
 * Whether the mediator may hand a token over to another party's member (`handover` of
 * `member.manage`): only to an admin who holds no working token, of a party none of whose members
 * holds a working token of its own — its first admin, or one restoring a party locked out. A party
 * that acts by itself is never handed a token the mediator has seen.
 */
export function mayHandOverToken(member: { readonly role: Role; readonly holdsToken: boolean }, party: { readonly actsByItself: boolean }): boolean {
  return member.role === 'admin' && !member.holdsToken && !party.actsByItself;
}

/** What each permission lets one do, in words, and who may: the rules of `isAllowed`, for refusals. */
const IN_WORDS: Record<Permission, { what: string; who: string }> = {
  'party.manage': { what: 'manage parties', who: 'only the mediator’s admins do' },
  'member.manage': { what: 'manage this party’s members and tokens', who: 'the party’s own admins do (the mediator’s admins only create a party’s first admin and that admin’s first token)' },
  'key.manage': { what: 'manage this party’s keys', who: 'only the party’s own admins and liaison officers do' },
  'agreement.create': { what: 'record agreements', who: 'only the mediator’s admins and liaison officers do' },
  'corridor.read': { what: 'read corridors', who: 'every member does' },
  'corridor.propose': { what: 'propose corridors', who: 'admins and liaison officers of the mediator or of a belligerent party do' },
  'corridor.amend': { what: 'amend this corridor', who: 'admins and liaison officers of the party that proposed it, or of the mediator, do' },
  'corridor.withdraw': { what: 'withdraw this corridor', who: 'admins and liaison officers of the party that proposed it, or of the mediator, do' },
  'corridor.reject': { what: 'reject this corridor', who: 'admins and liaison officers of a required guarantor other than the proposer do' },
  'corridor.sign': { what: 'sign guarantees', who: 'admins and liaison officers of a party that is not an observer do' },
  'corridor.suspend': { what: 'suspend corridors', who: 'only the mediator’s admins and liaison officers do' },
  'corridor.resume': { what: 'resume corridors', who: 'only the mediator’s admins and liaison officers do' },
  'ledger.read': { what: 'read this ledger entry', who: 'its visibility does not include your party' },
  'ledger.record': { what: 'record rounds, statements and protocols', who: 'only the mediator’s admins and liaison officers do' },
  'ledger.position': { what: 'record this party’s positions', who: 'admins and liaison officers of that party, or of the mediator, do' },
  'ledger.sign': { what: 'sign protocols', who: 'admins and liaison officers of a party that is not an observer do' },
  'positions.batch.open': { what: 'open the log entry of a batch of positions', who: 'only the mediator’s members do' },
  'webhook.read': { what: 'read this webhook subscription', who: 'its own party’s members and the mediator do' },
  'webhook.manage': { what: 'subscribe, change or stop this party’s webhooks', who: 'only the party’s own admins, liaison officers and operators do' },
};

const ROLE_WORDS: Record<Role, string> = { admin: 'admin', liaison: 'liaison officer', operator: 'operator', viewer: 'viewer' };

/** "a belligerent party’s liaison officer", "the mediator’s admin": who is refused, in a refusal. */
export function actorInWords(actor: Pick<Actor, 'partyKind' | 'role'>): string {
  const party = actor.partyKind === 'mediator' ? 'the mediator’s' : `${/^[aeiou]/.test(actor.partyKind) ? 'an' : 'a'} ${actor.partyKind} party’s`;
  return `${party} ${ROLE_WORDS[actor.role]}`;
}

/** "a belligerent party’s liaison officer may not suspend corridors: only the mediator’s … do". */
export function refusalMessage(actor: Pick<Actor, 'partyKind' | 'role'>, permission: Permission): string {
  const { what, who } = IN_WORDS[permission];
  return `${actorInWords(actor)} may not ${what}: ${who}`;
}

export function authorize(actor: Actor, permission: Permission, target: Target = {}): void {
  if (!isAllowed(actor, permission, target)) throw new DomainError('forbidden', refusalMessage(actor, permission), { extra: { permission } });
}
