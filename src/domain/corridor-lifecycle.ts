import type { CorridorState } from '../schemas/corridor.js';
import { DomainError } from './errors.js';

export const CORRIDOR_STATES = ['draft', 'proposed', 'guaranteed', 'suspended', 'closed', 'withdrawn', 'rejected'] as const satisfies readonly CorridorState[];

/**
 * Everything that can happen to a corridor. `sign` is one party's guarantee; whether it
 * completes the set decides the target state. `void` is a guarantee of the current version
 * ceasing to bind because the key it was made with was declared compromised (guarantee-rules.ts,
 * `guaranteeVoid`; a key retired as superseded voids nothing). `expire` closes a corridor whose last window ended.
 */
export const CORRIDOR_ACTIONS = ['propose', 'amend', 'sign', 'void', 'withdraw', 'reject', 'suspend', 'resume', 'expire'] as const;
export type CorridorAction = (typeof CORRIDOR_ACTIONS)[number];

export interface TransitionContext {
  /** After this signature, has every required guarantor signed the current version? */
  readonly fullyGuaranteed?: boolean;
  /**
   * Does a suspension hold that the mediator has not ended? An amendment does not end one (only
   * the mediator resumes), so terms guaranteed afresh under it are guaranteed but suspended.
   */
  readonly suspensionInForce?: boolean;
}

type Target = CorridorState | ((ctx: TransitionContext) => CorridorState);

/**
 * The one transition table (DESIGN.md, "Lifecycle of a corridor"):
 * draft → proposed → guaranteed → closed by expiry; withdrawn and rejected are ends;
 * suspended ⇄ guaranteed; amending returns to proposed and voids earlier guarantees, but not a
 * suspension: a corridor amended while suspended is suspended again once guaranteed afresh,
 * until the mediator resumes it. A guarantee voided by its key's compromise returns the corridor
 * to proposed just as an amendment does (a required party's guarantee no longer holds), keeping a
 * suspension in force the same way; the party signs the same version again with a key that
 * stands. Anything not listed is refused.
 */
export const TRANSITIONS: Readonly<Record<CorridorState, Partial<Record<CorridorAction, Target>>>> = {
  draft: { propose: 'proposed', amend: 'draft', withdraw: 'withdrawn' },
  proposed: {
    amend: 'proposed',
    sign: (ctx) => (!ctx.fullyGuaranteed ? 'proposed' : ctx.suspensionInForce ? 'suspended' : 'guaranteed'),
    void: 'proposed',
    reject: 'rejected',
    withdraw: 'withdrawn',
    expire: 'closed',
  },
  guaranteed: { amend: 'proposed', void: 'proposed', suspend: 'suspended', withdraw: 'withdrawn', expire: 'closed' },
  suspended: { amend: 'proposed', void: 'proposed', resume: 'guaranteed', withdraw: 'withdrawn', expire: 'closed' },
  closed: {},
  withdrawn: {},
  rejected: {},
};

export function isTerminal(state: CorridorState): boolean {
  return Object.keys(TRANSITIONS[state]).length === 0;
}

/** Whether `action` is allowed in `state` at all. */
export function canApply(state: CorridorState, action: CorridorAction): boolean {
  return TRANSITIONS[state][action] !== undefined;
}

/** The state after `action`, or a `transition_not_allowed` error naming both. */
export function applyTransition(state: CorridorState, action: CorridorAction, ctx: TransitionContext = {}): CorridorState {
  const target = TRANSITIONS[state][action];
  if (target === undefined) {
    throw new DomainError('transition_not_allowed', `a ${state} corridor cannot be ${pastTense(action)}`, {
      extra: { state, action, allowed: Object.keys(TRANSITIONS[state]) },
    });
  }
  return typeof target === 'function' ? target(ctx) : target;
}

function pastTense(action: CorridorAction): string {
  const words: Record<CorridorAction, string> = {
    propose: 'proposed',
    amend: 'amended',
    sign: 'signed',
    void: 'voided',
    withdraw: 'withdrawn',
    reject: 'rejected',
    suspend: 'suspended',
    resume: 'resumed',
    expire: 'expired',
  };
  return words[action];
}

/**
 * The earliest instant a new suspension may be dated from: not before the corridor was
 * guaranteed — the moment its current terms got their last required guarantee
 * (`guaranteedAt`; there was no ceasefire to suspend before it: a suspension dated 2020 on a
 * corridor proposed today made its CAP alert effective in 2020) — and not before its previous
 * suspension ended (given the ends of its past suspensions). A suspension may be dated back
 * (shelling an hour ago, recorded now), but not into a stretch that an earlier suspension and
 * resumption already settled: suspensions could overlap, and a suspension dated 1990 rewrote
 * every answer to "was it open then?" since.
 */
export function earliestSuspensionStart(previousEnds: readonly number[], guaranteedAt?: number): number {
  return Math.max(Number.NEGATIVE_INFINITY, guaranteedAt ?? Number.NEGATIVE_INFINITY, ...previousEnds);
}

/**
 * When a new suspension starts: `requested` (epoch ms) or else now. Not in the future (a minute's
 * clock skew aside), and not before `earliestSuspensionStart`: refused, or with `clamp` (an
 * incident that happened earlier, confirmed now) moved up to that instant.
 */
export function suspensionStart(requested: number | undefined, now: number, previousEnds: readonly number[], clamp = false, guaranteedAt?: number): number {
  if (requested === undefined) return now;
  if (requested > now + 60_000) throw new DomainError('invalid_time', 'a suspension cannot start in the future', { details: [{ path: '/since', message: 'in the future' }] });
  const earliest = earliestSuspensionStart(previousEnds, guaranteedAt);
  if (requested < earliest && !clamp) {
    if (guaranteedAt !== undefined && earliest === guaranteedAt) {
      throw new DomainError('invalid_time', `a suspension cannot start before ${new Date(earliest).toISOString()}, when this corridor's current terms were guaranteed (or its first window began, if earlier): there was no ceasefire to suspend before`, { details: [{ path: '/since', message: 'before the corridor was guaranteed' }] });
    }
    throw new DomainError('invalid_time', `a suspension cannot start before ${new Date(earliest).toISOString()}, when this corridor's previous suspension ended`, { details: [{ path: '/since', message: 'overlaps an earlier suspension' }] });
  }
  return Math.max(requested, earliest);
}

/**
 * From when a corridor's ceasefire could hold, the floor of its suspensions: when its current
 * terms were guaranteed — the latest of the standing guarantees of its current version by its
 * required guarantors (the one that completed them) — or, if earlier, when its first window
 * began (terms are sometimes recorded after the fact: the demo's 2022 corridors are signed on
 * the day it is loaded). Undefined when the guarantees are not all there.
 */
export function guaranteedSince(requiredGuarantors: readonly string[], standing: readonly { partyId: string; createdAt: string }[], windowStarts: readonly number[] = []): number | undefined {
  let at = Number.NEGATIVE_INFINITY;
  for (const party of requiredGuarantors) {
    const times = standing.filter((g) => g.partyId === party).map((g) => Date.parse(g.createdAt));
    if (times.length === 0) return undefined;
    at = Math.max(at, Math.min(...times));
  }
  if (!Number.isFinite(at)) return undefined;
  return Math.min(at, ...windowStarts.filter((t) => Number.isFinite(t)));
}
