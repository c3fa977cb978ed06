import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** On PostgreSQL, the trigger function that refuses a change with `message` (created once per message). */
export async function createRefusal(db: Kysely<any>, engine: Engine, fn: string, message: string): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`CREATE FUNCTION ${sql.raw(fn)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(`BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}'; END`)}`.execute(db);
}

/**
 * Makes a table insert-only, enforced by the database itself rather than by good manners:
 * UPDATE and DELETE are refused (triggers `<table>_no_update`/`_no_delete` on SQLite,
 * `<table>_append_only` on PostgreSQL, which uses the function from `createRefusal`).
 */
export async function makeAppendOnly(db: Kysely<any>, engine: Engine, table: string, fn: string, message: string): Promise<void> {
  if (engine === 'postgres') {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.raw(table)}
      FOR EACH ROW EXECUTE FUNCTION ${sql.raw(fn)}()`.execute(db);
    return;
  }
  const m = sql.lit(message);
  await sql`CREATE TRIGGER ${sql.raw(`${table}_no_update`)} BEFORE UPDATE ON ${sql.raw(table)} BEGIN SELECT RAISE(ABORT, ${m}); END`.execute(db);
  await sql`CREATE TRIGGER ${sql.raw(`${table}_no_delete`)} BEFORE DELETE ON ${sql.raw(table)} BEGIN SELECT RAISE(ABORT, ${m}); END`.execute(db);
}
