import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Incidents, disputes, webhooks and their deliveries, scheduler state (issue 6).
 * Nothing here is deleted: incidents change state (reported → confirmed | dismissed) and
 * corrections are new versions with log entries; subscriptions are disabled, not removed.
 */
export const incidents = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('incidents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('geometry', 'text', (c) => c.notNull()) // GeoJSON Point or Polygon
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('reported_at', 'text', (c) => c.notNull())
      .addColumn('reported_by', 'text', (c) => c.notNull())
      .addColumn('reporter_party_id', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull()) // JSON [{sha256, name?, mediaType?}]
      .addColumn('casualties', 'text') // JSON {killed?, injured?} or NULL when unknown
      .addColumn('distribution', 'text') // JSON array of party ids; NULL = every member
      .addColumn('corridor_ids', 'text', (c) => c.notNull()) // JSON: corridors whose zone held there and then
      .addColumn('state', 'text', (c) => c.notNull()) // reported | confirmed | dismissed
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('decided_by', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('suspension_ids', 'text', (c) => c.notNull()) // JSON: suspensions this incident caused
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('incidents_occurred').on('incidents').column('occurred_at').execute();
    await db.schema
      .createTable('incident_disputes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('statement', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('incident_disputes_incident').on('incident_disputes').column('incident_id').execute();
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('party_kind', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull()) // whsec_<base64>
      .addColumn('types', 'text', (c) => c.notNull()) // JSON array of type patterns; [] = all
      .addColumn('corridor_id', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('cursor', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull()) // last event id enqueued
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'text')
      .execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id'))
      .addColumn('event_id', engine === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull()) // pending | delivered
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('lease_until', 'text')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('webhook_deliveries_sub_event').unique().on('webhook_deliveries').columns(['subscription_id', 'event_id']).execute();
    await db.schema.createIndex('webhook_deliveries_state').on('webhook_deliveries').columns(['state', 'subscription_id']).execute();
    await db.schema
      .createTable('scheduler_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
});
