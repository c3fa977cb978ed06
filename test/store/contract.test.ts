import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../src/app/audit.js';
import { databaseLogSource, serverVerifierKey } from '../../src/app/log.js';
import { isUniqueViolation, migrate } from '../../src/store/store.js';
import { api, ENGINES, freshStore, json, makeWorld, signBytes, sumyPoltava, reportSkippedEngine } from '../helpers.js';

/** What every store must do, run once per engine (STYLE.md: one contract, both dialects). */
for (const { engine, available, why } of ENGINES) {
  describe.skipIf(!available)(`${engine}: store contract`, () => {
    it('migrates a fresh store, and migrating again changes nothing', async () => {
      const store = await freshStore(engine);
      try {
        await migrate(store);
        const tables = await store.db.introspection.getTables();
        const names = tables.map((t) => t.name);
        for (const t of ['parties', 'corridors', 'corridor_versions', 'guarantees', 'log_entries', 'log_nodes', 'log_state', 'log_heads', 'events', 'sites']) expect(names).toContain(t);
      } finally {
        await store.close();
      }
    });

    // PostgreSQL only: SQLite has no schemas to introspect.
    if (engine === 'postgres')
      it('looks only at its own schema when it migrates, so a schema dropped elsewhere meanwhile cannot fail it', async () => {
      // Kysely's own introspector read every schema's tables (has_schema_privilege on each name),
      // and failed with "schema … does not exist" when another connection dropped one meanwhile.
      const store = await freshStore(engine);
      const other = `other_${process.pid}_${Date.now().toString(36)}`;
      try {
        await sql`CREATE SCHEMA ${sql.raw(other)}`.execute(store.db);
        await sql`CREATE TABLE ${sql.raw(other)}.parties (id text)`.execute(store.db);
        await sql`CREATE TABLE ${sql.raw(other)}.kysely_migration (name text)`.execute(store.db);
        const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
        expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([store.schema]));
        expect(tables.find((t) => t.name === 'parties')?.columns.map((c) => c.name)).toContain('kind');
        // Dropping schemas while migrations run (each run introspects) fails none of them.
        const churn = (async () => {
          for (let i = 0; i < 20; i++) {
            await sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(`${other}_${i}`)}`.execute(store.db);
            await sql`CREATE TABLE IF NOT EXISTS ${sql.raw(`${other}_${i}`)}.t (id serial)`.execute(store.db);
            await sql`DROP SCHEMA ${sql.raw(`${other}_${i}`)} CASCADE`.execute(store.db);
          }
        })();
        await Promise.all([churn, ...Array.from({ length: 20 }, () => migrate(store))]);
      } finally {
        await sql`DROP SCHEMA IF EXISTS ${sql.raw(other)} CASCADE`.execute(store.db);
        await store.close();
      }
    });

    it('reports unique violations the same way on both engines', async () => {
      const store = await freshStore(engine);
      try {
        await store.db.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
        let err: unknown;
        try {
          await store.db.insertInto('settings').values({ key: 'k', value: 'w' }).execute();
        } catch (e) {
          err = e;
        }
        expect(isUniqueViolation(err)).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('rolls back every write of a failed transaction', async () => {
      const store = await freshStore(engine);
      try {
        await expect(
          store.transaction(async (tx) => {
            await tx.insertInto('settings').values({ key: 'a', value: '1' }).execute();
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.db.selectFrom('settings').selectAll().where('key', '=', 'a').execute()).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('keeps the log dense and verifiable under concurrent writers', async () => {
      const w = await makeWorld(engine);
      try {
        const proposals = await Promise.all(Array.from({ length: 12 }, (_, i) => api(w.app, i % 2 ? w.ua.liaison.token : w.ru.liaison.token).post('/corridors', sumyPoltava({ title: `c${i}` }))));
        expect(proposals.map((r) => r.statusCode)).toEqual(new Array(12).fill(201));
        // Both parties sign one corridor at the same moment: exactly one transition to guaranteed.
        const id = json(proposals[0]!).id;
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${id}/terms`)).rawPayload;
        const [a, b] = await Promise.all([w.ua, w.ru].map(async (p) => api(w.app, p.liaison.token).post(`/corridors/${id}/guarantees`, { jws: await signBytes(bytes, p) })));
        expect([a!.statusCode, b!.statusCode]).toEqual([201, 201]);
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).state).toBe('guaranteed');
        const idx = (await w.store.db.selectFrom('log_entries').select('idx').orderBy('idx').execute()).map((r) => Number(r.idx));
        expect(idx).toEqual(idx.map((_, i) => i));
        const guaranteed = await w.store.db.selectFrom('log_entries').select('idx').where('action', '=', 'corridor.guaranteed').where('subject', '=', `corridor/${id}`).execute();
        expect(guaranteed).toHaveLength(1);
        // A member asks for the checkpoint: the server signs the whole log, which the audit then checks.
        expect((await api(w.app, w.ua.viewer.token).get('/log/checkpoint')).statusCode).toBe(200);
        const report = await auditLog(databaseLogSource(w.deps), { logKey: await serverVerifierKey(w.store.db) });
        expect(report.size).toBe(idx.length);
      } finally {
        await w.close();
      }
    });
  });
  if (!available) reportSkippedEngine('store contract', engine, why);
}
