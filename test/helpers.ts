import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { describe, it } from 'vitest';
import { sql } from 'kysely';
import { defaultDeps, inTransaction, type Deps } from '../src/app/deps.js';
import { initialise } from '../src/app/bootstrap.js';
import { createMember, createParty, issueToken, registerKey } from '../src/app/parties.js';
import type { Actor } from '../src/domain/authorization.js';
import type { PartyKind, Role } from '../src/schemas/common.js';
import { buildServer } from '../src/http/server.js';
import { openStore, type Engine, type Store } from '../src/store/store.js';

const PG_URL = process.env.PASSAGE_TEST_DATABASE_URL;

/** The engines the store contract runs on. PostgreSQL only when PASSAGE_TEST_DATABASE_URL is set. */
export const ENGINES: { engine: Engine; available: boolean; why?: string }[] = [
  { engine: 'sqlite', available: true },
  { engine: 'postgres', available: PG_URL !== undefined, why: 'PASSAGE_TEST_DATABASE_URL is not set' },
];

/**
 * Reports an engine's suites as skipped, with the reason, when that engine is not available
 * (issue 2: "reported as skipped with a message, never silently passed").
 */
export function reportSkippedEngine(name: string, engine: Engine, why: string | undefined): void {
  describe(`${engine}: ${name}`, () => {
    it.skipIf(true)(`skipped: ${why ?? 'engine not available'}`, () => {});
  });
}

let counter = 0;

/** A fresh, empty, migrated store: a temp SQLite file or a new PostgreSQL schema (on `pgUrl`, by default the test database). */
export async function freshStore(engine: Engine, pgUrl = PG_URL): Promise<Store> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'passage-test-'));
    return openStore(join(dir, 'passage.db'));
  }
  if (!pgUrl) throw new Error('PASSAGE_TEST_DATABASE_URL is not set');
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const store = await openStore(pgUrl, { schema });
  // Each run gets a fresh schema and leaves nothing behind.
  return {
    ...store,
    close: async () => {
      await sql`DROP SCHEMA IF EXISTS ${sql.raw(schema)} CASCADE`.execute(store.db);
      await store.close();
    },
  };
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms: number = Date.parse('2022-03-01T08:00:00Z')) {}
  now = (): number => this.ms;
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

export interface TestMember extends Actor {
  token: string;
  name: string;
}

export interface TestParty {
  id: string;
  kind: PartyKind;
  admin: TestMember;
  liaison: TestMember;
  operator: TestMember;
  viewer: TestMember;
  privateKey: CryptoKey;
  publicJwk: JWK;
  kid: string;
}

export interface World {
  store: Store;
  deps: Deps;
  clock: TestClock;
  app: FastifyInstance;
  mediator: TestParty;
  ua: TestParty;
  ru: TestParty;
  aid: TestParty;
  observer: TestParty;
  close(): Promise<void>;
}

async function addParty(deps: Deps, adminActor: Actor | null, id: string, kind: PartyKind, name: string, existing?: string): Promise<TestParty> {
  const partyId = existing ?? (await inTransaction(deps, (u) => createParty(u, adminActor, { id, kind, name }))).id;
  const members = {} as Record<Role, TestMember>;
  for (const role of ['admin', 'liaison', 'operator', 'viewer'] as const) {
    const m = await inTransaction(deps, (u) => createMember(u, null, partyId, { name: `${name} ${role}`, role }));
    const t = await inTransaction(deps, (u) => issueToken(u, null, m.id));
    members[role] = { memberId: m.id, partyId, partyKind: kind, role, token: t.token, name: m.name };
  }
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const key = await inTransaction(deps, (u) => registerKey(u, members.admin, partyId, { kty: 'OKP', crv: 'Ed25519', x: publicJwk.x ?? '' }));
  return { id: partyId, kind, admin: members.admin, liaison: members.liaison, operator: members.operator, viewer: members.viewer, privateKey, publicJwk, kid: key.kid };
}

export async function makeWorld(engine: Engine, opts: { pgUrl?: string } = {}): Promise<World> {
  const store = await freshStore(engine, opts.pgUrl);
  const clock = new TestClock();
  const deps = defaultDeps(store, clock.now);
  const init = await initialise(deps);
  const mediator = await addParty(deps, null, 'mediator', 'mediator', 'Neutral mediator', init.mediatorPartyId);
  const ua = await addParty(deps, mediator.admin, 'ua', 'belligerent', 'Ukraine');
  const ru = await addParty(deps, mediator.admin, 'ru', 'belligerent', 'Russian Federation');
  const aid = await addParty(deps, mediator.admin, 'aid', 'humanitarian', 'Aid operator');
  const observer = await addParty(deps, mediator.admin, 'obs', 'observer', 'Observer mission');
  const app = await buildServer(deps);
  await app.ready();
  return {
    store,
    deps,
    clock,
    app,
    mediator,
    ua,
    ru,
    aid,
    observer,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export function api(app: FastifyInstance, token: string | undefined) {
  const headers = (extra?: Record<string, string>): Record<string, string> => ({ ...(token ? { authorization: `Bearer ${token}` } : {}), ...(extra ?? {}) });
  return {
    get: (url: string, extra?: Record<string, string>): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url: `/api/v1${url}`, headers: headers(extra) }),
    post: (url: string, body?: unknown, extra?: Record<string, string>): Promise<LightMyRequestResponse> =>
      app.inject({ method: 'POST', url: `/api/v1${url}`, headers: headers({ 'content-type': 'application/json', ...(extra ?? {}) }), payload: body === undefined ? '{}' : JSON.stringify(body) }),
    raw: (method: 'POST' | 'GET', url: string, payload: string | Buffer, extra: Record<string, string>): Promise<LightMyRequestResponse> =>
      app.inject({ method, url: `/api/v1${url}`, headers: headers(extra), payload }),
  };
}

/** Sign bytes as a party would, with `passage sign`'s algorithm: compact JWS, EdDSA, kid, payload embedded. */
export async function signBytes(bytes: Uint8Array, party: Pick<TestParty, 'privateKey' | 'kid'>, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid: party.kid, ...header }).sign(party.privateKey);
}

/** Sumy → Poltava, 8 March 2022, 09:00–21:00 Kyiv time, both belligerents as guarantors. */
export function sumyPoltava(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Sumy → Poltava',
    route: { type: 'LineString', coordinates: [[34.798, 50.908], [33.265, 50.36], [32.997, 50.019], [34.551, 49.588]] },
    widthM: 2000,
    origin: { name: 'Sumy', coordinates: [34.798, 50.908] },
    destination: { name: 'Poltava', coordinates: [34.551, 49.588] },
    checkpoints: [{ name: 'Lokhvytsia', coordinates: [33.265, 50.36] }],
    direction: 'outbound',
    purposes: ['evacuation'],
    eligibility: ['civilians', 'foreign_nationals'],
    windows: [{ start: '2022-03-08T09:00:00+02:00', end: '2022-03-08T21:00:00+02:00', timeZone: 'Europe/Kyiv' }],
    requiredGuarantors: ['ua', 'ru'],
    ...overrides,
  };
}

export function json<T = any>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** Proposes Sumy → Poltava (with `overrides`) as Ukraine and has both belligerents sign it; its id. */
export async function guaranteedCorridor(w: World, overrides: Record<string, unknown> = {}): Promise<string> {
  const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava(overrides)));
  const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
  for (const p of [w.ua, w.ru]) {
    const res = await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
    if (res.statusCode !== 201) throw new Error(`guarantee by ${p.id} refused: ${res.body}`);
  }
  return c.id as string;
}
