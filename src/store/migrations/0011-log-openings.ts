import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { createRefusal, makeAppendOnly } from './append-only.js';

/**
 * Restricted log entries (protected sites, movements, restricted incidents, non-public ledger
 * versions) are written into the log as opaque commitments — every member reads the log, and a
 * no-strike list must not become a target list. What each commits to (its opening: a random salt
 * and the entry's real actor, action, subject and payload) is kept here, insert-only like the log,
 * and handed only to members who may see the record (`GET /log/openings/{index}`).
 */
export const logOpenings = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_openings')
      .addColumn('idx', 'integer', (c) => c.primaryKey())
      .addColumn('opening', 'text', (c) => c.notNull())
      .execute();
    await createRefusal(db, engine, 'passage_log_openings_are_append_only', 'log_openings is append-only');
    await makeAppendOnly(db, engine, 'log_openings', 'passage_log_openings_are_append_only', 'log_openings is append-only');
  },
});
