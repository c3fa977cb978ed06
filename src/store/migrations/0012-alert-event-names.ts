import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Live and count alerts were `movement.<type>` events (`movement.off_route`,
 * `movement.off_route.cleared`) until 2026-11-27; they are now `movement.alert.<type>`, and the
 * lifecycle arrival an operator records keeps `movement.arrived`. A webhook subscription stored
 * before then with the old names would silently receive nothing, or only the lifecycle arrival.
 * This rewrites each stored filter so it receives what it asked for:
 *
 * - `movement.<alert>` → `movement.alert.<alert>`, and `….cleared` likewise;
 * - `movement.arrived` named both the alert and the lifecycle arrival, so it stays and
 *   `movement.alert.arrived` joins it;
 * - a prefix that matched alerts (`movement.off_*`) becomes its `movement.alert.` twin; if it
 *   matched lifecycle events too (`movement.a*`: aborted, acknowledged, arrived), those are named
 *   one by one, since the old prefix would now also match every `movement.alert.…` event.
 *
 * Events still in the outbox under the old names (a paused subscription resumes from its cursor; an
 * SSE client resumes from Last-Event-ID) are renamed too, so the rewritten filters match them; an
 * old `movement.arrived` is the alert when its payload carries an `alertId`. A delivery not yet
 * sent names the event's new type; a delivered one keeps the name it was sent under.
 *
 * The names are spelled out here, not imported: a migration says what was true when it shipped.
 */
const ALERTS = ['off_route', 'stopped', 'moving_while_closed', 'no_signal', 'arrived', 'count_discrepancy', 'cargo_discrepancy'];
/** What followed `movement.` in an alert's event type before the rename. */
const OLD_ALERT_SUFFIXES = ALERTS.flatMap((t) => [t, `${t}.cleared`]);
/** What follows `movement.` in the lifecycle events, which kept their names. */
const LIFECYCLE_SUFFIXES = ['notified', 'acknowledged', 'departed', 'checked_in', 'arrived', 'aborted', 'receipt', 'positions', 'incident_nearby'];

/** One stored filter pattern in the new names; usually one pattern, two where the old one meant both. */
export function renamedPattern(pattern: string): string[] {
  if (!pattern.startsWith('movement.') || pattern.startsWith('movement.alert.')) return [pattern];
  const rest = pattern.slice('movement.'.length);
  if (rest.endsWith('*')) {
    const prefix = rest.slice(0, -1);
    // `movement.*` already matches every alert under its new name.
    if (prefix === '' || !OLD_ALERT_SUFFIXES.some((s) => s.startsWith(prefix))) return [pattern];
    return [...LIFECYCLE_SUFFIXES.filter((s) => s.startsWith(prefix)).map((s) => `movement.${s}`), `movement.alert.${prefix}*`];
  }
  if (!OLD_ALERT_SUFFIXES.includes(rest)) return [pattern];
  return rest === 'arrived' ? [pattern, 'movement.alert.arrived'] : [`movement.alert.${rest}`];
}

/** A stored filter (a JSON array of patterns; [] is everything) in the new names, without repeats. */
export function renamedFilter(patterns: readonly string[]): string[] {
  return [...new Set(patterns.flatMap(renamedPattern))];
}

export const alertEventNames = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    const subs = await db.selectFrom('webhook_subscriptions').select(['id', 'types']).execute();
    for (const s of subs as { id: string; types: string }[]) {
      const before = JSON.parse(s.types) as string[];
      const after = renamedFilter(before);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        await db.updateTable('webhook_subscriptions').set({ types: JSON.stringify(after) }).where('id', '=', s.id).execute();
      }
    }

    // The outbox: every old alert name but the ambiguous `movement.arrived`, in one pass…
    const unambiguous = OLD_ALERT_SUFFIXES.filter((s) => s !== 'arrived').map((s) => `movement.${s}`);
    await db
      .updateTable('events')
      .set({ type: sql`'movement.alert.' || substr(type, ${sql.raw(String('movement.'.length + 1))})` })
      .where('type', 'in', unambiguous)
      .execute();
    // …then the arrivals that were alerts: their payload names the alert.
    const arrivals = await db.selectFrom('events').select(['id', 'payload']).where('type', '=', 'movement.arrived').execute();
    const alertArrivals = arrivals.filter((e) => typeof (JSON.parse(e.payload as string) as { alertId?: unknown } | null)?.alertId === 'string').map((e) => e.id as number | string);
    for (let i = 0; i < alertArrivals.length; i += 500) {
      await db.updateTable('events').set({ type: 'movement.alert.arrived' }).where('id', 'in', alertArrivals.slice(i, i + 500)).execute();
    }
    // Deliveries not yet sent go out under the event's type as it now is.
    await db
      .updateTable('webhook_deliveries')
      .set({ event_type: sql`(SELECT e.type FROM events e WHERE e.id = webhook_deliveries.event_id)` })
      .where('state', '=', 'pending')
      .where('event_type', 'in', OLD_ALERT_SUFFIXES.map((s) => `movement.${s}`))
      .where(sql<boolean>`EXISTS (SELECT 1 FROM events e WHERE e.id = webhook_deliveries.event_id)`)
      .execute();
  },
});
