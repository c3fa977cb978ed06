import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { initialise, getSetting } from '../app/bootstrap.js';
import { defaultDeps, type Deps } from '../app/deps.js';
import type { DemoResult } from '../demo/scenario.js';
import { CreatePartyBody } from '../schemas/party.js';
import { sql } from 'kysely';
import { isPostgresUrl, migrationState, openStore, redactedLocation, type Store } from '../store/store.js';
import { assertDemoFilesFree, demoDatabase, demoKeysDir, readDemoSummary, type DemoSummary } from './demo-files.js';
import { ensureDir } from './files.js';
import { CliError } from './errors.js';
import { dataDir, demoSummaryPath, requireText, type Print } from './options.js';

// The server and the demo are most of what a command loads: imported by the commands that run
// them, so that `verify --db`, `init` and the log commands start without them (the CLI starts
// hundreds of times in a test run, and scripts run it in loops).
const demoScenario = (): Promise<typeof import('../demo/scenario.js')> => import('../demo/scenario.js');

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
  if (opts.existing && !isPostgresUrl(db) && !existsSync(db)) throw new CliError(`no database at ${db}`, 2);
  // Passage's schema goes only into a database that is Passage's or has nothing in it yet.
  if (!opts.existing) await inspectDatabase(db);
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
  if (state.applied.length === 0) throw new CliError(`${db} is not a Passage database (it has none of Passage's tables)`, 2);
  if (state.pending.length > 0) {
    throw new CliError(`the database at ${db} was last used by an older Passage (not yet applied: ${state.pending.join(', ')}); \`passage serve\` migrates it when it starts, or verify a migrated copy`, 1);
  }
}


/**
 * What is at `db`, read without changing anything (no file, schema or table created, no journal
 * mode set): nothing yet (a SQLite path with no file), an empty database, Passage's (it has had
 * Passage's migrations), or another application's — refused here (exit 2): Passage must not
 * write its forty-odd tables into a database that holds something else.
 */
export async function inspectDatabase(db: string): Promise<'missing' | 'empty' | 'passage'> {
  if (db === ':memory:') return 'empty';
  const where = redactedLocation(db);
  if (!isPostgresUrl(db) && !existsSync(db)) return 'missing';
  let store: Store;
  try {
    store = await openStore(db, { existing: true });
  } catch (e) {
    throw new CliError(`cannot open the database at ${where}: ${(e as Error).message}`, 1);
  }
  try {
    let tables: string[];
    let applied: string[];
    try {
      applied = (await migrationState(store)).applied;
      tables =
        store.engine === 'sqlite'
          ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'`.execute(store.db)).rows.map((r) => r.name)
          : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ${store.schema ?? sql`current_schema()`}`.execute(store.db)).rows.map((r) => r.name);
    } catch (e) {
      const notADatabase = (e as { code?: string }).code === 'SQLITE_NOTADB';
      throw new CliError(`cannot read the database at ${where}: ${(e as Error).message}${notADatabase ? ' (give a Passage database, or a new path)' : ''}`, notADatabase ? 2 : 1);
    }
    if (applied.length > 0) return 'passage';
    if (tables.length === 0) return 'empty';
    const shown = tables.slice(0, 3).join(', ');
    throw new CliError(`${where} is not a Passage database (it has ${tables.length} table${tables.length === 1 ? '' : 's'} of another application — ${shown}${tables.length > 3 ? ', …' : ''} — and none of Passage's); Passage will not add its own to it: give a new path or an empty database`, 2);
  } finally {
    await store.close();
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

/** Writes the demo's summary beside `db`, saying whose it is; returns it. */
function saveDemoSummary(db: string, result: DemoResult): DemoSummary {
  const summary: DemoSummary = { database: demoDatabase(db), ...result };
  writeFileSync(demoSummaryPath(db), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  return summary;
}

export async function cmdDemo(db: string, opts: { now?: boolean; json?: boolean; keysDir?: string }, print: Print): Promise<DemoSummary> {
  if (opts.keysDir !== undefined) requireText(opts.keysDir, '--keys-dir');
  const keysDir = opts.keysDir ?? demoKeysDir(db);
  // Before anything is created: another application's database is refused as it is, and so is
  // a directory where the demo's summary and keys would replace another database's.
  await inspectDatabase(db);
  assertDemoFilesFree(db, keysDir, true);
  // Before the database is touched, so a bad directory leaves nothing half done.
  ensureDbDir(db);
  ensureDir(keysDir, 'the keys directory', 0o700);
  ensureDir(dataDir(db), 'the data directory');
  return withStore(db, async (_store, deps) => {
    await initialise(deps);
    if ((await getSetting(deps, 'demo_loaded')) !== undefined) {
      throw new CliError(`the demo is already loaded in ${db}; use a new database (e.g. --db ./data/demo2.db) or remove it`, 5);
    }
    const { loadDemo } = await demoScenario();
    const result = await loadDemo(deps, { keysDir, ...(opts.now ? { now: deps.now() } : {}) });
    // The demo's tokens are saved beside the database, for `npm start` to show again; demo only.
    const summary = saveDemoSummary(db, result);
    if (opts.json) print(JSON.stringify(summary, null, 2));
    else printDemo(summary, print);
    return summary;
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

export async function cmdServe(db: string, opts: { host: string; port: number; osmandPort?: number; demo?: boolean; logger?: boolean; publicUrl?: string | undefined; refusePrivateWebhooks?: boolean }, print: Print): Promise<{ close: () => Promise<void>; url: string }> {
  await assertCanListen(opts.host, opts.port, 'for the API');
  await assertCanListen(opts.host, opts.osmandPort ?? 5055, 'for OsmAnd trackers');
  const found = await inspectDatabase(db);
  // `serve` serves a database; `init` (or `start`, `demo`) makes one. A mistyped path must not
  // become a new, empty database with a new admin token and log key that nobody meant to create.
  // (A PostgreSQL database cannot be "missing" here: its server refuses a database name it does
  // not have. An empty one, created by its administrator, is initialised as `init` would.)
  if (found === 'missing' && !opts.demo) {
    throw new CliError(`no database at ${db}: create it first with \`passage init --db ${db}\` (serve does not create one, so that a mistyped path is not served as a new, empty database)`, 2);
  }
  const keysDir = demoKeysDir(db);
  // `start` loads the demo into a new database only: before it is made, the demo's files beside
  // it must not be another database's.
  if (opts.demo && found !== 'passage') assertDemoFilesFree(db, keysDir, false);
  ensureDbDir(db);
  if (opts.demo && found !== 'passage') ensureDir(keysDir, 'the keys directory', 0o700);
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
    const demoLoaded = (await getSetting(deps, 'demo_loaded')) !== undefined;
    if (!demoLoaded && init.created) {
      ensureDir(keysDir, 'the keys directory', 0o700);
      const { loadDemo } = await demoScenario();
      printDemo(saveDemoSummary(db, await loadDemo(deps, { keysDir, now: deps.now() })), print);
    } else if (!demoLoaded) {
      // Someone's own database: its log is append-only, and the demo's fictional parties,
      // corridors and talks would stay in it for good. Served as it is.
      print(`${store.location} already holds a Passage database without the demo: serving it as it is (\`start\` loads the demo only into a new database; use \`passage serve\` for this one).`);
    } else {
      // The summary beside it, if it is this database's: the same log key. (One an earlier
      // Passage let another database's demo write over would show tokens this server refuses.)
      const summary = readDemoSummary(demoSummaryPath(db));
      if (summary?.logKey === init.logKey) {
        print(`The demo was loaded earlier (its window times are from then; delete ${dataDir(db)} for a fresh one).`);
        printDemo(summary as DemoSummary, print);
      } else if (summary) {
        print(`The demo was loaded earlier, but ${demoSummaryPath(db)} is not this database’s (it is the demo of ${typeof summary.database === 'string' ? summary.database : 'another database'}): its tokens are not shown, as this server would refuse them.`);
      }
    }
  }
  const refusePrivate = opts.refusePrivateWebhooks ?? false;
  const [{ buildServer }, { startOsmandListener }, { startScheduler }, { webhookSender }] = await Promise.all([import('../http/server.js'), import('../http/osmand.js'), import('../app/scheduler.js'), import('../app/webhooks.js')]);
  const app = await buildServer(deps, { logger: opts.logger ?? false, publicUrl: opts.publicUrl, refusePrivateWebhooks: refusePrivate });
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
  // The sender judges each delivery's addresses by the same rule the API applied at subscription.
  const stopScheduler = startScheduler(deps, { send: webhookSender({ refusePrivate }) });
  // "running at" last: whoever waits for it (a script, a supervisor) has read what was set up.
  if (refusePrivate) print('Webhooks to loopback, private and shared (CGNAT) addresses are refused (--refuse-private-webhooks).');
  if (osmand) print(`Tracker (OsmAnd / Traccar Client) listener at ${osmand.address}`);
  print(`Passage is running at ${url}  (API ${url}/api/v1, docs ${url}/api/docs)`);
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
