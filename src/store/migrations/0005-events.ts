import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * The event outbox: one row per thing that happened that someone may want to be told of
 * (SSE, webhooks, CAP). Written in the same transaction as the change; ids increase in commit
 * order because writers hold the log lock (see src/app/events.ts).
 */
export const events = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('events')
      .addColumn('id', engine === 'postgres' ? 'bigserial' : 'integer', (c) => (engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('type', 'text', (c) => c.notNull()) // e.g. corridor.suspended, movement.off_route
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull()) // e.g. corridor/cor_…
      .addColumn('corridor_id', 'text')
      .addColumn('audience', 'text') // JSON array of party ids that may see it; NULL = every member
      .addColumn('payload', 'text', (c) => c.notNull()) // JSON
      .execute();
    await db.schema.createIndex('events_corridor').on('events').column('corridor_id').execute();
  },
});
