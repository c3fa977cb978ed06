import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { makeAppendOnly } from './append-only.js';

/**
 * A delegation may sign one version of a protocol once per key, no longer once in all — as
 * migration 0014 did for corridor guarantees. A signature recorded with a key compromised at the
 * time no longer counts (src/domain/ledger-protocol.ts), and the party must be able to sign the
 * same version again with a key that stands; the old row stays, as the record of the talks. That
 * a party holds at most one counting signature per version is the application's rule
 * (`already_signed`, under the protocol's lock).
 *
 * SQLite cannot drop a table constraint: it rewrites the table (nothing references it) and puts
 * back the triggers that keep it append-only (DROP TABLE fires no DELETE trigger); PostgreSQL
 * swaps the constraint.
 */
export const protocolSignaturesOncePerKey = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    if (engine === 'sqlite') {
      await sql`CREATE TABLE ledger_signatures_per_key (
          id text PRIMARY KEY, protocol_id text NOT NULL REFERENCES ledger_entries (id), version integer NOT NULL,
          party_id text NOT NULL REFERENCES parties (id), member_id text NOT NULL, kid text NOT NULL, jws text NOT NULL,
          created_at text NOT NULL,
          CONSTRAINT ledger_signatures_once_per_key UNIQUE (protocol_id, version, party_id, kid))`.execute(db);
      await sql`INSERT INTO ledger_signatures_per_key SELECT id, protocol_id, version, party_id, member_id, kid, jws, created_at FROM ledger_signatures`.execute(db);
      await sql`DROP TABLE ledger_signatures`.execute(db);
      await sql`ALTER TABLE ledger_signatures_per_key RENAME TO ledger_signatures`.execute(db);
      await makeAppendOnly(db, engine, 'ledger_signatures', 'passage_ledger_is_append_only', "the ledger's history is append-only");
    } else {
      await sql`ALTER TABLE ledger_signatures DROP CONSTRAINT ledger_signatures_once_per_version`.execute(db);
      await sql`ALTER TABLE ledger_signatures ADD CONSTRAINT ledger_signatures_once_per_key UNIQUE (protocol_id, version, party_id, kid)`.execute(db);
    }
  },
});
