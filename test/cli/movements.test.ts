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

  it('the demo notifies the Sumy → Poltava convoy with its trackers, shared with both belligerents and the receiving operator of its cargo', async () => {
    expect(demo.extra.movementId).toMatch(/^mov_/);
    expect(demo.trackerDevices).toEqual(['demo-bus-01', 'demo-bus-02', 'demo-bus-03']);
    const show = await runAsync(['movements', 'show', demo.extra.movementId, '--url', server.url, '--token', token('receiving-operator')]);
    expect(JSON.parse(show.out)).toMatchObject({ operatorPartyId: 'convoy-ops', receivingPartyId: 'poltava-aid', distribution: ['ua', 'ru', 'poltava-aid'], awaitingAcknowledgement: [] });
  });

  it('checks the tracker listener answers before the convoy departs: a wrong --osmand changes nothing', async () => {
    const state = async (): Promise<string> => ((await (await fetch(`${server.url}/api/v1/movements/${demo.extra.movementId}`, { headers: { authorization: `Bearer ${token('convoy-operator')}` } })).json()) as { state: string }).state;
    // A port where nothing listens (any more); and the API itself, which is no tracker listener.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((r) => probe.close(r));
    for (const [wrong, message] of [
      [closed, new RegExp(`^passage: cannot reach the tracker listener at ${closed.replace(/\./g, '\\.')} \\(ECONNREFUSED\\): is \`passage serve\` running, and is --osmand right\\?\n$`)],
      [server.url, /^passage: the tracker listener at http:\/\/\S+ answered 405 to a heartbeat of demo-bus-01: is --osmand the listener of this server .*Nothing was changed\.\n$/],
    ] as const) {
      const sim = await runAsync(['simulate', '--url', server.url, '--osmand', wrong, '--demo-file', join(dir, 'demo.json')]);
      expect(sim.code, sim.err).toBe(1);
      expect(sim.err).toMatch(message);
      expect(sim.out).not.toMatch(/departed/);
      expect(await state()).toBe('notified');
    }
  }, 60_000);

  it('replays the convoy over the OsmAnd protocol: it moves, stops at Lokhvytsia, one bus leaves the route, and two passengers are missing at arrival', async () => {
    const planned = (await (await fetch(`${server.url}/api/v1/movements/${demo.extra.movementId}`, { headers: { authorization: `Bearer ${token('convoy-operator')}` } })).json()).plannedDeparture as string;
    const sim = await runAsync(['simulate', '--url', server.url, '--osmand', osmand, '--demo-file', join(dir, 'demo.json')]);
    const done = Date.now();
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
    // A phone replaying the convoy sends nothing from the future: every fix, count and receipt is
    // dated before simulate ended. The demo shifted to now leaves the convoy's whole day behind
    // it, so it departs as planned.
    const read = async (path: string): Promise<any> => (await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token('ru-liaison')}` } })).json();
    const mv = await read(`/movements/${demo.extra.movementId}`);
    const track = await read(`/movements/${demo.extra.movementId}/track`);
    const fixTimes = track.features.filter((f: any) => f.properties.kind === 'fix').map((f: any) => Date.parse(f.properties.at));
    expect(fixTimes.length).toBeGreaterThan(900);
    const times = [...fixTimes, ...mv.counts.map((c: any) => Date.parse(c.at)), ...mv.receipts.map((r: any) => Date.parse(r.at))];
    expect(times.filter((t) => !(t <= done)).map((t) => new Date(t).toISOString())).toEqual([]);
    expect(mv.counts[0].at).toBe(new Date(planned).toISOString());
    expect(sim.out).toContain(`${planned.slice(11, 16)}Z departed Sumy`);
    expect(sim.out).not.toMatch(/replayed \d+ min earlier/);
    expect(sim.out).toMatch(/convoy stopped at Lokhvytsia/);
    expect(sim.out).toMatch(/checked in at Lokhvytsia: 159 people/);
    expect(sim.out).toMatch(/checked in at Lubny: 157 people/);
    expect(sim.out).toMatch(/cleared off_route\s+demo-bus-03/);
    expect(sim.out).toMatch(/OPEN\s+count_discrepancy .*adults -2 \(first at lubny\)/);
    // The receipt is the receiving operator's, recorded with its own token: the sender may not.
    expect(sim.out).toMatch(/cargo receipt confirmed by poltava-aid \(2 lines\)/);
    expect(sim.out).toMatch(/Insulin for Poltava regional hospital \(doses\) departed\s+300 → .* → arrived 300 → received 300\n/);
    const own = await fetch(`${server.url}/api/v1/movements/${demo.extra.movementId}/receipts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('convoy-operator')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ receivedBy: 'Convoy leader', lines: [{ lineId: 'insulin', quantity: 300 }] }),
    });
    expect(own.status).toBe(403);
    expect(own.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await own.json()) as { detail: string }).detail).toBe(
      'the party that sent this movement may not confirm delivery of its own cargo: only the receiving party, Receiving operator at Poltava (illustrative) (poltava-aid), does — its admins, operators and liaison officers',
    );
    const rec = await runAsync(['movements', 'reconcile', demo.extra.movementId, '--url', server.url, '--token', token('ru-liaison')]);
    expect(rec.out).toMatch(/adults\s+departed\s+82 → lokhvytsia 82 → lubny 80 → arrived 80\s+⚠ -2 first at lubny/);
    const obs = await runAsync(['movements', 'list', '--url', server.url, '--token', token('observer')]);
    expect(obs.out).toMatch(/No movements you may see/);
    const hidden = await runAsync(['movements', 'alerts', demo.extra.movementId, '--url', server.url, '--token', token('observer')]);
    expect(hidden.code).toBe(4);
    const latest = await runAsync(['movements', 'latest', '--url', server.url, '--token', token('ua-liaison')]);
    expect(latest.out).toMatch(/demo-bus-03/);
  }, 120_000);

  it('replays a convoy that has only just left as if it had left earlier, so that nothing it sends is dated in the future', async () => {
    const call = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token('convoy-operator')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return res.json();
    };
    const departing = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const m = await call('POST', '/movements', {
      corridorId: demo.corridors['sumy-poltava'],
      title: 'A second convoy, leaving now',
      plannedDeparture: departing,
      vehicles: [{ plate: 'BM 0404 AA', type: 'bus', seats: 55, trackerDeviceId: 'now-bus-01' }],
      manifest: { people: { adults: 40 }, cargo: [] },
      distribution: ['ua'],
    });
    const sim = await runAsync(['simulate', '--url', server.url, '--osmand', osmand, '--movement', m.id, '--token', token('convoy-operator')]);
    const done = Date.now();
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
    expect(sim.out).toMatch(new RegExp(`Its day as planned \\(departing ${departing.slice(11, 16)}Z, done \\d\\d:\\d\\dZ\\) is not over by now \\(\\d\\d:\\d\\dZ\\): replayed \\d+ min earlier`));
    expect(sim.out).toMatch(/arrived at Poltava: 38 people counted/);
    const mv = await call('GET', `/movements/${m.id}`);
    const track = await call('GET', `/movements/${m.id}/track`);
    const times = [...track.features.filter((f: any) => f.properties.kind === 'fix').map((f: any) => Date.parse(f.properties.at)), ...mv.counts.map((c: any) => Date.parse(c.at))];
    expect(times.length).toBeGreaterThan(300);
    expect(times.filter((t) => !(t <= done)).map((t) => new Date(t).toISOString())).toEqual([]);
    expect(Date.parse(mv.counts[0].at)).toBeLessThan(Date.parse(departing));
  }, 120_000);

  it('speaks for the demo’s receiving operator only on the demo’s convoy: another movement’s receipt needs --receiver-token', async () => {
    const call = async (method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token('convoy-operator')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return res.json();
    };
    const m = await call('POST', '/movements', {
      corridorId: demo.corridors['sumy-poltava'],
      title: 'A third convoy, with cargo',
      plannedDeparture: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
      vehicles: [{ plate: 'BM 0505 AA', type: 'truck', seats: 2, trackerDeviceId: 'cargo-truck-01' }],
      manifest: { people: { adults: 2 }, cargo: [{ id: 'insulin', item: 'Insulin', category: 'medicine', quantity: 500, unit: 'doses' }] },
      distribution: ['ua', 'poltava-aid'],
      receivingPartyId: 'poltava-aid',
    });
    const sim = await runAsync(['simulate', '--url', server.url, '--osmand', osmand, '--movement', m.id, '--token', token('convoy-operator'), '--demo-file', join(dir, 'demo.json')]);
    expect(sim.code, sim.err).toBe(0);
    expect(sim.out).not.toMatch(/cargo receipt confirmed/);
    expect(sim.out).toMatch(/No cargo receipt: only .* confirms delivery; pass its token with --receiver-token\./);
    expect((await call('GET', `/movements/${m.id}`)).receipts ?? []).toEqual([]);
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
