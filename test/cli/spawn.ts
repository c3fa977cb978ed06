import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli.js');

/** Runs the built CLI; a run that outlives `timeout` ms is killed and reports `code: null`. */
export function run(args: string[], env: Record<string, string> = {}, cwd?: string, timeout = 60_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, cwd, timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Runs the built CLI without blocking this process, so that a server the test runs itself (a
 * fake API, a proxy) can answer it; a run that outlives `timeout` ms is killed and reports `code: null`.
 */
export function runAsync(args: string[], env: Record<string, string> = {}, timeout = 60_000): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PASSAGE_TOKEN: '', PASSAGE_URL: '', PASSAGE_TIMEOUT: '', ...env } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out, err, ms: Date.now() - started });
    });
  });
}

/**
 * Starts `passage serve` (or `passage start`) on a free port and resolves with its URL once it
 * listens. `serve` serves an existing database only: make it first (`init` or `demo`).
 */
export function serve(db: string, cwd: string, command: 'serve' | 'start' = 'serve', extra: { args?: string[]; env?: Record<string, string> } = {}): Promise<{ url: string; proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, [CLI, command, '--port', '0', '--osmand-port', '0', '--db', db, ...(extra.args ?? [])], { cwd, env: { ...process.env, DATABASE_URL: '', ...(extra.env ?? {}) } });
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolvePromise({ url: m[1], proc, output: () => out });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
}


/** A demo database (`passage demo --json`) served by a real `passage serve`, for one describe block. */
export interface DemoServer {
  readonly dir: string;
  readonly db: string;
  demo: any;
  server: Awaited<ReturnType<typeof serve>>;
  /** The API token of a demo member, by key (e.g. `ua-liaison`). */
  token(key: string): string;
  /** Stops the server and starts it again on the same database (e.g. after editing it), with `extra` arguments and environment. */
  restart(extra?: { args?: string[]; env?: Record<string, string> }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates the demo in a fresh temp dir (SQLite) or schema (PostgreSQL) and serves it. Call in
 * `beforeAll`; call `stop` in `afterAll`.
 */
export async function startDemoServer(engine: 'sqlite' | 'postgres', prefix: string): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), `passage-${prefix}-`));
  const db = engine === 'sqlite' ? join(dir, 'passage.db') : `${process.env.PASSAGE_TEST_DATABASE_URL}?schema=${prefix.replace(/\W/g, '_')}_${process.pid}_${Date.now().toString(36)}`;
  const d = run(['demo', '--db', db, '--json'], {}, dir);
  if (d.code !== 0) throw new Error(`passage demo failed: ${d.err}`);
  const ds: DemoServer = {
    dir,
    db,
    demo: JSON.parse(d.out),
    server: await serve(db, dir),
    token: (key) => ds.demo.members.find((m: { key: string }) => m.key === key).token,
    stop: async () => {
      ds.server.proc.kill('SIGTERM');
      await new Promise((r) => (ds.server.proc.exitCode !== null ? r(undefined) : ds.server.proc.once('exit', r)));
    },
    restart: async (extra) => {
      await ds.stop();
      ds.server = await serve(db, dir, 'serve', extra);
    },
  };
  return ds;
}
