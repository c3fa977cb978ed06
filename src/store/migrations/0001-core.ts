import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';
import { createRefusal, makeAppendOnly } from './append-only.js';

/** Parties, members, tokens, keys, agreements, corridors and their versions, guarantees, suspensions, the log. */
export const core = (engine: Engine) => ({
  async up(db: Kysely<any>) {
        await db.schema.createTable('settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
        await db.schema
          .createTable('parties')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('short_name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('members')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('party_id', 'text', (c) => c.notNull().references('parties.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'text')
          .execute();
        await db.schema
          .createTable('tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('party_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('party_id', 'text', (c) => c.notNull().references('parties.id'))
          .addColumn('jwk', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('agreements')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('corridors')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('current_version', 'integer', (c) => c.notNull())
          .addColumn('proposer_party_id', 'text', (c) => c.notNull().references('parties.id'))
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('corridor_versions')
          .addColumn('corridor_id', 'text', (c) => c.notNull().references('corridors.id'))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('terms', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('corridor_versions_pk', ['corridor_id', 'version'])
          .execute();
        await db.schema
          .createTable('guarantees')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('corridor_id', 'text', (c) => c.notNull().references('corridors.id'))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('party_id', 'text', (c) => c.notNull().references('parties.id'))
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('kid', 'text', (c) => c.notNull())
          .addColumn('jws', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('guarantees_once_per_version', ['corridor_id', 'version', 'party_id'])
          .execute();
        await db.schema
          .createTable('suspensions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('corridor_id', 'text', (c) => c.notNull().references('corridors.id'))
          .addColumn('since', 'text', (c) => c.notNull())
          .addColumn('until', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('suspended_by', 'text', (c) => c.notNull())
          .addColumn('resumed_by', 'text')
          .addColumn('resume_reason', 'text')
          .execute();
        await db.schema.createIndex('suspensions_corridor').on('suspensions').column('corridor_id').execute();
        await db.schema
          .createTable('log_entries')
          .addColumn('idx', 'integer', (c) => c.primaryKey())
          .addColumn('time', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          // The exact bytes of the entry (RFC 8785 JSON of index, time, actor, action, subject, payload): the Merkle leaf.
          .addColumn('entry', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('log_entries_subject').on('log_entries').column('subject').execute();
        await db.schema
          .createTable('idempotency')
          .addColumn('member_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('response', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_pk', ['member_id', 'key'])
          .execute();
        // The log is insert-only, enforced by the database itself, not by good manners.
        await createRefusal(db, engine, 'passage_log_is_append_only', 'log_entries is append-only');
        await makeAppendOnly(db, engine, 'log_entries', 'passage_log_is_append_only', 'log_entries is append-only');
        if (engine === 'postgres') {
          await sql`CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
            FOR EACH STATEMENT EXECUTE FUNCTION passage_log_is_append_only()`.execute(db);
        }
  },
});
