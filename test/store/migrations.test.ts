import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { migrate, openStore, type Store } from '../../src/store/store.js';
import { ENGINES } from '../helpers.js';

const PG_URL = process.env.PASSAGE_TEST_DATABASE_URL;

async function storeAt(engine: 'sqlite' | 'postgres'): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'passage-mig-')), 'p.db'), { migrate: false });
    return { store, drop: () => store.close() };
  }
  const schema = `mig_${process.pid}_${Date.now().toString(36)}`;
  const store = await openStore(PG_URL as string, { schema, migrate: false });
  return {
    store,
    drop: async () => {
      await sql`DROP SCHEMA IF EXISTS ${sql.raw(schema)} CASCADE`.execute(store.db);
      await store.close();
    },
  };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: migrating a database made by an earlier version`, () => {
    it('re-keys positions by time without losing a fix, and stays idempotent on (device, time)', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.engine), ...(store.schema ? { migrationTableSchema: store.schema } : {}) });
        const to8 = await migrator.migrateTo('0008_incident_movements');
        expect(to8.error).toBeUndefined();
        const row = (device: string, at: string) => ({ device_id: device, at, movement_id: 'mov_1', lat: 50.9, lon: 34.8, speed: 3, bearing: null, altitude: null, accuracy: null, battery: null, attributes: null, received_at: at });
        const rows = [row('b', '2022-03-08T08:00:00.000Z'), row('a', '2022-03-08T08:00:01.000Z'), row('a', '2022-03-08T08:00:00.000Z')];
        await store.db.insertInto('positions').values(rows).execute();
        await migrate(store);
        const after = await store.db.selectFrom('positions').selectAll().orderBy('at').orderBy('device_id').execute();
        expect(after.map((r) => [r.device_id, r.at, Number(r.lat)])).toEqual([
          ['a', '2022-03-08T08:00:00.000Z', 50.9],
          ['b', '2022-03-08T08:00:00.000Z', 50.9],
          ['a', '2022-03-08T08:00:01.000Z', 50.9],
        ]);
        // The same pair is still unique, and ON CONFLICT (device_id, at) still finds the key.
        const again = await store.db.insertInto('positions').values(row('a', '2022-03-08T08:00:00.000Z')).onConflict((oc) => oc.columns(['device_id', 'at']).doNothing()).executeTakeFirst();
        expect(Number(again.numInsertedOrUpdatedRows ?? 0)).toBe(0);
        await expect(store.db.insertInto('positions').values(row('a', '2022-03-08T08:00:00.000Z')).execute()).rejects.toThrow();
      } finally {
        await drop();
      }
    });

    it('stores each log entry once: the payload copy goes, the entries and the append-only rule stay', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.engine), ...(store.schema ? { migrationTableSchema: store.schema } : {}) });
        expect((await migrator.migrateTo('0009_positions_by_time')).error).toBeUndefined();
        const entry = '{"action":"corridor.proposed","actor":"mem_1","index":0,"payload":{"x":1},"subject":"corridor/c1","time":"2022-03-08T08:00:00.000Z"}';
        await sql`INSERT INTO log_entries (idx, time, actor, action, subject, payload, entry) VALUES (0, '2022-03-08T08:00:00.000Z', 'mem_1', 'corridor.proposed', 'corridor/c1', '{"x":1}', ${entry})`.execute(store.db);
        await migrate(store);
        const rows = await sql<Record<string, unknown>>`SELECT * FROM log_entries`.execute(store.db);
        expect(rows.rows).toHaveLength(1);
        expect(Object.keys(rows.rows[0]!).sort()).toEqual(['action', 'actor', 'entry', 'idx', 'subject', 'time']);
        expect(rows.rows[0]!.entry).toBe(entry);
        await expect(store.db.updateTable('log_entries').set({ actor: 'someone-else' }).where('idx', '=', 0).execute()).rejects.toThrow(/append-only/);
        await expect(store.db.deleteFrom('log_entries').where('idx', '=', 0).execute()).rejects.toThrow(/append-only/);
      } finally {
        await drop();
      }
    });
  });
}
