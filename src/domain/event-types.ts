/**
 * Every event type the outbox carries (SSE, webhooks), as a closed list: emitters are typed by it,
 * and a subscriber's filter is checked against it, so a filter naming a type that never comes is
 * refused instead of silently receiving nothing.
 */
import { COUNT_ALERT_TYPES, LIVE_ALERT_TYPES, type AlertType } from './tracking.js';

export const CORRIDOR_EVENT_TYPES = [
  'corridor.proposed',
  'corridor.guaranteed',
  'corridor.amended',
  'corridor.withdrawn',
  'corridor.rejected',
  'corridor.suspended',
  'corridor.resumed',
  'corridor.opened',
  'corridor.closed',
  'guarantee.given',
  'guarantee.voided',
] as const;

export const INCIDENT_EVENT_TYPES = ['incident.reported', 'incident.confirmed', 'incident.dismissed', 'incident.disputed', 'incident.corrected'] as const;

/** A movement's lifecycle, recorded by people (and its tracker fixes, and incidents near it). */
export const MOVEMENT_EVENT_TYPES = [
  'movement.notified',
  'movement.acknowledged',
  'movement.departed',
  'movement.checked_in',
  'movement.arrived',
  'movement.aborted',
  'movement.receipt',
  'movement.positions',
  'movement.incident_nearby',
] as const;

/** A live or count alert raised, or cleared. */
export type AlertEventType = `movement.alert.${AlertType}` | `movement.alert.${AlertType}.cleared`;

export function alertEventType(type: AlertType, cleared = false): AlertEventType {
  return cleared ? `movement.alert.${type}.cleared` : `movement.alert.${type}`;
}

export const ALERT_EVENT_TYPES: readonly AlertEventType[] = [...LIVE_ALERT_TYPES, ...COUNT_ALERT_TYPES].flatMap((t) => [alertEventType(t), alertEventType(t, true)]);

export type EventType = (typeof CORRIDOR_EVENT_TYPES)[number] | (typeof INCIDENT_EVENT_TYPES)[number] | (typeof MOVEMENT_EVENT_TYPES)[number] | AlertEventType;

export const EVENT_TYPES: readonly EventType[] = [...CORRIDOR_EVENT_TYPES, ...INCIDENT_EVENT_TYPES, ...MOVEMENT_EVENT_TYPES, ...ALERT_EVENT_TYPES];

/** Whether a filter pattern names a type: exactly, or as a prefix ending in `*` (`corridor.*`; `*` is everything). */
export function patternMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/**
 * What a pattern that matches no event type probably meant. Until 2026-11-27 alerts were
 * `movement.<type>` (`movement.off_route`, `movement.off_route.cleared`); they are now
 * `movement.alert.<type>`.
 */
export function eventTypeHint(pattern: string): string | undefined {
  if (!pattern.startsWith('movement.') || pattern.startsWith('movement.alert.')) return undefined;
  const renamed = `movement.alert.${pattern.slice('movement.'.length)}`;
  return EVENT_TYPES.some((t) => patternMatches(renamed, t)) ? renamed : undefined;
}

export interface EventFilterProblem {
  /** Index of the pattern in the list. */
  readonly index: number;
  readonly pattern: string;
  readonly message: string;
}

/** The patterns of a filter that match no event type, each with why and, where known, what to write. */
export function eventFilterProblems(patterns: readonly string[]): EventFilterProblem[] {
  const out: EventFilterProblem[] = [];
  patterns.forEach((pattern, index) => {
    if (EVENT_TYPES.some((t) => patternMatches(pattern, t))) return;
    const hint = eventTypeHint(pattern);
    const what = pattern.endsWith('*') ? `no event type starts with ${pattern.slice(0, -1)}` : `${pattern} is not an event type`;
    const message = hint ? `${what}: live and count alerts are movement.alert.<type> since 2026-11-27, so write ${hint}` : what;
    out.push({ index, pattern, message });
  });
  return out;
}
