import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** Protected sites notified by operators (OCHA HNS style): versions, distribution, acknowledgements. */
export const sites = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sites')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('operator_party_id', 'text', (c) => c.notNull().references('parties.id'))
      .addColumn('state', 'text', (c) => c.notNull()) // active | withdrawn
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('site_versions')
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull()) // canonical JSON: kind, name, geometry, contact, distribution, notes
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('site_versions_pk', ['site_id', 'version'])
      .execute();
    await db.schema
      .createTable('site_acks')
      .addColumn('site_id', 'text', (c) => c.notNull().references('sites.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('site_acks_pk', ['site_id', 'version', 'party_id'])
      .execute();
  },
});
