/** Where a store lives, told apart without loading a database driver (the CLI reads these first). */
export const DEFAULT_DB = './data/passage.db';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
