import { accessSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './errors.js';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/**
 * Makes sure `dir` is a directory, creating the missing levels one at a time. Not
 * `mkdirSync(dir, { recursive: true })`: on Node 20 that loops forever for some paths (e.g. under
 * /proc, where mkdir fails with ENOENT under an existing directory). Walks up to the nearest
 * existing ancestor, refuses if it is not a writable directory, then creates each level below it,
 * reporting the operating system's error for the first that fails.
 */
export function ensureDir(dir: string, what: string, mode?: number): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let ancestor = target;
  for (;;) {
    try {
      if (!statSync(ancestor).isDirectory()) throw new CliError(`cannot create ${what} ${target}: ${ancestor} is not a directory`, 2);
      break;
    } catch (e) {
      if (e instanceof CliError) throw e;
      // ENOTDIR: something above is a file; keep walking up to name it.
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw new CliError(`cannot create ${what} ${target}: ${(e as Error).message}`, 1);
    }
    missing.unshift(ancestor);
    const parent = dirname(ancestor);
    if (parent === ancestor) throw new CliError(`cannot create ${what} ${target}: no part of the path exists`, 1);
    ancestor = parent;
  }
  if (missing.length === 0) return;
  try {
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch {
    throw new CliError(`cannot create ${what} ${target}: ${ancestor} is not writable`, 1);
  }
  for (const level of missing) {
    try {
      mkdirSync(level, mode === undefined ? {} : { mode });
    } catch (e) {
      if (errno(e) === 'EEXIST' && statSync(level, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new CliError(`cannot create ${what} ${target}: ${(e as Error).message}`, 1);
    }
  }
}

/** The most a file the CLI is handed (a key, a saved checkpoint, the demo summary) may hold. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The text of a small file the user named (`what` says which, for the message): refused as bad
 * input (exit 2) when it is missing, not a regular file (a directory, /dev/zero, a FIFO, which
 * would be read until memory ran out or for ever) or larger than any such file can be.
 */
export function readSmallFile(path: string, what: string): string {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliError(`${what} ${path} is not a regular file`, 2);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${what} ${path}: ${(e as Error).message}`, 2);
  }
  if (size > MAX_FILE_BYTES) throw new CliError(`${what} ${path} is ${size} bytes: larger than such a file can be (at most ${MAX_FILE_BYTES})`, 2);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${what} ${path}: ${(e as Error).message}`, 2);
  }
}
