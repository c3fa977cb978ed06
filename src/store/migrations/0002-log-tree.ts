import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { makeAppendOnly } from './append-only.js';

/**
 * The verifiable log's tree (RFC 9162): every completed perfect-subtree node, the frontier,
 * the signed tree heads the server issued, and the parties' cosignatures over them.
 */
export const logTree = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('log_nodes')
      // Node (level, i) is the root of the perfect subtree over leaves [i·2^level, (i+1)·2^level);
      // level 0 holds leaf hashes. Written once when completed, never changed: proofs read O(log n)
      // rows. The key packs both numbers, id = level·2^47 + i (exact in a double and in bigint), so
      // a proof is one `id IN (…)` lookup on the primary key (SQLite's rowid) instead of an OR of pairs.
      .addColumn('id', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull()) // hex SHA-256
      .execute();
    await db.schema
      .createTable('log_state')
      .addColumn('id', 'integer', (c) => c.primaryKey()) // always 1: one row, locked by appenders on PostgreSQL
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('frontier', 'text', (c) => c.notNull()) // JSON: the perfect-subtree roots, left to right
      .execute();
    await db.insertInto('log_state').values({ id: 1, size: 0, frontier: JSON.stringify({ size: 0, hashes: [] }) }).execute();
    await db.schema
      .createTable('log_heads')
      // Each tree head the server signed; one per size, so it can never sign two roots for one size.
      .addColumn('size', 'bigint', (c) => c.primaryKey())
      .addColumn('root', 'text', (c) => c.notNull()) // base64
      .addColumn('note', 'text', (c) => c.notNull()) // the signed note as served (server signature only)
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('log_cosignatures')
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('line', 'text', (c) => c.notNull()) // the signature line, appended to the note
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_cosignatures_pk', ['size', 'party_id'])
      .execute();
    for (const table of ['log_nodes', 'log_heads']) await makeAppendOnly(db, engine, table, 'passage_log_is_append_only', 'the log is append-only');
  },
});
