import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** On PostgreSQL, the trigger function that refuses a change with `message` (created once per message). */
export async function createRefusal(db: Kysely<any>, engine: Engine, fn: string, message: string): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`CREATE FUNCTION ${sql.raw(fn)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit(`BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}'; END`)}`.execute(db);
}

/** The PostgreSQL trigger function refusing TRUNCATE, naming the table (migration 0019 creates it). */
export const TRUNCATE_REFUSAL = 'passage_refuse_truncate';

/** Creates `TRUNCATE_REFUSAL` (PostgreSQL; once, in migration 0019). */
export async function createTruncateRefusal(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`CREATE FUNCTION ${sql.raw(TRUNCATE_REFUSAL)}() RETURNS trigger LANGUAGE plpgsql AS ${sql.lit("BEGIN RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END")}`.execute(db);
}

/**
 * The rows of an insert-only table whose key — each of `keys`, the primary key and every unique
 * constraint — an INSERT repeats are refused before SQLite resolves the conflict (trigger
 * `<table>_no_replace`): `INSERT OR REPLACE` (and `REPLACE`) deletes the row in the way without
 * firing its DELETE trigger, so without this it rewrites a row the table otherwise refuses to
 * change. A plain INSERT of an existing key failed anyway; INSERT OR IGNORE and ON CONFLICT fail
 * now too, which is why no insert-only table may be written with them. SQLite only: PostgreSQL has
 * no REPLACE, and runs ON CONFLICT DO UPDATE through the UPDATE trigger.
 */
export async function guardInserts(db: Kysely<any>, engine: Engine, table: string, keys: readonly (readonly string[])[]): Promise<void> {
  if (engine !== 'sqlite') return;
  const t = sql.raw(table);
  const clash = sql.join(
    keys.map((cols) => sql`EXISTS (SELECT 1 FROM ${t} WHERE ${sql.join(cols.map((c) => sql`${sql.raw(c)} = NEW.${sql.raw(c)}`), sql` AND `)})`),
    sql` OR `,
  );
  const message = sql.lit(`${table} is append-only: a row with this key exists, and an insert may not replace it`);
  await sql`CREATE TRIGGER ${sql.raw(`${table}_no_replace`)} BEFORE INSERT ON ${t} WHEN ${clash} BEGIN SELECT RAISE(ABORT, ${message}); END`.execute(db);
}

/** PostgreSQL: TRUNCATE (which fires no row trigger) refused on `table`, naming it (trigger `<table>_no_truncate`). */
export async function refuseTruncate(db: Kysely<any>, engine: Engine, table: string): Promise<void> {
  if (engine !== 'postgres') return;
  await sql`CREATE TRIGGER ${sql.raw(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.raw(table)}
    FOR EACH STATEMENT EXECUTE FUNCTION ${sql.raw(TRUNCATE_REFUSAL)}()`.execute(db);
}

/**
 * Makes a table insert-only, enforced by the database itself rather than by good manners:
 * UPDATE and DELETE are refused (triggers `<table>_no_update`/`_no_delete` on SQLite,
 * `<table>_append_only` on PostgreSQL, which uses the function from `createRefusal`).
 *
 * A table created from migration 0019 on passes its `keys` (the primary key and each unique
 * constraint, as column lists): then an INSERT cannot replace a row either (SQLite's
 * `INSERT OR REPLACE`, `guardInserts`) nor TRUNCATE empty the table (PostgreSQL,
 * `refuseTruncate`). Migrations shipped before 0019 call it without, and 0019 adds both to their
 * tables, so that every database ends with the same triggers.
 */
export async function makeAppendOnly(db: Kysely<any>, engine: Engine, table: string, fn: string, message: string, opts: { keys?: readonly (readonly string[])[] } = {}): Promise<void> {
  if (engine === 'postgres') {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.raw(table)}
      FOR EACH ROW EXECUTE FUNCTION ${sql.raw(fn)}()`.execute(db);
  } else {
    const m = sql.lit(message);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_update`)} BEFORE UPDATE ON ${sql.raw(table)} BEGIN SELECT RAISE(ABORT, ${m}); END`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_delete`)} BEFORE DELETE ON ${sql.raw(table)} BEGIN SELECT RAISE(ABORT, ${m}); END`.execute(db);
  }
  if (opts.keys !== undefined) {
    await guardInserts(db, engine, table, opts.keys);
    await refuseTruncate(db, engine, table);
  }
}
