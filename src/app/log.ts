import { sql } from 'kysely';
import { canonicalJson } from '../domain/corridor-terms.js';
import type { Unit } from './deps.js';

export interface LogInput {
  /** Member id, or `system` for the server's own actions (e.g. expiry). */
  readonly actor: string;
  /** What happened, e.g. `corridor.proposed`. */
  readonly action: string;
  /** What it happened to, e.g. `corridor/cor_abc`. */
  readonly subject: string;
  readonly payload: unknown;
}

export interface LogEntry extends LogInput {
  readonly index: number;
  readonly time: string;
}

/**
 * Appends one entry to the log, inside the caller's transaction, so the state change and its
 * record land together or not at all. Entries are never updated or deleted (the database
 * refuses it). On PostgreSQL an advisory transaction lock serialises appenders so indexes
 * stay dense; SQLite has one writer anyway.
 */
export async function appendLog(u: Unit, input: LogInput): Promise<LogEntry> {
  if (u.deps.store.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(72657261)`.execute(u.tx);
  const last = await u.tx.selectFrom('log_entries').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirst();
  const index = last ? Number(last.idx) + 1 : 0;
  const time = new Date(u.deps.now()).toISOString();
  await u.tx
    .insertInto('log_entries')
    .values({ idx: index, time, actor: input.actor, action: input.action, subject: input.subject, payload: canonicalJson(input.payload ?? null) })
    .execute();
  return { ...input, index, time };
}
