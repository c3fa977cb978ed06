import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ledgerDb } from '../../src/app/ledger.js';
import { typeMatches } from '../../src/app/webhook-events.js';
import { eventFilterProblems } from '../../src/domain/event-types.js';
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

/** Migrates `store` up to the migration `name` (as a database an earlier version left), and no further. */
async function migrateTo(store: Store, name: string): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.engine), ...(store.schema ? { migrationTableSchema: store.schema } : {}) });
  expect((await migrator.migrateTo(name)).error).toBeUndefined();
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: migrating a database made by an earlier version`, () => {
    it('re-keys positions by time without losing a fix, and stays idempotent on (device, time)', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0008_incident_movements');
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
        await migrateTo(store, '0009_positions_by_time');
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

    it('moves stored webhook filters and outbox events to movement.alert.<type>, so each subscriber receives what it asked for', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0011_log_openings');
        const at = '2026-11-20T08:00:00.000Z';
        // Subscriptions made before the rename, in the names of the time.
        const filters: Record<string, string[]> = {
          whk_off: ['movement.off_route'],
          whk_arrived: ['movement.arrived'],
          whk_mixed: ['corridor.*', 'movement.off_route.cleared', 'movement.count_discrepancy'],
          whk_offprefix: ['movement.off_*'],
          whk_aprefix: ['movement.a*'],
          whk_movements: ['movement.*'],
          whk_all: [],
          whk_dupe: ['movement.stopped', 'movement.alert.stopped'],
          whk_paused: ['movement.no_signal', 'movement.no_signal.cleared'],
        };
        for (const [id, types] of Object.entries(filters)) {
          await store.db
            .insertInto('webhook_subscriptions')
            .values({ id, party_id: 'aid', party_kind: 'humanitarian', member_id: 'mem_1', url: 'https://example.org/h', secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA', types: JSON.stringify(types), corridor_id: null, description: '', cursor: 0, created_at: at, updated_at: at, disabled_at: id === 'whk_paused' ? at : null })
            .execute();
        }
        // The outbox as the old code wrote it: an alert's payload names the alert, a lifecycle event's does not.
        const alert = (type: string, state = 'open') => JSON.stringify({ alertId: `alr_${type}`, movementId: 'mov_1', deviceId: 'dev-1', type, state, at, details: {} });
        const old: [string, string][] = [
          ['movement.off_route', alert('off_route')],
          ['movement.arrived', JSON.stringify({ movementId: 'mov_1', title: 'Convoy', state: 'arrived', at })],
          ['movement.arrived', alert('arrived')],
          ['movement.arrived.cleared', alert('arrived', 'cleared')],
          ['movement.count_discrepancy', alert('count_discrepancy')],
          ['movement.no_signal', alert('no_signal')],
          ['movement.no_signal.cleared', alert('no_signal', 'cleared')],
          ['movement.stopped', alert('stopped')],
          ['movement.aborted', JSON.stringify({ movementId: 'mov_2', title: 'Convoy 2', state: 'aborted', reason: 'x' })],
          ['corridor.suspended', JSON.stringify({ corridorId: 'cor_1' })],
          ['movement.notified', JSON.stringify({ movementId: 'mov_1', title: 'Convoy' })],
        ];
        for (const [type, payload] of old) await store.db.insertInto('events').values({ type, time: at, subject: 'movement/mov_1', corridor_id: 'cor_1', audience: null, payload }).execute();
        const ids = (await store.db.selectFrom('events').select('id').orderBy('id').execute()).map((r) => Number(r.id));
        const delivery = (id: string, sub: string, event: number, type: string, state: string) => ({ id, subscription_id: sub, event_id: event, event_type: type, state, attempts: state === 'delivered' ? 1 : 0, next_attempt_at: at, lease_until: null, last_status: null, last_error: null, last_attempt_at: null, created_at: at, delivered_at: state === 'delivered' ? at : null });
        await store.db
          .insertInto('webhook_deliveries')
          .values([delivery('dlv_1', 'whk_off', ids[0]!, 'movement.off_route', 'pending'), delivery('dlv_2', 'whk_arrived', ids[1]!, 'movement.arrived', 'pending'), delivery('dlv_3', 'whk_mixed', ids[4]!, 'movement.count_discrepancy', 'delivered')])
          .execute();

        await migrate(store);

        const subs = Object.fromEntries((await store.db.selectFrom('webhook_subscriptions').select(['id', 'types', 'updated_at']).execute()).map((r) => [r.id, JSON.parse(r.types) as string[]]));
        expect(subs).toEqual({
          whk_off: ['movement.alert.off_route'],
          // It named both the alert and the lifecycle arrival: it keeps getting both.
          whk_arrived: ['movement.arrived', 'movement.alert.arrived'],
          whk_mixed: ['corridor.*', 'movement.alert.off_route.cleared', 'movement.alert.count_discrepancy'],
          whk_offprefix: ['movement.alert.off_*'],
          whk_aprefix: ['movement.acknowledged', 'movement.arrived', 'movement.aborted', 'movement.alert.a*'],
          whk_movements: ['movement.*'],
          whk_all: [],
          whk_dupe: ['movement.alert.stopped'],
          whk_paused: ['movement.alert.no_signal', 'movement.alert.no_signal.cleared'],
        });
        // Every rewritten filter is one the API accepts today.
        for (const [id, types] of Object.entries(subs)) expect(eventFilterProblems(types), id).toEqual([]);

        const events = await store.db.selectFrom('events').select(['id', 'type']).orderBy('id').execute();
        expect(events.map((e) => e.type)).toEqual([
          'movement.alert.off_route',
          'movement.arrived',
          'movement.alert.arrived',
          'movement.alert.arrived.cleared',
          'movement.alert.count_discrepancy',
          'movement.alert.no_signal',
          'movement.alert.no_signal.cleared',
          'movement.alert.stopped',
          'movement.aborted',
          'corridor.suspended',
          'movement.notified',
        ]);
        // Each subscriber gets exactly the events it got before, now under their new names.
        for (const [id, before] of Object.entries(filters)) {
          const got = (names: readonly string[], types: string[]) => ids.filter((_, i) => typeMatches(types, names[i]!));
          expect(got(events.map((e) => e.type), subs[id]!), id).toEqual(got(old.map(([t]) => t), before));
        }
        // A delivery not yet sent goes out under the new name; one sent keeps the name it was sent under.
        const dlv = Object.fromEntries((await store.db.selectFrom('webhook_deliveries').select(['id', 'event_type']).execute()).map((r) => [r.id, r.event_type]));
        expect(dlv).toEqual({ dlv_1: 'movement.alert.off_route', dlv_2: 'movement.arrived', dlv_3: 'movement.count_discrepancy' });
      } finally {
        await drop();
      }
    });
    it('links each suspension a confirmed incident caused to that incident, from what the incident recorded', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0012_alert_event_names');
        const t = '2022-03-08T10:00:00.000Z';
        await sql`INSERT INTO parties (id, kind, name, short_name, created_at) VALUES ('ua', 'belligerent', 'Ukraine', 'UA', ${t})`.execute(store.db);
        await sql`INSERT INTO corridors (id, state, current_version, proposer_party_id, title, created_at, updated_at) VALUES ('cor_1', 'suspended', 1, 'ua', 'Sumy → Poltava', ${t}, ${t})`.execute(store.db);
        for (const [id, until] of [['sus_a', t], ['sus_b', null], ['sus_m', t]] as const) {
          await sql`INSERT INTO suspensions (id, corridor_id, since, until, reason, suspended_by) VALUES (${id}, 'cor_1', ${t}, ${until}, 'x', 'mem_1')`.execute(store.db);
        }
        for (const [id, state, sus] of [['inc_1', 'confirmed', '["sus_a"]'], ['inc_2', 'confirmed', '["sus_b"]'], ['inc_3', 'confirmed', '[]'], ['inc_4', 'reported', '[]']] as const) {
          await sql`INSERT INTO incidents (id, kind, severity, geometry, occurred_at, reported_at, reported_by, reporter_party_id, description, evidence, corridor_ids, movement_ids, state, version, suspension_ids, updated_at)
            VALUES (${id}, 'shelling', 'severe', '{}', ${t}, ${t}, 'mem_1', 'ua', 'x', '[]', '["cor_1"]', '[]', ${state}, 1, ${sus}, ${t})`.execute(store.db);
        }
        await migrate(store);
        const rows = await store.db.selectFrom('suspensions').select(['id', 'incident_id']).orderBy('id').execute();
        expect(rows).toEqual([
          { id: 'sus_a', incident_id: 'inc_1' },
          { id: 'sus_b', incident_id: 'inc_2' },
          { id: 'sus_m', incident_id: null },
        ]);
      } finally {
        await drop();
      }
    });
    it('lets a party sign one version again with another key (after a revocation), but never twice with the same key', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0013_suspension_incident');
        const at = '2022-03-08T08:00:00.000Z';
        await store.db.insertInto('parties').values({ id: 'ua', kind: 'belligerent', name: 'Ukraine', short_name: 'UA', created_at: at }).execute();
        await store.db.insertInto('corridors').values({ id: 'cor_1', state: 'guaranteed', current_version: 1, proposer_party_id: 'ua', title: 'Sumy → Poltava', created_at: at, updated_at: at }).execute();
        const g = (id: string, kid: string) => ({ id, corridor_id: 'cor_1', version: 1, party_id: 'ua', member_id: 'mem_1', kid, jws: `jws-${id}`, created_at: at });
        await store.db.insertInto('guarantees').values(g('gua_1', 'old-key')).execute();
        await expect(store.db.insertInto('guarantees').values(g('gua_2', 'new-key')).execute()).rejects.toThrow(); // once per version, before
        await migrate(store);
        expect((await store.db.selectFrom('guarantees').selectAll().execute()).map((r) => [r.id, r.kid, r.jws])).toEqual([['gua_1', 'old-key', 'jws-gua_1']]);
        await store.db.insertInto('guarantees').values(g('gua_2', 'new-key')).execute();
        await expect(store.db.insertInto('guarantees').values(g('gua_3', 'new-key')).execute()).rejects.toThrow();
        await expect(store.db.insertInto('guarantees').values({ ...g('gua_4', 'k'), corridor_id: 'cor_nope' }).execute()).rejects.toThrow(); // still references its corridor
      } finally {
        await drop();
      }
    });
    it('lets a delegation sign one protocol version again with another key, never twice with the same key, and keeps signatures append-only', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0015_key_revocation_reasons');
        const ledger = ledgerDb(store.db);
        const at = '2022-03-03T18:00:00.000Z';
        await store.db.insertInto('parties').values({ id: 'ua', kind: 'belligerent', name: 'Ukraine', short_name: 'UA', created_at: at }).execute();
        await ledger
          .insertInto('ledger_entries')
          .values({ id: 'prt_1', kind: 'protocol', current_version: 1, visibility: 'public', round_id: 'rnd_1', item_id: null, party_id: null, occurred_on: '2022-03-03', body: '{}', created_at: at, created_by: 'mem_1', updated_at: at })
          .execute();
        const sig = (id: string, kid: string) => ({ id, protocol_id: 'prt_1', version: 1, party_id: 'ua', member_id: 'mem_1', kid, jws: `jws-${id}`, created_at: at });
        await ledger.insertInto('ledger_signatures').values(sig('sig_1', 'old-key')).execute();
        await expect(ledger.insertInto('ledger_signatures').values(sig('sig_2', 'new-key')).execute()).rejects.toThrow(); // once per version, before
        await migrate(store);
        expect((await ledger.selectFrom('ledger_signatures').selectAll().execute()).map((r) => [r.id, r.kid, r.jws])).toEqual([['sig_1', 'old-key', 'jws-sig_1']]);
        await ledger.insertInto('ledger_signatures').values(sig('sig_2', 'new-key')).execute();
        await expect(ledger.insertInto('ledger_signatures').values(sig('sig_3', 'new-key')).execute()).rejects.toThrow();
        await expect(ledger.insertInto('ledger_signatures').values({ ...sig('sig_4', 'k'), protocol_id: 'prt_nope' }).execute()).rejects.toThrow(); // still references its protocol
        // Still history: the database refuses to rewrite or delete a signature.
        await expect(ledger.updateTable('ledger_signatures').set({ jws: 'forged' }).where('id', '=', 'sig_1').execute()).rejects.toThrow(/append-only/);
        await expect(ledger.deleteFrom('ledger_signatures').where('id', '=', 'sig_1').execute()).rejects.toThrow(/append-only/);
      } finally {
        await drop();
      }
    });
    it('makes the insert-only tables really so: an INSERT OR REPLACE (SQLite) or a TRUNCATE (PostgreSQL) is refused, naming the table', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0018_tracker_release');
        const ledger = ledgerDb(store.db);
        const at = '2022-03-03T18:00:00.000Z';
        // A row in every insert-only table, as a database an earlier version left.
        const entry = '{"action":"corridor.rejected","actor":"mem_1","index":0,"payload":{},"subject":"corridor/c1","time":"2022-03-03T18:00:00.000Z"}';
        await store.db.insertInto('log_entries').values({ idx: 0, time: at, actor: 'mem_1', action: 'corridor.rejected', subject: 'corridor/c1', entry }).execute();
        await store.db.insertInto('log_nodes').values({ id: 0, hash: 'ab'.repeat(32) }).execute();
        await store.db.insertInto('log_heads').values({ size: 1, root: 'root', note: 'note', signed_at: at }).execute();
        await store.db.insertInto('log_openings').values({ idx: 0, opening: '{}' }).execute();
        await store.db.insertInto('parties').values({ id: 'ua', kind: 'belligerent', name: 'Ukraine', short_name: 'UA', created_at: at }).execute();
        await ledger
          .insertInto('ledger_entries')
          .values({ id: 'prt_1', kind: 'protocol', current_version: 1, visibility: 'public', round_id: 'rnd_1', item_id: null, party_id: null, occurred_on: '2022-03-03', body: '{}', created_at: at, created_by: 'mem_1', updated_at: at })
          .execute();
        await ledger.insertInto('ledger_versions').values({ entry_id: 'prt_1', version: 1, body: '{}', visibility: 'public', reason: 'recorded', created_at: at, created_by: 'mem_1' }).execute();
        await ledger.insertInto('ledger_signatures').values({ id: 'sig_1', protocol_id: 'prt_1', version: 1, party_id: 'ua', member_id: 'mem_1', kid: 'k1', jws: 'jws', created_at: at }).execute();
        const tables = ['log_entries', 'log_nodes', 'log_heads', 'log_openings', 'ledger_versions', 'ledger_signatures'];
        const snapshot = async (): Promise<unknown[]> => Promise.all(tables.map(async (t) => (await sql`SELECT * FROM ${sql.raw(t)}`.execute(store.db)).rows));
        await migrate(store);
        // A new key is still an insert like any other.
        await store.db.insertInto('log_nodes').values({ id: 1, hash: 'cd'.repeat(32) }).execute();
        const before = await snapshot();
        if (engine === 'sqlite') {
          // The probe's rewrite: the row in the way deleted without its DELETE trigger, another inserted.
          const rewrites: [string, string][] = [
            ['log_entries', `INSERT OR REPLACE INTO log_entries (idx, time, actor, action, subject, entry) SELECT idx, time, actor, action, subject, replace(entry, 'corridor.rejected', 'corridor.accepted') FROM log_entries WHERE idx = 0`],
            ['log_nodes', "INSERT OR REPLACE INTO log_nodes (id, hash) VALUES (0, '00')"],
            ['log_heads', "REPLACE INTO log_heads (size, root, note, signed_at) VALUES (1, 'forged', 'forged', 'now')"],
            ['log_openings', "INSERT OR REPLACE INTO log_openings (idx, opening) VALUES (0, '{\"forged\":true}')"],
            ['ledger_versions', "INSERT OR REPLACE INTO ledger_versions (entry_id, version, body, visibility, reason, created_at, created_by) VALUES ('prt_1', 1, '{\"forged\":true}', 'public', 'x', 'now', 'mem_2')"],
            ['ledger_signatures', "INSERT OR REPLACE INTO ledger_signatures (id, protocol_id, version, party_id, member_id, kid, jws, created_at) VALUES ('sig_1', 'prt_1', 1, 'ua', 'mem_2', 'k1', 'forged', 'now')"],
            // Through the other unique key: a new id, the same protocol, version, party and key.
            ['ledger_signatures', "INSERT OR REPLACE INTO ledger_signatures (id, protocol_id, version, party_id, member_id, kid, jws, created_at) VALUES ('sig_2', 'prt_1', 1, 'ua', 'mem_2', 'k1', 'forged', 'now')"],
          ];
          for (const [table, statement] of rewrites) {
            await expect(sql.raw(statement).execute(store.db), statement).rejects.toThrow(`${table} is append-only: a row with this key exists, and an insert may not replace it`);
          }
          // OR IGNORE and ON CONFLICT are refused alike (Passage writes these tables with plain INSERTs).
          await expect(sql.raw("INSERT OR IGNORE INTO log_nodes (id, hash) VALUES (0, '00')").execute(store.db)).rejects.toThrow(/log_nodes is append-only/);
        } else {
          for (const table of tables) {
            await expect(sql`TRUNCATE ${sql.raw(table)}`.execute(store.db), table).rejects.toThrow(table === 'log_entries' ? 'log_entries is append-only' : `${table} is append-only: TRUNCATE refused`);
          }
        }
        expect(await snapshot()).toEqual(before);
      } finally {
        await drop();
      }
    });
    it('records why keys were revoked: those revoked before reasons existed read as retired, as nothing was voided then', async () => {
      const { store, drop } = await storeAt(engine);
      try {
        await migrateTo(store, '0014_guarantees_once_per_key');
        await store.db.insertInto('parties').values({ id: 'ua', kind: 'belligerent', name: 'Ukraine', short_name: 'UA', created_at: '2022-03-01T00:00:00.000Z' }).execute();
        const key = (kid: string, revoked: string | null) => ({ kid, party_id: 'ua', jwk: '{}', created_at: '2022-03-01T08:00:00.000Z', created_by: 'mem_1', revoked_at: revoked });
        await store.db.insertInto('party_keys').values([key('standing', null), key('revoked', '2022-03-08T08:30:00.000Z')]).execute();
        await migrate(store);
        const rows = await store.db.selectFrom('party_keys').select(['kid', 'revocation_reason', 'compromised_since', 'compromised_at']).orderBy('kid').execute();
        expect(rows).toEqual([
          { kid: 'revoked', revocation_reason: 'superseded', compromised_since: null, compromised_at: null },
          { kid: 'standing', revocation_reason: null, compromised_since: null, compromised_at: null },
        ]);
        // Only the two reasons the domain knows.
        await expect(store.db.updateTable('party_keys').set({ revocation_reason: 'lost' }).where('kid', '=', 'standing').execute()).rejects.toThrow();
      } finally {
        await drop();
      }
    });
  });
}
