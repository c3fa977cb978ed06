import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { initialise, getSetting } from '../app/bootstrap.js';
import { defaultDeps, type Deps } from '../app/deps.js';
import { loadDemo, type DemoResult } from '../demo/scenario.js';
import { CreatePartyBody } from '../schemas/party.js';
import { startScheduler } from '../app/scheduler.js';
import { startOsmandListener } from '../http/osmand.js';
import { buildServer } from '../http/server.js';
import { isPostgresUrl, migrationState, openStore, type Store } from '../store/store.js';
import { ApiClient } from './client.js';
import { ensureDir, readSmallFile } from './files.js';
import { CliError } from './errors.js';
import { dataDir, parseAtOption, requireText, REVOKE_REASON_HELP, type Print } from './options.js';

/** Creates the directory a SQLite database will live in (see `ensureDir` for why not openStore's own mkdir). */
function ensureDbDir(db: string): void {
  if (!isPostgresUrl(db) && db !== ':memory:') ensureDir(dirname(resolve(db)), 'the database directory');
}

/**
 * Runs `fn` on the store at `db`, closed afterwards. With `existing`, for reading someone's log
 * (`verify --db`, `log key`): the database must already exist and be Passage's, at this version's
 * schema, and it is opened as it is — nothing created at a mistyped path, no migrations, nothing
 * changed in a file that is not Passage's.
 */
export async function withStore<T>(db: string, fn: (store: Store, deps: Deps) => Promise<T>, opts: { existing?: boolean } = {}): Promise<T> {
  if (opts.existing && !isPostgresUrl(db) && !existsSync(db)) throw new CliError(`no database at ${db}`, 1);
  if (!opts.existing) ensureDbDir(db);
  let store: Store;
  try {
    store = await openStore(db, opts.existing ? { existing: true } : {});
  } catch (e) {
    throw new CliError(`cannot open the database at ${db}: ${(e as Error).message}`, 1);
  }
  try {
    if (opts.existing) await assertCurrentPassageSchema(store, db);
    return await fn(store, defaultDeps(store));
  } finally {
    await store.close();
  }
}

async function assertCurrentPassageSchema(store: Store, db: string): Promise<void> {
  let state;
  try {
    state = await migrationState(store);
  } catch (e) {
    throw new CliError(`cannot read the database at ${db}: ${(e as Error).message}`, 1);
  }
  if (state.applied.length === 0) throw new CliError(`${db} is not a Passage database (it has none of Passage's tables)`, 1);
  if (state.pending.length > 0) {
    throw new CliError(`the database at ${db} was last used by an older Passage (not yet applied: ${state.pending.join(', ')}); \`passage serve\` migrates it when it starts, or verify a migrated copy`, 1);
  }
}

export async function cmdInit(db: string, opts: { mediatorName?: string }, print: Print): Promise<void> {
  let mediatorName: string | undefined;
  if (opts.mediatorName !== undefined) {
    mediatorName = requireText(opts.mediatorName, '--mediator-name');
    // The same rule as a party's name over the API.
    if (!CreatePartyBody.shape.name.safeParse(mediatorName).success) throw new CliError('--mediator-name must be at most 200 characters', 2);
  }
  await withStore(db, async (store, deps) => {
    const r = await initialise(deps, mediatorName !== undefined ? { mediatorName } : {});
    if (!r.created) {
      print(`Already initialised: ${store.location} (mediator party "${r.mediatorPartyId}"). Nothing changed.`);
      return;
    }
    print(`Initialised ${store.location}`);
    print(`Mediator party: ${r.mediatorPartyId}`);
    print(`Admin token (shown once, keep it secret): ${r.adminToken}`);
    print(`Log verifier key (publish it out of band; parties pin it for \`passage verify --log-key\`): ${r.logKey}`);
    print(`Log origin: ${r.logOrigin}`);
  });
}

function demoSummaryPath(db: string): string {
  return join(dataDir(db), 'demo.json');
}

export async function cmdDemo(db: string, opts: { now?: boolean; json?: boolean; keysDir?: string }, print: Print): Promise<DemoResult> {
  if (opts.keysDir !== undefined) requireText(opts.keysDir, '--keys-dir');
  const keysDir = opts.keysDir ?? join(dataDir(db), 'keys');
  // Before the database is touched, so a bad directory leaves nothing half done.
  ensureDbDir(db);
  ensureDir(keysDir, 'the keys directory', 0o700);
  ensureDir(dataDir(db), 'the data directory');
  return withStore(db, async (_store, deps) => {
    await initialise(deps);
    if ((await getSetting(deps, 'demo_loaded')) !== undefined) {
      throw new CliError(`the demo is already loaded in ${db}; use a new database (e.g. --db ./data/demo2.db) or remove it`, 5);
    }
    const result = await loadDemo(deps, { keysDir, ...(opts.now ? { now: deps.now() } : {}) });
    // The demo's tokens are saved beside the database, for `npm start` to show again; demo only.
    writeFileSync(demoSummaryPath(db), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
    if (opts.json) print(JSON.stringify(result, null, 2));
    else printDemo(result, print);
    return result;
  });
}

export function printDemo(result: DemoResult, print: Print): void {
  print(result.notice);
  print('Demo API tokens (Authorization: Bearer <token>):');
  for (const m of result.members) print(`  ${m.key.padEnd(18)} ${m.role.padEnd(8)} ${m.token}`);
  print('Demo parties’ private keys (they would never leave each party’s own machine):');
  for (const [party, f] of Object.entries(result.keyFiles)) print(`  ${party.padEnd(18)} ${f.private}`);
  print(`Log verifier key (pin it: passage verify --log-key …): ${result.logKey}`);
  print('Demo corridors:');
  for (const [k, id] of Object.entries(result.corridors)) print(`  ${k.padEnd(24)} ${id}`);
}

/**
 * Refuses at once when a port is taken, before a new database is made and the demo loaded, and
 * their tokens printed, for nothing (`listen` below still reports what happens in between).
 */
async function assertCanListen(host: string, port: number, what: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot listen ${what} on ${host}:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (another passage serve?); choose another with --port / PORT or --osmand-port / OSMAND_PORT' : e.message}`, 1)),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function cmdServe(db: string, opts: { host: string; port: number; osmandPort?: number; demo?: boolean; logger?: boolean }, print: Print): Promise<{ close: () => Promise<void>; url: string }> {
  await assertCanListen(opts.host, opts.port, 'for the API');
  await assertCanListen(opts.host, opts.osmandPort ?? 5055, 'for OsmAnd trackers');
  ensureDbDir(db);
  if (opts.demo) ensureDir(join(dataDir(db), 'keys'), 'the keys directory', 0o700);
  let store: Store;
  try {
    store = await openStore(db);
  } catch (e) {
    throw new CliError(`cannot open the database at ${db}: ${(e as Error).message}`, 1);
  }
  const deps = defaultDeps(store);
  const init = await initialise(deps);
  if (init.created) {
    print(`Initialised a new database at ${store.location}`);
    print(`Admin token (shown once, keep it secret): ${init.adminToken}`);
    // With the demo, its summary below prints the key once.
    if (!opts.demo) print(`Log verifier key (publish it out of band; parties pin it for \`passage verify --log-key\`): ${init.logKey}`);
  }
  if (opts.demo) {
    if ((await getSetting(deps, 'demo_loaded')) === undefined) {
      const result = await loadDemo(deps, { keysDir: join(dataDir(db), 'keys'), now: deps.now() });
      writeFileSync(demoSummaryPath(db), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
      printDemo(result, print);
    } else if (existsSync(demoSummaryPath(db))) {
      print(`The demo was loaded earlier (its window times are from then; delete ${dataDir(db)} for a fresh one).`);
      printDemo(JSON.parse(readFileSync(demoSummaryPath(db), 'utf8')) as DemoResult, print);
    }
  }
  const app = await buildServer(deps, { logger: opts.logger ?? false });
  let address: string;
  try {
    address = await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close();
    await store.close();
    throw new CliError(`cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}`, 1);
  }
  const url = address.replace('://[::1]', '://localhost');
  let osmand: Awaited<ReturnType<typeof startOsmandListener>>;
  try {
    osmand = await startOsmandListener(deps, { host: opts.host, port: opts.osmandPort ?? 5055 });
  } catch (e) {
    await app.close();
    await store.close();
    throw new CliError(`cannot listen for OsmAnd trackers on ${opts.host}:${opts.osmandPort ?? 5055}: ${(e as Error).message}`, 1);
  }
  const stopScheduler = startScheduler(deps);
  print(`Passage is running at ${url}  (API ${url}/api/v1, docs ${url}/api/docs)`);
  if (osmand) print(`Tracker (OsmAnd / Traccar Client) listener at ${osmand.address}`);
  return {
    url,
    close: async () => {
      await stopScheduler();
      await osmand?.close();
      await app.close();
      await store.close();
    },
  };
}

export async function cmdKeysGenerate(opts: { out: string; name: string; force?: boolean }, print: Print): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.name)) throw new CliError('--name may only use letters, digits, dot, dash and underscore', 2);
  const privPath = resolve(join(opts.out, `${opts.name}.private.jwk`));
  const pubPath = resolve(join(opts.out, `${opts.name}.public.jwk`));
  if (!opts.force && (existsSync(privPath) || existsSync(pubPath))) throw new CliError(`${privPath} exists; refusing to overwrite a key (use --force)`, 5);
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  ensureDir(opts.out, 'the key directory', 0o700);
  writeFileSync(privPath, `${JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' }, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(pubPath, `${JSON.stringify({ ...pub, kid, alg: 'EdDSA', use: 'sig' }, null, 2)}\n`);
  print(`Private key: ${privPath} (mode 0600; it never leaves this machine)`);
  print(`Public key:  ${pubPath}`);
  print(`Key id (RFC 7638 thumbprint): ${kid}`);
}

function readJwk(path: string): JWK {
  const text = readSmallFile(path, 'key file');
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new CliError(`${path} is not a JSON Web Key`, 2);
  }
}

export async function cmdKeysRegister(client: ApiClient, opts: { party: string; key: string }, print: Print): Promise<void> {
  const jwk = readJwk(opts.key);
  if (jwk.d !== undefined) throw new CliError(`${opts.key} is a PRIVATE key: register the .public.jwk file; the private key must stay with you`, 2);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new CliError(`${opts.key} is not an Ed25519 public JWK`, 2);
  const view = await client.post<{ kid: string; partyId: string }>(`/parties/${encodeURIComponent(opts.party)}/keys`, { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } });
  print(`Registered key ${view.kid} for party ${view.partyId}`);
}

export async function cmdKeysRevoke(client: ApiClient, kid: string, opts: { party: string; reason: string; since?: string }, print: Print): Promise<void> {
  if (opts.reason !== 'superseded' && opts.reason !== 'compromised') throw new CliError(`--reason must be superseded or compromised (${REVOKE_REASON_HELP})`, 2);
  if (opts.since !== undefined && opts.reason !== 'compromised') throw new CliError('--since goes only with --reason compromised: a superseded key was never compromised', 2);
  const since = opts.since === undefined ? undefined : parseAtOption(opts.since, '--since');
  const view = await client.post<{ kid: string; partyId: string; revokedAt: string; revocationReason: string; compromisedSince: string | null; voidedCorridorIds: string[] }>(
    `/parties/${encodeURIComponent(opts.party)}/keys/${encodeURIComponent(kid)}/revoke`,
    { reason: opts.reason, ...(since !== undefined ? { since } : {}) },
  );
  if (view.revocationReason === 'superseded') {
    print(`Retired key ${view.kid} of party ${view.partyId} (superseded) at ${view.revokedAt}: it signs nothing more; the guarantees it made still bind.`);
    return;
  }
  print(`Revoked key ${view.kid} of party ${view.partyId} as compromised since ${view.compromisedSince ?? '?'}: guarantees it made from then on no longer bind.`);
  if (view.voidedCorridorIds.length === 0) print('No corridor in play lost a guarantee now.');
  else print(`Corridors back to proposed until ${view.partyId} signs again with a key that stands: ${view.voidedCorridorIds.join(', ')}`);
}

export async function cmdSign(client: ApiClient, corridorId: string, opts: { key: string }, print: Print): Promise<void> {
  const jwk = readJwk(opts.key);
  if (jwk.d === undefined) throw new CliError(`${opts.key} has no private key ("d"): sign with your .private.jwk`, 2);
  const { d: _d, ...pub } = jwk;
  const kid = await calculateJwkThumbprint({ kty: pub.kty, crv: pub.crv, x: pub.x } as JWK, 'sha256');
  let key;
  try {
    key = await importJWK(jwk, 'EdDSA');
  } catch (e) {
    throw new CliError(`${opts.key} is not a usable Ed25519 private key: ${(e as Error).message}`, 2);
  }
  const id = encodeURIComponent(corridorId);
  const bytes = await client.getBytes(`/corridors/${id}/terms`);
  const terms = JSON.parse(new TextDecoder().decode(bytes)) as { version: number; title: string };
  const jws = await new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid }).sign(key);
  const view = await client.post<{ state: string; version: number }>(`/corridors/${id}/guarantees`, { jws });
  print(`Signed version ${terms.version} of "${terms.title}" with key ${kid}; the corridor is now ${view.state}.`);
}

export async function cmdStatus(client: ApiClient, corridorId: string, opts: { at?: string; json?: boolean }, print: Print): Promise<void> {
  const at = parseAtOption(opts.at);
  const s = await client.get<{ open: boolean; state: string; at: string; currentWindow: { startLocal: string; endLocal: string; timeZone: string; end: string } | null; nextWindow: { startLocal: string; timeZone: string; start: string } | null; reasons: { message: string }[] }>(
    `/corridors/${encodeURIComponent(corridorId)}/status${at ? `?at=${encodeURIComponent(at)}` : ''}`,
  );
  if (opts.json) {
    print(JSON.stringify(s, null, 2));
    return;
  }
  if (s.open && s.currentWindow) print(`OPEN at ${s.at} until ${s.currentWindow.endLocal} (${s.currentWindow.timeZone}; ${s.currentWindow.end})`);
  else print(`NOT OPEN at ${s.at} (${s.state}): ${s.reasons.map((r) => r.message).join('; ')}`);
  if (s.nextWindow) print(`Next window: ${s.nextWindow.startLocal} (${s.nextWindow.timeZone}; ${s.nextWindow.start})`);
}

interface CorridorLite {
  id: string;
  title: string;
  state: string;
  version: number;
  terms: { requiredGuarantors: string[] };
  guarantees: {
    partyId: string;
    version: number;
    kid: string;
    valid: boolean;
    keyRevokedAt: string | null;
    keyRevocationReason?: 'superseded' | 'compromised' | null;
    keyCompromisedSince?: string | null;
    createdAt: string;
  }[];
}

/** What became of the key a guarantee was made with, as a neutral note ('' while it stands). */
function keyNote(g: CorridorLite['guarantees'][number]): string {
  if (g.keyRevokedAt === null) return '';
  if (g.keyRevocationReason === 'superseded') return `; key since retired (superseded) ${g.keyRevokedAt}`;
  return `; key revoked ${g.keyRevokedAt} as compromised since ${g.keyCompromisedSince ?? '?'}`;
}

/**
 * A corridor and where each required party's guarantee stands: which key made it and whether it
 * binds — void once the terms were amended, or when made with a key compromised at the time (then
 * the party must sign again). A key retired routinely (superseded) is noted, not warned about: its
 * guarantees bind. The same rule as the API's `valid` and `passage verify`'s report.
 */
export function corridorLines(c: CorridorLite): string[] {
  const out = [`${c.id}  v${c.version}  ${c.state}  ${c.title}`, 'Guarantees:'];
  for (const party of c.terms.requiredGuarantors) {
    const mine = c.guarantees.filter((g) => g.partyId === party);
    const binding = mine.find((g) => g.valid && g.version === c.version);
    if (!binding && !mine.some((g) => g.version === c.version)) out.push(`  ${party}  has not signed version ${c.version}`);
    for (const g of mine) {
      const what = `version ${g.version}, signed ${g.createdAt} with key ${g.kid}`;
      if (g === binding) out.push(`  ${party}  binds: ${what}${keyNote(g)}`);
      else if (g.version !== c.version) out.push(`  ${party}  void (the terms were amended since): ${what}${keyNote(g)}`);
      else {
        out.push(
          `  ${party}  VOID, KEY COMPROMISED since ${g.keyCompromisedSince ?? '?'} (revoked ${g.keyRevokedAt ?? '?'}): ${what}${binding ? '' : `; ${party} must sign version ${c.version} again with a key that stands`}`,
        );
      }
    }
  }
  return out;
}

export async function cmdCorridorShow(client: ApiClient, corridorId: string, opts: { json?: boolean }, print: Print): Promise<void> {
  const c = await client.get<CorridorLite>(`/corridors/${encodeURIComponent(corridorId)}`);
  if (opts.json) {
    print(JSON.stringify(c, null, 2));
    return;
  }
  for (const line of corridorLines(c)) print(line);
}

export async function cmdCorridorsList(client: ApiClient, opts: { state?: string; json?: boolean }, print: Print): Promise<void> {
  const list = await client.get<{ id: string; title: string; state: string; version: number }[]>(`/corridors${opts.state ? `?state=${encodeURIComponent(opts.state)}` : ''}`);
  if (opts.json) {
    print(JSON.stringify(list, null, 2));
    return;
  }
  if (list.length === 0) print('No corridors.');
  for (const c of list) print(`${c.id}  v${c.version}  ${c.state.padEnd(10)}  ${c.title}`);
}
