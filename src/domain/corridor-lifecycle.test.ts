import { describe, expect, it } from 'vitest';
import { applyTransition, CORRIDOR_ACTIONS, CORRIDOR_STATES, type CorridorAction } from './corridor-lifecycle.js';
import { DomainError } from './errors.js';
import type { CorridorState } from '../schemas/corridor.js';

/**
 * The whole table written out independently of the implementation: every state × every action.
 * A cell is the target state, 'sign' depends on whether the set of guarantees is complete.
 */
const EXPECTED: Record<CorridorState, Partial<Record<CorridorAction, CorridorState | [CorridorState, CorridorState]>>> = {
  draft: { propose: 'proposed', amend: 'draft', withdraw: 'withdrawn' },
  proposed: { amend: 'proposed', sign: ['proposed', 'guaranteed'], void: 'proposed', reject: 'rejected', withdraw: 'withdrawn', expire: 'closed' },
  guaranteed: { amend: 'proposed', void: 'proposed', suspend: 'suspended', withdraw: 'withdrawn', expire: 'closed' },
  suspended: { amend: 'proposed', void: 'proposed', resume: 'guaranteed', withdraw: 'withdrawn', expire: 'closed' },
  closed: {},
  withdrawn: {},
  rejected: {},
};

describe('corridor lifecycle', () => {
  for (const state of CORRIDOR_STATES) {
    for (const action of CORRIDOR_ACTIONS) {
      const expected = EXPECTED[state][action];
      if (expected === undefined) {
        it(`refuses ${action} on a ${state} corridor with transition_not_allowed`, () => {
          let err: unknown;
          try {
            applyTransition(state, action, { fullyGuaranteed: true });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(DomainError);
          expect((err as DomainError).code).toBe('transition_not_allowed');
          expect((err as DomainError).extra).toMatchObject({ state, action });
        });
      } else if (Array.isArray(expected)) {
        it(`${action} on a ${state} corridor leads to ${expected[0]} while guarantees are missing, ${expected[1]} once complete`, () => {
          expect(applyTransition(state, action, { fullyGuaranteed: false })).toBe(expected[0]);
          expect(applyTransition(state, action, { fullyGuaranteed: true })).toBe(expected[1]);
        });
      } else {
        it(`${action} on a ${state} corridor leads to ${expected}`, () => {
          expect(applyTransition(state, action, { fullyGuaranteed: true })).toBe(expected);
          expect(applyTransition(state, action, { fullyGuaranteed: false })).toBe(expected);
        });
      }
    }
  }

  it('guarantees terms amended under a suspension into a suspended corridor: only the mediator resumes', () => {
    expect(applyTransition('suspended', 'amend')).toBe('proposed');
    expect(applyTransition('proposed', 'sign', { fullyGuaranteed: true, suspensionInForce: true })).toBe('suspended');
    expect(applyTransition('proposed', 'sign', { fullyGuaranteed: false, suspensionInForce: true })).toBe('proposed');
    expect(applyTransition('suspended', 'resume')).toBe('guaranteed');
  });

  it('keeps a suspension through a guarantee voided by its key’s revocation: signed again, it is suspended until resumed', () => {
    expect(applyTransition('suspended', 'void')).toBe('proposed');
    expect(applyTransition('proposed', 'sign', { fullyGuaranteed: true, suspensionInForce: true })).toBe('suspended');
  });

  it('has withdrawn, rejected and closed as ends', () => {
    for (const end of ['withdrawn', 'rejected', 'closed'] as const) {
      for (const action of CORRIDOR_ACTIONS) expect(() => applyTransition(end, action)).toThrow(DomainError);
    }
  });
});
