import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { createTruncateRefusal, guardInserts, refuseTruncate } from './append-only.js';

/**
 * The insert-only tables (the log's entries, tree nodes, signed heads and openings; the ledger's
 * versions and signatures), with the primary key and each unique constraint an insert must not
 * repeat.
 */
export const INSERT_ONLY_TABLES: Readonly<Record<string, readonly (readonly string[])[]>> = {
  log_entries: [['idx']],
  log_nodes: [['id']],
  log_heads: [['size']],
  log_openings: [['idx']],
  ledger_versions: [['entry_id', 'version']],
  ledger_signatures: [['id'], ['protocol_id', 'version', 'party_id', 'kid']],
};

/**
 * Closes the two ways around the append-only triggers that needed no trigger switched off.
 * SQLite: `INSERT OR REPLACE` of a row whose key exists deleted it without firing the DELETE
 * trigger (SQLite fires none for REPLACE's deletions unless recursive_triggers is on) and inserted
 * the new one — an entry, a tree node, a signed head or an opening rewritten at will. Now an insert
 * repeating a key is refused before the conflict is resolved. PostgreSQL: TRUNCATE fires no row
 * trigger, and only log_entries refused it. Now every insert-only table does. Passage writes these
 * tables with plain INSERTs only (never OR IGNORE, OR REPLACE or ON CONFLICT).
 */
export const insertOnly = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await createTruncateRefusal(db, engine);
    for (const [table, keys] of Object.entries(INSERT_ONLY_TABLES)) {
      await guardInserts(db, engine, table, keys);
      // log_entries has refused TRUNCATE since migration 0001.
      if (table !== 'log_entries') await refuseTruncate(db, engine, table);
    }
  },
});
