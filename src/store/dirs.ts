import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A directory that could not be made: `not_a_directory` when part of the path is a file. */
export class DirectoryError extends Error {
  constructor(
    message: string,
    readonly kind: 'not_a_directory' | 'os',
  ) {
    super(message);
  }
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/**
 * Makes sure `dir` is a directory, creating the missing levels one at a time. Not
 * `mkdirSync(dir, { recursive: true })`: on Node 20 that loops forever for some paths (e.g. under
 * /proc, where mkdir fails with ENOENT under an existing directory). Walks up to the nearest
 * existing ancestor, refuses if it is not a writable directory, then creates each level below it,
 * reporting the operating system's error for the first that fails.
 */
export function ensureDirectory(dir: string, mode?: number): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let ancestor = target;
  for (;;) {
    try {
      if (!statSync(ancestor).isDirectory()) throw new DirectoryError(`cannot create ${target}: ${ancestor} is not a directory`, 'not_a_directory');
      break;
    } catch (e) {
      if (e instanceof DirectoryError) throw e;
      // ENOTDIR: something above is a file; keep walking up to name it.
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw new DirectoryError(`cannot create ${target}: ${(e as Error).message}`, 'os');
    }
    missing.unshift(ancestor);
    const parent = dirname(ancestor);
    if (parent === ancestor) throw new DirectoryError(`cannot create ${target}: no part of the path exists`, 'os');
    ancestor = parent;
  }
  if (missing.length === 0) return;
  try {
    accessSync(ancestor, constants.W_OK | constants.X_OK);
  } catch {
    throw new DirectoryError(`cannot create ${target}: ${ancestor} is not writable`, 'os');
  }
  for (const level of missing) {
    try {
      mkdirSync(level, mode === undefined ? {} : { mode });
    } catch (e) {
      if (errno(e) === 'EEXIST' && statSync(level, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw new DirectoryError(`cannot create ${target}: ${(e as Error).message}`, 'os');
    }
  }
}
