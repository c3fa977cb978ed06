import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** Incidents remember the movements that were near them (ids, JSON array), as they do corridors. */
export const incidentMovements = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await sql`ALTER TABLE incidents ADD COLUMN movement_ids TEXT NOT NULL DEFAULT '[]'`.execute(db);
  },
});
