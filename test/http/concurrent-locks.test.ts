import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../src/app/events.js';
import { storeUnavailable } from '../../src/store/unavailable.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld, reportSkippedEngine } from '../helpers.js';

/**
 * Use cases that change several corridors at once — a key declared compromised voids the
 * guarantees it signed; a confirmed incident suspends every corridor whose zone it hit — racing
 * the mediator suspending and resuming those same corridors. On PostgreSQL each of these took
 * the log's state row and then the next corridor, while each suspension took its corridor and
 * then the log's row: PostgreSQL broke the deadlocks by failing requests with 500, the
 * compromise voiding among them. One lock order now (corridors by id, then the log).
 */
for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: several corridors changed at once beside single changes`, () => {
    const statuses = (results: { statusCode: number }[]) => results.map((r) => r.statusCode);

    it('a key declared compromised voids its guarantees while the mediator suspends and resumes the same corridors: no request fails', async () => {
      const w = await makeWorld(engine);
      try {
        const ids: string[] = [];
        for (let k = 0; k < 8; k++) ids.push(await guaranteedCorridor(w, { title: `Corridor ${k}` }));
        w.clock.set('2022-03-08T10:30:00Z');
        const mediator = api(w.app, w.mediator.liaison.token);
        for (let round = 0; round < 3; round++) {
          const toggles = ids.flatMap((id, k) => [mediator.post(`/corridors/${id}/suspend`, { reason: `round ${round} ${k}` }), mediator.post(`/corridors/${id}/resume`, { reason: `round ${round} ${k}` })]);
          const [revoke, ...rest] = await Promise.all([
            round === 0 ? api(w.app, w.ru.liaison.token).post(`/parties/ru/keys/${w.ru.kid}/revoke`, { reason: 'compromised' }) : mediator.post(`/corridors/${ids[0]}/suspend`, { reason: 'extra' }),
            ...toggles,
          ]);
          // Each suspension or resumption either applies or is refused as a conflict (409) by
          // the state it finds; none is a 500.
          for (const s of statuses(rest)) expect([200, 409]).toContain(s);
          if (round === 0) {
            expect(revoke!.statusCode, revoke!.body).toBe(200);
            expect([...json(revoke!).voidedCorridorIds].sort()).toEqual([...ids].sort());
          } else expect([200, 409]).toContain(revoke!.statusCode);
        }
        // Every corridor lost Russia's guarantee: back to negotiation, whatever the toggles did.
        for (const id of ids) expect(json(await mediator.get(`/corridors/${id}`)).state).toBe('proposed');
      } finally {
        await w.close();
      }
    }, 60_000);

    it('a confirmed incident suspends every corridor it hit while the mediator toggles them in the other order: no request fails', async () => {
      const w = await makeWorld(engine);
      try {
        const mediator = api(w.app, w.mediator.liaison.token);
        for (let round = 0; round < 3; round++) {
          // Fresh corridors each round: the last round's are suspended, and an incident hits only
          // corridors whose ceasefire held.
          const ids: string[] = [];
          for (let k = 0; k < 4; k++) ids.push(await guaranteedCorridor(w, { title: `Corridor ${round}.${k}` }));
          w.clock.set(`2022-03-08T10:3${round}:00Z`);
          const report = await api(w.app, w.aid.operator.token).post('/incidents', { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: `2022-03-08T10:2${round}:00Z`, description: `Shelling ${round}` });
          expect(report.statusCode, report.body).toBe(201);
          expect(json(report).corridorIds, report.body).toEqual(expect.arrayContaining(ids));
          const reversed = [...ids].reverse();
          const [confirm, ...rest] = await Promise.all([
            mediator.post(`/incidents/${json(report).id}/confirm`, { reason: 'seen by observers' }),
            ...reversed.flatMap((id) => [mediator.post(`/corridors/${id}/resume`, { reason: `calm ${round}` }), mediator.post(`/corridors/${id}/suspend`, { reason: `manual ${round}` })]),
          ]);
          expect(confirm!.statusCode, confirm!.body).toBe(200);
          for (const s of statuses(rest)) expect([200, 409]).toContain(s);
        }
      } finally {
        await w.close();
      }
    }, 60_000);

    it('parallel retries with one Idempotency-Key all get the stored answer: one state change, one log entry, one event', async () => {
      // On PostgreSQL (READ COMMITTED) the losers found no record, waited on the corridor's row
      // and were refused by the state the winner left (409) before their insert met the unique index.
      const w = await makeWorld(engine);
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:30:00Z');
        const mediator = api(w.app, w.mediator.liaison.token);
        expect((await mediator.post(`/corridors/${id}/suspend`, { reason: 'shelling reported' })).statusCode).toBe(200);
        const logBefore = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const results = await Promise.all(Array.from({ length: 15 }, () => mediator.post(`/corridors/${id}/resume`, { reason: 'calm restored' }, { 'idempotency-key': 'resume-once' })));
        expect(statuses(results), results.map((r) => r.body).join('\n')).toEqual(results.map(() => 200));
        expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(14);
        for (const r of results) expect(json(r)).toEqual(json(results[0]!));
        const logAfter = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        expect(Number(logAfter.n) - Number(logBefore.n)).toBe(1);
        expect((await readEvents(w.store.db, 0)).filter((e) => e.type === 'corridor.resumed')).toHaveLength(1);
        expect(json(await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).state).toBe('guaranteed');
      } finally {
        await w.close();
      }
    });
  });
}

const PG_URL = process.env.PASSAGE_TEST_DATABASE_URL;

describe.skipIf(PG_URL === undefined)('postgres: a connection ended while a request uses it', () => {
  it('fails that request as the database being unavailable, and the process carries on', async () => {
    const w = await makeWorld('postgres');
    const killer = new pg.Client({ connectionString: PG_URL });
    await killer.connect();
    try {
      let pid = 0;
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const work = w.store.transaction(async (tx) => {
        pid = Number((await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx)).rows[0]?.pid);
        started();
        await sql`SELECT pg_sleep(10)`.execute(tx);
      });
      await running;
      // As an administrator, a failover or an idle-in-transaction timeout would end it. Unheard,
      // the client's 'error' event ended the whole process (vitest reports it as an uncaught error).
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      const failure = await work.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeDefined();
      expect(storeUnavailable(failure)?.retryAfter).toBe(5);
      // The pool replaced the broken connection: the next request is served.
      expect((await w.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      expect((await api(w.app, w.ua.viewer.token).get('/corridors')).statusCode).toBe(200);
    } finally {
      await killer.end();
      await w.close();
    }
  }, 30_000);
});
if (PG_URL === undefined) reportSkippedEngine('a connection ended while a request uses it', 'postgres', 'PASSAGE_TEST_DATABASE_URL is not set');
