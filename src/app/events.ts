import { sql } from 'kysely';
import type { Actor } from '../domain/authorization.js';
import type { EventType } from '../domain/event-types.js';
import type { Tx } from '../store/store.js';
import type { Unit } from './deps.js';

export interface EventInput {
  /** e.g. `corridor.suspended`, `movement.alert.off_route`, `incident.confirmed`: one of EVENT_TYPES (src/domain/event-types.ts). */
  readonly type: EventType;
  /** e.g. `corridor/cor_…`. */
  readonly subject: string;
  readonly corridorId?: string | null | undefined;
  /** Party ids that may see it; omitted or null = every member (corridors are seen by all). */
  readonly audience?: readonly string[] | null | undefined;
  readonly payload: unknown;
}

export interface StoredEvent {
  readonly id: number;
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  readonly corridorId: string | null;
  readonly audience: string[] | null;
  readonly payload: unknown;
}

/**
 * Writes an event to the outbox in the caller's transaction. On PostgreSQL the log's lock is
 * taken first, so event ids increase in commit order and a reader resuming after id N misses
 * nothing (the log append of the same transaction takes the same lock).
 */
export async function emitEvent(u: Unit, e: EventInput): Promise<number> {
  if (u.deps.store.engine === 'postgres') await sql`SELECT 1 FROM log_state WHERE id = 1 FOR UPDATE`.execute(u.tx);
  const row = await u.tx
    .insertInto('events')
    .values({
      type: e.type,
      time: new Date(u.deps.now()).toISOString(),
      subject: e.subject,
      corridor_id: e.corridorId ?? null,
      audience: e.audience ? JSON.stringify(e.audience) : null,
      payload: JSON.stringify(e.payload ?? null),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Whether a member may see an event: the mediator sees all; others see events addressed to everyone or to their party. */
export function canSeeEvent(actor: Pick<Actor, 'partyId' | 'partyKind'>, e: Pick<StoredEvent, 'audience'>): boolean {
  return e.audience === null || actor.partyKind === 'mediator' || e.audience.includes(actor.partyId);
}

/** Events after `afterId`, oldest first. */
export async function readEvents(db: Tx, afterId: number, limit = 1000): Promise<StoredEvent[]> {
  const rows = await db.selectFrom('events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    type: r.type,
    time: r.time,
    subject: r.subject,
    corridorId: r.corridor_id,
    audience: r.audience === null ? null : (JSON.parse(r.audience) as string[]),
    payload: JSON.parse(r.payload) as unknown,
  }));
}
