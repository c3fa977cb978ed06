import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Positions keyed by (time, device) instead of (device, time), with an index on (movement, time).
 * The uniqueness that makes ingest idempotent is the same pair. Why: keyed by device first, every
 * group of fixes from N trackers lands on N different pages of the table (each device's run of
 * fixes ends on its own page), so a commit rewrote ~N pages into the WAL; keyed by time, a group
 * appends at the right edge of the table and of each movement's run in the index — a handful of
 * pages. Tracks are read per movement (the index), incidents look up fixes by time (the key).
 */
export const positionsByTime = (engine: Engine) => ({
  async up(db: Kysely<any>) {
    const dbl = engine === 'postgres' ? 'double precision' : 'real';
    if (engine === 'sqlite') {
      await sql`CREATE TABLE positions_by_time (
          device_id text NOT NULL, at text NOT NULL, movement_id text NOT NULL,
          lat ${sql.raw(dbl)} NOT NULL, lon ${sql.raw(dbl)} NOT NULL, speed ${sql.raw(dbl)}, bearing ${sql.raw(dbl)}, altitude ${sql.raw(dbl)},
          accuracy ${sql.raw(dbl)}, battery ${sql.raw(dbl)}, attributes text, received_at text NOT NULL,
          CONSTRAINT positions_pk PRIMARY KEY (at, device_id)) WITHOUT ROWID`.execute(db);
      await sql`INSERT INTO positions_by_time SELECT device_id, at, movement_id, lat, lon, speed, bearing, altitude, accuracy, battery, attributes, received_at FROM positions`.execute(db);
      await sql`DROP TABLE positions`.execute(db);
      await sql`ALTER TABLE positions_by_time RENAME TO positions`.execute(db);
    } else {
      await sql`ALTER TABLE positions DROP CONSTRAINT positions_pk`.execute(db);
      await sql`ALTER TABLE positions ADD CONSTRAINT positions_pk PRIMARY KEY (at, device_id)`.execute(db);
    }
    await db.schema.createIndex('positions_movement_time').on('positions').columns(['movement_id', 'at']).execute();
  },
});
