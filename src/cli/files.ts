import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DirectoryError, ensureDirectory } from '../store/dirs.js';
import { CliError } from './errors.js';

/** `ensureDirectory` for the CLI: `what` names the directory, and a file in the way is bad input (exit 2). */
export function ensureDir(dir: string, what: string, mode?: number): void {
  try {
    ensureDirectory(dir, mode);
  } catch (e) {
    if (!(e instanceof DirectoryError)) throw e;
    throw new CliError(`${e.message.replace(/^cannot create /, `cannot create ${what} `)}`, e.kind === 'not_a_directory' ? 2 : 1);
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

/**
 * Refuses (exit 2, naming `option`) a file the command could not write, before it does the work
 * whose result goes there: empty, a directory, a file or directory without write permission, or a
 * directory that does not exist. What it cannot foresee (a full disk) still fails at the write.
 */
export function checkWritableFile(path: string, option: string): void {
  if (path.trim() === '') throw new CliError(`${option} must not be empty: give the file to write`, 2);
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw new CliError(`${option} ${path} cannot be written: ${(e as Error).message}`, 2);
  }
  if (st?.isDirectory()) throw new CliError(`${option} ${path} is a directory: give a file name`, 2);
  const target = st === undefined ? dirname(resolve(path)) : path;
  if (st === undefined) {
    let dir;
    try {
      dir = statSync(target, { throwIfNoEntry: false });
    } catch {
      dir = undefined; // a file where a directory should be (ENOTDIR)
    }
    if (!dir?.isDirectory()) throw new CliError(`${option} ${path} cannot be written: the directory ${target} does not exist`, 2);
  }
  try {
    accessSync(target, constants.W_OK);
  } catch {
    throw new CliError(`${option} ${path} cannot be written: no permission to write ${st === undefined ? `in ${target}` : 'it'}`, 2);
  }
}
