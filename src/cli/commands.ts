import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { initialise, getSetting } from '../app/bootstrap.js';
import { defaultDeps, type Deps } from '../app/deps.js';
import { loadDemo, type DemoResult } from '../demo/scenario.js';
import { CreatePartyBody } from '../schemas/party.js';
import { startScheduler } from '../app/scheduler.js';
import { startOsmandListener } from '../http/osmand.js';
import { buildServer } from '../http/server.js';
import { isPostgresUrl, migrationState, openStore, type Store } from '../store/store.js';
import { ensureDir } from './files.js';
import { CliError } from './errors.js';
import { dataDir, requireText, type Print } from './options.js';

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
