import { createServer, connect, type Server, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOsmandListener } from '../../src/http/osmand.js';
import { storeUnavailable, warnAtMostEvery } from '../../src/store/unavailable.js';
import { api, json, makeWorld, reportSkippedEngine, sumyPoltava, type World } from '../helpers.js';

/**
 * The database out of reach is not a fault in Passage: every request answers 503 with
 * Retry-After (problem details on the API, an empty 503 to a phone on the OsmAnd listener), the
 * process survives the loss of its idle connections, and it serves again once the database is
 * back — without a restart.
 */
describe('which store failures are the database being unavailable', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it('reads PostgreSQL, socket and SQLite codes, and pg’s words for a lost connection', () => {
    expect(storeUnavailable(err('ECONNREFUSED'))?.retryAfter).toBe(5);
    expect(storeUnavailable(err('08006'))?.why).toBe('the database cannot be reached');
    expect(storeUnavailable(err('57P01'))?.why).toBe('the database cannot be reached');
    expect(storeUnavailable(new Error('Connection terminated unexpectedly'))?.why).toBe('the database cannot be reached');
    expect(storeUnavailable(err('53300'))?.why).toBe('the database has no connection free');
    // A deadlock PostgreSQL broke, or a serialization failure: nothing was written; send it again.
    expect(storeUnavailable(err('40P01'))?.retryAfter).toBe(1);
    expect(storeUnavailable(err('40001'))?.why).toMatch(/nothing was written/);
    expect(storeUnavailable(err('SQLITE_BUSY'))).toEqual({ why: 'the database is busy with another writer', retryAfter: 1 });
    expect(storeUnavailable(err('SQLITE_FULL'))?.why).toBe('the database’s disk is full');
  });
  it('finds one wrapped as a cause or in an AggregateError (pg reports each address it tried)', () => {
    expect(storeUnavailable(new Error('outer', { cause: err('ECONNRESET') }))?.retryAfter).toBe(5);
    expect(storeUnavailable(new AggregateError([new Error('a'), err('ECONNREFUSED')]))?.retryAfter).toBe(5);
  });
  it('leaves every other failure a fault (500): a constraint, a syntax error, a bug', () => {
    expect(storeUnavailable(err('23505'))).toBeNull(); // unique violation
    expect(storeUnavailable(err('42601'))).toBeNull(); // syntax error
    expect(storeUnavailable(err('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(storeUnavailable(new TypeError('x is undefined'))).toBeNull();
    expect(storeUnavailable('ECONNREFUSED')).toBeNull();
    const loop: { cause?: unknown } = new Error('loop');
    loop.cause = loop;
    expect(storeUnavailable(loop)).toBeNull();
  });
});

describe('warnings while the database is away', () => {
  it('are written at most once per interval, however many failures come', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.parse('2026-11-27T12:00:00Z'));
      const lines: string[] = [];
      const warn = warnAtMostEvery(10_000, (l) => lines.push(l));
      for (let i = 0; i < 1000; i++) warn(`failure ${i}`);
      vi.setSystemTime(Date.parse('2026-11-27T12:00:09.999Z'));
      warn('still within');
      vi.setSystemTime(Date.parse('2026-11-27T12:00:10Z'));
      warn('next interval');
      expect(lines).toEqual(['failure 0', 'next interval']);
    } finally {
      vi.useRealTimers();
    }
  });
});

function expect503(res: { statusCode: number; headers: Record<string, unknown>; body: string }, retryAfter: string, why: RegExp): void {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['retry-after']).toBe(retryAfter);
  const p = JSON.parse(res.body);
  expect(p.code).toBe('service_unavailable');
  expect(p.detail).toMatch(why);
}

/** A TCP relay to PostgreSQL that the test can cut (every connection reset, the port closed) and restore. */
async function relay(target: URL): Promise<{ url: string; cut: () => Promise<void>; restore: () => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const up = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, up]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(up).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  await listen();
  const url = new URL(target.href);
  url.host = `127.0.0.1:${port}`;
  return { url: url.href, cut, restore: listen, close: cut };
}

const PG_URL = process.env.PASSAGE_TEST_DATABASE_URL;

describe.skipIf(PG_URL === undefined)('postgres: the database goes away and comes back', () => {
  let w: World;
  let r: Awaited<ReturnType<typeof relay>>;
  let osmand: Awaited<ReturnType<typeof startOsmandListener>>;
  beforeAll(async () => {
    r = await relay(new URL(PG_URL as string));
    w = await makeWorld('postgres', { pgUrl: r.url });
    osmand = await startOsmandListener(w.deps, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await osmand?.close();
    await w?.close();
    await r?.close();
  });

  it('serves while it is there', async () => {
    expect((await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava())).statusCode).toBe(201);
    expect((await w.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers 503 with Retry-After while it is gone, reads and writes alike, and survives its idle connections being cut', async () => {
    await r.cut();
    // The pool's idle connections were reset: unheard, that 'error' would have ended the process.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect503(await w.app.inject({ method: 'GET', url: '/readyz' }), '5', /the database cannot be reached/);
    expect503(await api(w.app, w.ua.viewer.token).get('/corridors'), '5', /the database cannot be reached: send the request again in 5 s/);
    expect503(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()), '5', /Idempotency-Key/);
    const phone = await fetch(`${osmand?.address}/?id=bus-1&lat=50.9&lon=34.8&timestamp=1646726400`);
    expect(phone.status).toBe(503);
    expect(phone.headers.get('retry-after')).toBe('5');
  });

  it('serves again once it is back, without a restart', async () => {
    await r.restore();
    expect((await w.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const list = await api(w.app, w.ua.viewer.token).get('/corridors');
    expect(list.statusCode).toBe(200);
    expect(json(list)).toHaveLength(1);
    expect((await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava())).statusCode).toBe(201);
  });
});
if (PG_URL === undefined) reportSkippedEngine('the database goes away and comes back', 'postgres', 'PASSAGE_TEST_DATABASE_URL is not set');

describe('sqlite: another process holds the write lock past the busy timeout', () => {
  let w: World;
  let other: Database.Database;
  beforeAll(async () => {
    w = await makeWorld('sqlite');
    // The store waits 5 s for the lock; the test, 50 ms.
    await sql`PRAGMA busy_timeout = 50`.execute(w.store.db);
    other = new Database(w.store.location);
  });
  afterAll(async () => {
    other?.close();
    await w?.close();
  });

  it('refuses the write with 503 and Retry-After: 1, still serves reads, and writes once the lock is released', async () => {
    other.exec('BEGIN IMMEDIATE');
    expect503(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()), '1', /the database is busy with another writer/);
    expect((await api(w.app, w.ua.viewer.token).get('/corridors')).statusCode).toBe(200);
    other.exec('ROLLBACK');
    expect((await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava())).statusCode).toBe(201);
  });
});
