import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * A party may guarantee one version of a corridor's terms once per key, no longer once in all.
 * A guarantee made with a key revoked afterwards no longer binds (src/domain/guarantee-rules.ts),
 * and the party must be able to sign the same version again with a key that stands; the old row
 * stays, as the record of what was signed and with which key. That a party holds at most one
 * binding guarantee per version is the application's rule (`already_signed`, under the corridor's
 * lock); the database keeps one row per (corridor, version, party, key).
 *
 * SQLite cannot drop a table constraint: it rewrites the table (nothing references it);
 * PostgreSQL swaps the constraint.
 */
export const guaranteesOncePerKey = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    if (engine === 'sqlite') {
      await sql`CREATE TABLE guarantees_per_key (
          id text PRIMARY KEY, corridor_id text NOT NULL REFERENCES corridors (id), version integer NOT NULL,
          party_id text NOT NULL REFERENCES parties (id), member_id text NOT NULL, kid text NOT NULL, jws text NOT NULL,
          created_at text NOT NULL,
          CONSTRAINT guarantees_once_per_key UNIQUE (corridor_id, version, party_id, kid))`.execute(db);
      await sql`INSERT INTO guarantees_per_key SELECT id, corridor_id, version, party_id, member_id, kid, jws, created_at FROM guarantees`.execute(db);
      await sql`DROP TABLE guarantees`.execute(db);
      await sql`ALTER TABLE guarantees_per_key RENAME TO guarantees`.execute(db);
    } else {
      await sql`ALTER TABLE guarantees DROP CONSTRAINT guarantees_once_per_version`.execute(db);
      await sql`ALTER TABLE guarantees ADD CONSTRAINT guarantees_once_per_key UNIQUE (corridor_id, version, party_id, kid)`.execute(db);
    }
  },
});
