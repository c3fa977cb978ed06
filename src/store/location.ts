/** Where a store lives, told apart without loading a database driver (the CLI reads these first). */
export const DEFAULT_DB = './data/passage.db';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A location as it may be printed or logged: a PostgreSQL URL without its password. */
export function redactedLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return location;
  }
}
