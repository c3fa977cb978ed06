import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryError, ensureDirectory } from '../../src/store/dirs.js';
import { openStore } from '../../src/store/store.js';

// Node 20's mkdirSync(dir, { recursive: true }) loops for ever under /proc: every caller that
// makes a directory (openStore, the demo's keys, the CLI) goes through ensureDirectory instead.
describe('making the directories the store and the demo need', () => {
  const base = mkdtempSync(join(tmpdir(), 'passage-dirs-'));
  const file = join(base, 'a-file');
  writeFileSync(file, '');

  it('creates the missing levels, with the mode asked for', () => {
    ensureDirectory(join(base, 'a', 'b'), 0o700);
    expect(statSync(join(base, 'a', 'b')).isDirectory()).toBe(true);
    expect(statSync(join(base, 'a', 'b')).mode & 0o777).toBe(0o700);
    ensureDirectory(join(base, 'a', 'b')); // there already: nothing to do
  });

  it('names a file in the way, and an OS refusal, at once', () => {
    expect(() => ensureDirectory(join(file, 'x'))).toThrow(DirectoryError);
    expect(() => ensureDirectory(join(file, 'x'))).toThrow(/a-file is not a directory/);
    if (existsSync('/proc/self')) expect(() => ensureDirectory('/proc/nonexistent/x')).toThrow(DirectoryError);
  });

  it('openStore refuses a database path it cannot make a directory for, rather than hang', async () => {
    await expect(openStore(join(file, 'x', 'p.db'))).rejects.toThrow(/is not a directory/);
    if (existsSync('/proc/self')) await expect(openStore('/proc/nonexistent/x/p.db')).rejects.toThrow(/cannot create/);
  });
});
