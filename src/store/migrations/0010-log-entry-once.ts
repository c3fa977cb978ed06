import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Each log entry's bytes are stored once. The `payload` column held a second copy of what the
 * `entry` column (the exact bytes hashed as the Merkle leaf) already holds, read by nothing; a copy
 * that nothing verifies is one that can be edited unnoticed, and it made every row half as large
 * again, which `passage verify --db` paid for on every page it read. The head columns (time,
 * actor, action, subject) stay: they are small and what one filters the table by.
 *
 * SQLite rewrites the table without the column (its append-only triggers do not fire for that);
 * PostgreSQL only forgets it.
 */
export const logEntryOnce = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await sql`ALTER TABLE log_entries DROP COLUMN payload`.execute(db);
  },
});
