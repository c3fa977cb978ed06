import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, serve } from './spawn.js';

const CLI = resolve('dist/cli.js');

function runAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PASSAGE_TOKEN: '', PASSAGE_URL: '' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => res({ code, out, err }));
  });
}

describe('passage simulate and passage movements', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serve>>;
  let osmand: string;
  let demo: any;
  const token = (key: string): string => demo.members.find((m: any) => m.key === key).token;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passage-sim-'));
    const db = join(dir, 'p.db');
    const r = run(['demo', '--now', '--json', '--db', db]);
    expect(r.code).toBe(0);
    demo = JSON.parse(r.out);
    server = await serve(db, dir);
    for (let i = 0; i < 50 && !/listener at http/.test(server.output()); i++) await new Promise((x) => setTimeout(x, 100));
    osmand = /listener at (http:\/\/\S+)/.exec(server.output())?.[1] ?? '';
  }, 120_000);
  afterAll(() => server?.proc.kill());

  it('the demo notifies the Sumy → Poltava convoy with its trackers, shared with both belligerents', () => {
    expect(demo.extra.movementId).toMatch(/^mov_/);
    expect(demo.trackerDevices).toEqual(['demo-bus-01', 'demo-bus-02', 'demo-bus-03']);
  });

  it('replays the convoy over the OsmAnd protocol: it moves, stops at Lokhvytsia, one bus leaves the route, and two passengers are missing at arrival', async () => {
    const sim = await runAsync(['simulate', '--url', server.url, '--osmand', osmand, '--demo-file', join(dir, 'demo.json')]);
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
    expect(sim.out).toMatch(/convoy stopped at Lokhvytsia/);
    expect(sim.out).toMatch(/checked in at Lokhvytsia: 159 people/);
    expect(sim.out).toMatch(/checked in at Lubny: 157 people/);
    expect(sim.out).toMatch(/cleared off_route\s+demo-bus-03/);
    expect(sim.out).toMatch(/OPEN\s+count_discrepancy .*adults -2 \(first at lubny\)/);
    const rec = await runAsync(['movements', 'reconcile', demo.extra.movementId, '--url', server.url, '--token', token('ru-liaison')]);
    expect(rec.out).toMatch(/adults\s+departed\s+82 → lokhvytsia 82 → lubny 80 → arrived 80\s+⚠ -2 first at lubny/);
    const obs = await runAsync(['movements', 'list', '--url', server.url, '--token', token('observer')]);
    expect(obs.out).toMatch(/No movements you may see/);
    const hidden = await runAsync(['movements', 'alerts', demo.extra.movementId, '--url', server.url, '--token', token('observer')]);
    expect(hidden.code).toBe(4);
    const latest = await runAsync(['movements', 'latest', '--url', server.url, '--token', token('ua-liaison')]);
    expect(latest.out).toMatch(/demo-bus-03/);
  }, 120_000);
});

describe('passage simulate --demo-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passage-demo-file-'));
  it('says when it cannot read the file it was given', () => {
    const r = run(['simulate', '--demo-file', join(dir, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^passage: cannot read the demo summary ${join(dir, 'nope.json')}: ENOENT`));
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['not JSON', 'root:x:0:0:root:/root:/bin/bash\n'],
    ['JSON of another shape', '{"members": 5}\n'],
    ['a JSON scalar', 'null\n'],
  ])('says when the file is not a demo summary (%s)', (_what, text) => {
    const file = join(dir, 'other.json');
    writeFileSync(file, text);
    const r = run(['simulate', '--demo-file', file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`passage: ${file} is not a demo summary (expected the JSON \`passage demo --json\` writes)\n`);
  });
});
