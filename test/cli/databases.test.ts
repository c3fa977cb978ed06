import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { run, serve } from './spawn.js';

const tables = (file: string): string[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
};

describe('Passage writes its schema only into its own database or a new one', () => {
  it.each([['init'], ['demo'], ['serve'], ['start']])('%s refuses another application’s SQLite database and leaves it as it was', (command) => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-foreign-'));
    const file = join(dir, 'crm.db');
    const db = new Database(file);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Acme')");
    db.close();
    const ports = command === 'serve' || command === 'start' ? ['--port', '0', '--osmand-port', '0'] : [];
    const r = run([command, ...ports, '--db', file], { DATABASE_URL: '' }, dir, 15_000);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toBe(`passage: ${file} is not a Passage database (it has 1 table of another application — customers — and none of Passage's); Passage will not add its own to it: give a new path or an empty database\n`);
    expect(r.out).toBe('');
    expect(tables(file)).toEqual(['customers']);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
    // No keys directory or demo summary beside it either.
    expect(readdirSync(dir)).toEqual(['crm.db']);
  });

  it('serve refuses a SQLite path with no database and points to passage init, creating nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-typo-'));
    const path = join(dir, 'nodir', 'x.db');
    const r = run(['serve', '--port', '0', '--osmand-port', '0', '--db', path], { DATABASE_URL: '' }, dir, 15_000);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`passage: no database at ${path}: create it first with \`passage init --db ${path}\` (serve does not create one, so that a mistyped path is not served as a new, empty database)\n`);
    expect(r.out).toBe('');
    expect(existsSync(join(dir, 'nodir'))).toBe(false);
    // The same path after `passage init` is served.
    expect(run(['init', '--db', path]).code).toBe(0);
  });

  it('start loads the demo into a new database only; an existing one is served as it is, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-start-'));
    const db = join(dir, 'real.db');
    const init = run(['init', '--db', db, '--mediator-name', 'Real mediator'], { DATABASE_URL: '' }, dir);
    expect(init.code, init.err).toBe(0);
    const server = await serve(db, dir, 'start');
    try {
      expect(server.output()).toMatch(new RegExp(`^${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already holds a Passage database without the demo: serving it as it is \\(\`start\` loads the demo only into a new database; use \`passage serve\` for this one\\)\\.\n`));
      expect(server.output()).not.toMatch(/Demo|psg_/);
    } finally {
      server.proc.kill('SIGTERM');
      await new Promise((r) => (server.proc.exitCode !== null ? r(undefined) : server.proc.once('exit', r)));
    }
    const after = new Database(db, { readonly: true });
    try {
      expect(after.prepare("SELECT value FROM settings WHERE key = 'demo_loaded'").all()).toEqual([]);
      expect(after.prepare('SELECT id FROM parties').pluck().all()).toEqual(['mediator']);
    } finally {
      after.close();
    }
    expect(existsSync(join(dir, 'demo.json'))).toBe(false);
    expect(existsSync(join(dir, 'keys'))).toBe(false);

    // A new path: created, and the demo loaded into it, as `npm start` does.
    const fresh = join(dir, 'fresh', 'demo.db');
    const started = await serve(fresh, dir, 'start');
    try {
      expect(started.output()).toMatch(/^Initialised a new database at /);
      expect(started.output()).toMatch(/Demo API tokens/);
    } finally {
      started.proc.kill('SIGTERM');
      await new Promise((r) => (started.proc.exitCode !== null ? r(undefined) : started.proc.once('exit', r)));
    }
  }, 60_000);
});

const PG_URL = process.env.PASSAGE_TEST_DATABASE_URL;
describe.skipIf(PG_URL === undefined)('postgres: another application’s schema is refused, an empty one is Passage’s to fill', () => {
  it('init refuses a schema with another application’s table, and initialises an empty one', async () => {
    const pg = new (await import('pg')).default.Client({ connectionString: PG_URL });
    await pg.connect();
    const schema = `crm_${process.pid}_${Date.now().toString(36)}`;
    try {
      await pg.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.customers (id int)`);
      const url = `${PG_URL}?schema=${schema}`;
      const r = run(['init', '--db', url], { DATABASE_URL: '' });
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/is not a Passage database \(it has 1 table of another application — customers — and none of Passage's\)/);
      const left = await pg.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
      expect(left.rows.map((x: { table_name: string }) => x.table_name)).toEqual(['customers']);
      const empty = run(['init', '--db', `${PG_URL}?schema=${schema}_new`], { DATABASE_URL: '' });
      expect(empty.code, empty.err).toBe(0);
      expect(empty.out).toMatch(/^Initialised /);
    } finally {
      await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${schema}_new CASCADE`);
      await pg.end();
    }
  });
});
