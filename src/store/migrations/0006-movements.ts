import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** Movements, vehicles, trackers, positions, alerts, checkpoints and receipts (issue 5). */
export const movements = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    // lat/lon need 64-bit floats: PostgreSQL's `real` is 32-bit (≈ 1 m error), SQLite's is 64-bit.
    const dbl = engine === 'postgres' ? 'double precision' : 'real';
    await db.schema
      .createTable('movements')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('corridor_id', 'text', (c) => c.notNull().references('corridors.id'))
      .addColumn('operator_party_id', 'text', (c) => c.notNull().references('parties.id'))
      .addColumn('state', 'text', (c) => c.notNull()) // notified | departed | arrived | aborted
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull()) // canonical JSON of the notification (vehicles, manifest, distribution, rules)
      .addColumn('warnings', 'text', (c) => c.notNull()) // JSON array of {code, message}
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('departed_at', 'text')
      .addColumn('arrived_at', 'text')
      .execute();
    await db.schema
      .createTable('movement_acks')
      .addColumn('movement_id', 'text', (c) => c.notNull().references('movements.id'))
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('movement_acks_pk', ['movement_id', 'party_id'])
      .execute();
    // One row per tracker ever registered; movement_id is set while a notified or departed movement holds it.
    await db.schema
      .createTable('tracker_devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('movement_id', 'text')
      .addColumn('vehicle', 'text')
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('last_seen', 'text') // server time of the last contact (fix or heartbeat)
      .addColumn('last_at', 'text') // time of the newest fix
      .addColumn('last_lat', dbl)
      .addColumn('last_lon', dbl)
      .addColumn('last_speed', dbl)
      .addColumn('rule_state', 'text', (c) => c.notNull()) // JSON: what the live rules remember
      .execute();
    await db.schema.createIndex('tracker_devices_movement').on('tracker_devices').column('movement_id').execute();
    // Idempotent on (device, time): a retried fix is a no-op. No secondary index: tracks are read per device.
    let positions = db.schema
      .createTable('positions')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('movement_id', 'text', (c) => c.notNull())
      .addColumn('lat', dbl, (c) => c.notNull())
      .addColumn('lon', dbl, (c) => c.notNull())
      .addColumn('speed', dbl)
      .addColumn('bearing', dbl)
      .addColumn('altitude', dbl)
      .addColumn('accuracy', dbl)
      .addColumn('battery', dbl)
      .addColumn('attributes', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('positions_pk', ['device_id', 'at']);
    if (engine === 'sqlite') positions = positions.modifyEnd(sql`without rowid`);
    await positions.execute();
    await db.schema
      .createTable('position_rejections')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('first_at', 'text', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addColumn('last_via', 'text', (c) => c.notNull()) // osmand | json
      .execute();
    await db.schema
      .createTable('movement_alerts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('movement_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull()) // the episode's key: type (live rules) or people:<category> / cargo:<line>
      .addColumn('state', 'text', (c) => c.notNull()) // open | cleared
      .addColumn('raised_at', 'text', (c) => c.notNull())
      .addColumn('cleared_at', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('movement_alerts_movement').on('movement_alerts').columns(['movement_id', 'raised_at']).execute();
    await db.schema
      .createTable('movement_counts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('movement_id', 'text', (c) => c.notNull().references('movements.id'))
      .addColumn('seq', 'integer', (c) => c.notNull()) // order of recording, for counts made at the same instant
      .addColumn('stage', 'text', (c) => c.notNull()) // departed | checkpoint | arrived
      .addColumn('checkpoint_id', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('counted_by', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('people', 'text', (c) => c.notNull())
      .addColumn('cargo', 'text', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('movement_counts_movement').on('movement_counts').column('movement_id').execute();
    await db.schema
      .createTable('movement_receipts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('movement_id', 'text', (c) => c.notNull().references('movements.id'))
      .addColumn('party_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('received_by', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('lines', 'text', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .execute();
  },
});
