import type { Actor } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import { EVENT_TYPES, eventFilterProblems, patternMatches } from '../domain/event-types.js';
import { canSeeEvent, type StoredEvent } from './events.js';

/** What a subscriber (an SSE client or a webhook) asked for. */
export interface EventFilter {
  /** Exact types (`corridor.suspended`) or prefixes (`corridor.*`); empty = all. */
  readonly types: readonly string[];
  /** Only events about this corridor (its own events, and incidents matched to it). */
  readonly corridorId?: string | null | undefined;
}

export function typeMatches(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => patternMatches(p, type));
}

/**
 * Refuses a filter with a pattern that matches no event type (a typo, or a name from before a
 * rename, such as `movement.off_route`): it would never receive anything, and nobody would know.
 * `path` is where the list is in the request (`/types`).
 */
export function assertEventFilter(patterns: readonly string[], path: string): void {
  const problems = eventFilterProblems(patterns);
  if (problems.length === 0) return;
  const why = problems.map((p) => p.message).join('; ');
  throw new DomainError('validation_failed', `${why}. Event types: ${EVENT_TYPES.join(', ')}; or a prefix ending in * (corridor.*, movement.alert.*)`, {
    details: problems.map((p) => ({ path: `${path}/${p.index}`, message: p.message })),
    extra: { eventTypes: [...EVENT_TYPES] },
  });
}

export function corridorMatches(corridorId: string | null | undefined, e: Pick<StoredEvent, 'corridorId' | 'payload'>): boolean {
  if (!corridorId) return true;
  if (e.corridorId === corridorId) return true;
  const ids = (e.payload as { corridorIds?: unknown } | null)?.corridorIds;
  return Array.isArray(ids) && ids.includes(corridorId);
}

/** Whether an event goes to a subscriber: visible to its party (distribution holds) and matching its filter. */
export function deliverable(viewer: Pick<Actor, 'partyId' | 'partyKind'>, filter: EventFilter, e: StoredEvent): boolean {
  return canSeeEvent(viewer, e) && typeMatches(filter.types, e.type) && corridorMatches(filter.corridorId, e);
}

/** The body a receiver gets, in the Standard Webhooks shape ({type, timestamp, data}); SSE sends the same. */
export function eventEnvelope(e: StoredEvent): { id: number; type: string; timestamp: string; subject: string; corridorId: string | null; data: unknown } {
  return { id: e.id, type: e.type, timestamp: e.time, subject: e.subject, corridorId: e.corridorId, data: e.payload };
}
