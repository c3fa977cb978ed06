import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDirectory } from './dirs.js';
import { DEFAULT_DB, isPostgresUrl, redactedLocation } from './location.js';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import { SearchPathPostgresDialect } from './pg-introspector.js';
import { warnAtMostEvery } from './unavailable.js';
import type { DB } from './schema.js';

export type { Engine } from './schema.js';
import type { Engine } from './schema.js';
/** Anything queries run on: the store's handle or an open transaction. */
export type Tx = Kysely<DB>;
export type Db = Kysely<DB>;

/** One interface over both engines: a Kysely handle, the engine's name, and transactions. */
export interface Store {
  readonly db: Db;
  readonly engine: Engine;
  /** Where it lives, for messages (a file path or a URL without password). */
  readonly location: string;
  /** The PostgreSQL schema in use, when not the default search path. */
  readonly schema?: string | undefined;
  /**
   * The SQLite connection itself, for the few hot paths that run prepared statements directly
   * (Kysely compiles and prepares every statement anew). It is the connection Kysely's
   * transactions run on, so statements run inside a `transaction` callback are part of it.
   */
  readonly sqlite?: Database.Database | undefined;
  /** Runs `fn` in one transaction: all of its writes land together or none do. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export { DEFAULT_DB, isPostgresUrl, redactedLocation } from './location.js';


export interface OpenOptions {
  /** PostgreSQL schema to use (created if missing); tests use one fresh schema per run. */
  readonly schema?: string;
  /** Run migrations (default true). */
  readonly migrate?: boolean;
  /**
   * Open a database that must already exist, and leave it as it is: no file or schema created,
   * no migrations, the journal mode untouched, and a SQLite file opened read-only (so a write
   * fails rather than happens, and a file the process may not write can be read). For tools that
   * read someone's database (`passage verify --db`), which must never create one at a mistyped
   * path, alter a file that is not Passage's, or change the log they audit.
   */
  readonly existing?: boolean;
}

/** Opens (and migrates) the store at a file path or a postgres:// URL. */
export async function openStore(location: string = DEFAULT_DB, opts: OpenOptions = {}): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(location)) {
    const url = new URL(location);
    const schema = opts.schema ?? url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name: ${schema}`);
    const pool = new pg.Pool({
      connectionString: url.toString(),
      max: 10,
      // A database host that drops packets fails a request in 10 s (503) rather than hanging it.
      connectionTimeoutMillis: 10_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection the database closed (a restart, a failover, a network cut) is reported
    // here; unheard, the 'error' event would end the process. The pool drops that connection and
    // opens another on the next query; until the database is back, requests answer 503.
    const warn = warnAtMostEvery(10_000);
    pool.on('error', (err) => warn(`passage: lost an idle connection to PostgreSQL (${err.message}); reconnecting on the next query`));
    // A connection checked out for a request has no pool listener: the database ending it then
    // (pg_terminate_backend, a failover under load) emitted an unheard 'error' on the client and
    // ended the process. The query in flight fails on its own (the request answers 503, see
    // unavailable.ts) and the pool discards the broken client when it is released.
    pool.on('connect', (client) => {
      client.on('error', (err) => warn(`passage: lost a connection to PostgreSQL in use (${err.message}); its request is answered 503`));
    });
    if (schema && !opts.existing) {
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      } finally {
        client.release();
      }
    }
    const db = new Kysely<DB>({ dialect: new SearchPathPostgresDialect({ pool }) });
    store = {
      db,
      engine: 'postgres',
      location: redactedLocation(location),
      schema,
      transaction: (fn) => db.transaction().execute(fn),
      close: () => db.destroy(),
    };
  } else {
    const path = location === ':memory:' ? location : resolve(location);
    if (opts.existing && path === ':memory:') throw new Error('an in-memory database cannot already exist');
    if (path !== ':memory:' && !opts.existing) ensureDirectory(dirname(path));
    const sqlite = new Database(path, opts.existing ? { fileMustExist: true, readonly: true } : {});
    // WAL with synchronous=NORMAL: a commit is in the WAL file before the client hears of it, so
    // an acknowledged write survives kill -9 of the server (the guarantee Passage makes); only an
    // operating-system crash or power cut can lose the last commits, which FULL (an fsync per
    // commit, ~100× slower on virtual disks) would also protect. PASSAGE_SQLITE_SYNCHRONOUS=full
    // chooses that. Readers never block the writer.
    if (!opts.existing) sqlite.pragma('journal_mode = WAL');
    const sync = (process.env.PASSAGE_SQLITE_SYNCHRONOUS ?? 'normal').toLowerCase();
    if (sync !== 'normal' && sync !== 'full') throw new Error(`PASSAGE_SQLITE_SYNCHRONOUS must be normal or full, got ${sync}`);
    sqlite.pragma(`synchronous = ${sync.toUpperCase()}`);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingPrepare(sqlite) }) });
    store = {
      db,
      engine: 'sqlite',
      sqlite,
      location: path,
      transaction: (fn) => db.transaction().execute(fn),
      close: () => db.destroy(),
    };
  }
  if (opts.migrate !== false && !opts.existing) await migrate(store);
  return store;
}

/** Which of the migrations this version of Passage knows the database has had, and which not (in order); reads only. */
export async function migrationState(store: Store): Promise<{ applied: string[]; pending: string[] }> {
  const all = await migratorFor(store).getMigrations();
  return { applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name), pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name) };
}

/** Prepared statements kept per connection (the query builder asks for one per execution). */
const STATEMENT_CACHE = 500;

/**
 * The connection as Kysely sees it, with its statements cached by SQL text: Kysely's SQLite
 * driver prepares every query anew, which cost more than running most of them. Kysely only
 * runs `all`/`run` (never two iterations of one statement at once), so reuse is safe; SQLite
 * re-prepares a cached statement itself after a schema change. Least recently used go first.
 */
function cachingPrepare(sqlite: Database.Database): { prepare(sql: string): Database.Statement; close(): void } {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sqlText) {
      let stmt = cache.get(sqlText);
      if (stmt) cache.delete(sqlText);
      else {
        stmt = sqlite.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sqlText, stmt);
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

/** Whether the store answers a query now: throws the driver's error when it does not (src/store/unavailable.ts tells which). */
export async function pingStore(store: Store): Promise<void> {
  await sql`SELECT 1`.execute(store.db);
}

function migratorFor(store: Store): Migrator {
  // Name the schema explicitly: Kysely looks for its bookkeeping tables in every schema otherwise.
  return new Migrator({ db: store.db, provider: migrationProvider(store.engine), ...(store.schema ? { migrationTableSchema: store.schema } : {}) });
}

export async function migrate(store: Store): Promise<void> {
  const { error, results } = await migratorFor(store).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`${failed ? `migration ${failed.migrationName} failed` : 'could not migrate'}: ${(error as Error).message ?? String(error)}`);
  }
}

/** Whether an error is a unique-constraint violation on either engine. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
