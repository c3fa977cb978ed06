/**
 * The demo's files outside its database: its summary (tokens, key paths and ids, which `start`
 * shows again and `simulate` reads) in demo.json beside the database, and its parties' private
 * keys in keys/ there (or --keys-dir). Their names are fixed, so two databases in one directory
 * would share them: the second demo would replace the first's keys and tokens while the first
 * still runs (its parties could no longer sign, `start` would show tokens it refuses). So each
 * summary says whose it is, and a demo is loaded only where it replaces nothing of another
 * database that still exists.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { KEYED_PARTIES } from '../demo/parties.js';
import type { DemoResult } from '../demo/scenario.js';
import { isPostgresUrl, redactedLocation } from '../store/location.js';
import { CliError } from './errors.js';
import { dataDir, demoSummaryPath } from './options.js';

/** What demo.json holds: the demo's result, and the database it is the demo of. */
export interface DemoSummary extends DemoResult {
  /** The absolute path of the SQLite file, or the PostgreSQL URL without its password (`demoDatabase`). */
  database: string;
}

/** Where the demo's private keys go unless --keys-dir says otherwise: keys/ beside the summary. */
export function demoKeysDir(db: string): string {
  return join(dataDir(db), 'keys');
}

/** How a summary names its database: the absolute SQLite path, or the PostgreSQL URL as it may be printed. */
export function demoDatabase(db: string): string {
  if (isPostgresUrl(db)) return redactedLocation(db);
  return db === ':memory:' ? db : resolve(db);
}

/**
 * The summary in `file`, as far as it can be read: undefined when there is none, and an empty
 * object when it is not a summary's JSON (unreadable, cut short): whose it is cannot be told.
 */
export function readDemoSummary(file: string): Partial<DemoSummary> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    if (!statSync(file).isFile() || statSync(file).size > 1024 * 1024) return {};
    const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Partial<DemoSummary>) : {};
  } catch {
    return {};
  }
}

/** Whether the database a summary names is still there. A PostgreSQL one cannot be looked into from here (its password is not recorded): taken as there. */
function stillExists(database: string): boolean {
  if (database === ':memory:') return false;
  return isPostgresUrl(database) || existsSync(database);
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** SQLite databases in `dir` other than `db`, found by their header: which a summary without its database's name may belong to. */
function otherSqliteFiles(dir: string, db: string): string[] {
  const self = isPostgresUrl(db) ? undefined : resolve(db);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    if (path === self) continue;
    try {
      if (!statSync(path).isFile()) continue;
      const fd = openSync(path, 'r');
      const head = Buffer.alloc(SQLITE_MAGIC.length);
      try {
        readSync(fd, head, 0, head.length, 0);
      } finally {
        closeSync(fd);
      }
      if (head.equals(SQLITE_MAGIC)) found.push(path);
    } catch {
      // Unreadable: not one this user's demo could have been in.
    }
  }
  return found;
}

/** A path as a message shows it: relative to the working directory when it lies under it, as the user would type it. */
function shown(path: string): string {
  if (isPostgresUrl(path) || path === ':memory:') return path;
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The key files of a summary, as absolute paths. */
function listedKeyFiles(summary: Partial<DemoSummary>): string[] {
  const files = typeof summary.keyFiles === 'object' && summary.keyFiles !== null ? Object.values(summary.keyFiles) : [];
  return files.flatMap((f) => [f?.private, f?.public].filter((p): p is string => typeof p === 'string').map((p) => resolve(p)));
}

/** What to do instead: a database in a directory of its own, named after the one given. */
function ownDirectoryHint(db: string, keysDirOption: boolean): string {
  if (isPostgresUrl(db)) return 'run the command from another directory (for PostgreSQL the demo’s files go to ./data)';
  const dir = dirname(db);
  const stem = basename(db, extname(db)) || basename(db);
  const suggested = dir === '.' ? join(stem, 'passage.db') : join(`${dir}-${stem}`, 'passage.db');
  return `put this database in a directory of its own (e.g. --db ${suggested}${keysDirOption ? ': the summary always goes beside the database, so --keys-dir alone is not enough' : ''})`;
}

/**
 * Refuses (exit 5, before anything is created) to load the demo into `db` with its keys in
 * `keysDir` when that would replace the demo files of another database that still exists: the
 * summary beside `db` naming another database, a summary an earlier Passage wrote (without a
 * name) beside another SQLite database, or key files the summary here does not list (another
 * demo's, with its summary elsewhere, or the user's own). The files of this database's own
 * earlier demo, or of a database that is gone, may be replaced. `keysDirOption`: whether the
 * command takes --keys-dir (`demo` does, `start` does not), for what the message suggests.
 */
export function assertDemoFilesFree(db: string, keysDir: string, keysDirOption: boolean): void {
  const here = demoDatabase(db);
  const summaryFile = demoSummaryPath(db);
  const summary = readDemoSummary(summaryFile);
  const listed = summary ? listedKeyFiles(summary) : [];
  if (summary) {
    const owner = typeof summary.database === 'string' ? summary.database : undefined;
    const theirKeys = listed.length > 0 ? ` and ${shown(dirname(listed[0] as string))} (private keys)` : '';
    if (owner !== undefined && owner !== here && stillExists(owner)) {
      throw new CliError(
        `${shown(summaryFile)} (tokens)${theirKeys} are the demo of ${shown(owner)}, which still exists${isPostgresUrl(owner) ? ' as far as Passage can tell' : ''}: a demo of ${shown(here)} would replace them; ${ownDirectoryHint(db, keysDirOption)}, or delete those files if that demo is no longer needed`,
        5,
      );
    }
    const others = owner === undefined ? otherSqliteFiles(dirname(summaryFile), db) : [];
    if (others.length > 0) {
      throw new CliError(
        `${shown(summaryFile)} (tokens)${theirKeys} are a demo an earlier Passage loaded without recording its database, which may be ${others.slice(0, 3).map(shown).join(' or ')}: a demo of ${shown(here)} would replace them; ${ownDirectoryHint(db, keysDirOption)}, or delete those files if that demo is no longer needed`,
        5,
      );
    }
  }
  const keyFiles = KEYED_PARTIES.flatMap((party) => ['private', 'public'].map((kind) => resolve(keysDir, `${party}.${kind}.jwk`)));
  const unlisted = keyFiles.filter((f) => existsSync(f) && !listed.includes(f));
  if (unlisted.length > 0) {
    throw new CliError(
      `${shown(resolve(keysDir))} already holds ${unlisted.map((f) => basename(f)).join(', ')}, which are not this database’s demo keys (${shown(summaryFile)} ${summary ? 'does not list them' : 'does not exist'}): another demo’s, or your own, and the demo would write its parties’ keys over them; ${keysDirOption ? 'choose another --keys-dir' : ownDirectoryHint(db, false)}, or remove them if they are not needed`,
      5,
    );
  }
}
