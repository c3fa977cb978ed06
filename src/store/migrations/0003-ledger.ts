import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { createRefusal, makeAppendOnly } from './append-only.js';

/**
 * The negotiation ledger's tables, as Kysely sees them (joined to `DB` with `withTables`).
 * Every ledger entry — agenda item, round, position, statement, protocol — is one row of
 * `ledger_entries` that points at its current version; each version is an insert-only row of
 * `ledger_versions`. Nothing is deleted or rewritten: a correction is a new version with a reason.
 */
export type LedgerTables = {
  ledger_entries: {
    /** `item-slug` for agenda items (chosen, stable), `rnd_…`, `pos_…`, `stm_…`, `prt_…` otherwise. */
    id: string;
    /** `agenda_item` | `round` | `position` | `statement` | `protocol`. */
    kind: string;
    /** The version in force; its body is copied into `body` below. */
    current_version: number;
    /** Of the current version: `public` | `parties` | `mediator`. Every read path filters on it. */
    visibility: string;
    /** The round a position, statement (first tagged) or protocol belongs to; null otherwise. */
    round_id: string | null;
    /** The agenda item of a position; null otherwise. */
    item_id: string | null;
    /** The party whose position it is, or the speaker's party; null otherwise. */
    party_id: string | null;
    /** The calendar date (YYYY-MM-DD) the entry is about: round start, stated on, said on. Sorts the ledger. */
    occurred_on: string;
    /** The current version's body (JSON text), so reads need one table. */
    body: string;
    created_at: string;
    created_by: string;
    updated_at: string;
  };
  ledger_versions: {
    entry_id: string;
    version: number;
    /** The entry's input at this version (JSON text); for a protocol, the agreed text object. */
    body: string;
    visibility: string;
    /** Why this version exists: `recorded` for the first, the correction's reason after that. */
    reason: string;
    created_at: string;
    created_by: string;
  };
  /** Delegations' signatures over a version of a protocol's agreed text (JWS, like guarantees). */
  ledger_signatures: {
    id: string;
    protocol_id: string;
    version: number;
    party_id: string;
    member_id: string;
    /** RFC 7638 thumbprint of the party key that made it. */
    kid: string;
    /** Compact JWS, EdDSA, payload embedded: the RFC 8785 bytes of the protocol text. */
    jws: string;
    created_at: string;
  };
};

/** The negotiation ledger (rounds, agenda, positions, protocols, statements). */
export const ledger = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('ledger_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('round_id', 'text')
      .addColumn('item_id', 'text')
      .addColumn('party_id', 'text')
      .addColumn('occurred_on', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ledger_entries_kind').on('ledger_entries').columns(['kind', 'occurred_on']).execute();
    await db.schema
      .createTable('ledger_versions')
      .addColumn('entry_id', 'text', (c) => c.notNull().references('ledger_entries.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('ledger_versions_pk', ['entry_id', 'version'])
      .execute();
    await db.schema
      .createTable('ledger_signatures')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('protocol_id', 'text', (c) => c.notNull().references('ledger_entries.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('party_id', 'text', (c) => c.notNull().references('parties.id'))
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('kid', 'text', (c) => c.notNull())
      .addColumn('jws', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('ledger_signatures_once_per_version', ['protocol_id', 'version', 'party_id'])
      .execute();
    // Versions and signatures are history: the database itself refuses to rewrite or drop them.
    await createRefusal(db, engine, 'passage_ledger_is_append_only', "the ledger's history is append-only");
    for (const table of ['ledger_versions', 'ledger_signatures']) await makeAppendOnly(db, engine, table, 'passage_ledger_is_append_only', "the ledger's history is append-only");
  },
});
