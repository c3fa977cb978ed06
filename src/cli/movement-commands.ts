import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { planConvoy, planEnd, replayableAt } from '../domain/movement-simulation.js';
import { baseUrl, type ApiClient } from './client.js';
import { dbLocation, demoSummaryPath, parseWholeNumber } from './options.js';
import { CliError } from './errors.js';
import { checkWritableFile, readSmallFile } from './files.js';
import type { CliKit } from './kit.js';
import { Alert as AlertSchema, Alerts, AnyJson, AnyObject, CorridorTerms, FeatureCollection, LatestPositions, Movement, Movements, Reconciliation } from './responses.js';

type Remote = { url: string; token?: string; timeout?: string; json?: boolean };
type Alert = z.infer<typeof AlertSchema>;
type ReconRow = z.infer<typeof Reconciliation>['people'][number] | z.infer<typeof Reconciliation>['cargo'][number];

const hhmm = (ms: number | string): string => new Date(ms).toISOString().slice(11, 16) + 'Z';
const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

function describeAlert(a: Alert): string {
  const where = a.details.firstAppeared as { stage?: string; checkpointId?: string | null } | undefined;
  const extra = a.type === 'count_discrepancy' || a.type === 'cargo_discrepancy' ? ` ${String(a.details.category ?? a.details.item)} ${Number(a.details.difference) > 0 ? '+' : ''}${String(a.details.difference)} (first at ${where?.checkpointId ?? where?.stage ?? '?'})` : '';
  return `${a.state === 'open' ? 'OPEN   ' : 'cleared'} ${a.type.padEnd(20)} ${(a.deviceId ?? '').padEnd(12)} raised ${a.raisedAt}${a.clearedAt ? `, cleared ${a.clearedAt}` : ''}${extra}`;
}

function printReconciliation(r: z.infer<typeof Reconciliation>, print: (l: string) => void): void {
  print(`Reconciliation: ${r.balanced ? 'balanced' : 'DISCREPANCIES'}`);
  for (const row of [...r.people, ...r.cargo] as ReconRow[]) {
    const name = 'category' in row ? row.category : `${row.item} (${row.unit})`;
    const stages = row.stages.map((s) => `${s.checkpointId ?? s.stage} ${s.counted ?? '–'}`).join(' → ');
    const flag = row.firstDiscrepancy ? `  ⚠ ${row.difference} first at ${row.firstDiscrepancy.checkpointId ?? row.firstDiscrepancy.stage}` : '';
    print(`  ${name.padEnd(32)} departed ${String(row.expected).padStart(4)}${stages ? ` → ${stages}` : ''}${flag}`);
  }
}

/** What simulate needs of the demo summary `passage demo` wrote: tokens and the demo movement's id. */
const DemoSummary = z.object({
  members: z.array(z.object({ key: z.string(), token: z.string() })),
  extra: z.object({ movementId: z.string().optional(), movement: z.object({ receiverMember: z.string().optional() }).optional() }).optional(),
});

/**
 * The demo summary in `file`. One named with --demo-file must be there; the default one beside
 * the default database may be missing (then there is no demo to fall back on).
 */
function readDemo(file: string, named: boolean): z.infer<typeof DemoSummary> | undefined {
  if (!named && !existsSync(file)) return undefined;
  const text = readSmallFile(file, 'the demo summary');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const summary = DemoSummary.safeParse(json);
  if (!summary.success) throw new CliError(`${file} is not a demo summary (expected the JSON \`passage demo --json\` writes)`, 2);
  return summary.data;
}

/** One OsmAnd report to the listener at `base` (`baseUrl`: no query string, no trailing slash). */
async function osmandSend(base: string, params: Record<string, string | number>): Promise<number> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  try {
    const res = await fetch(`${base}/?${qs}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.status;
  } catch (e) {
    throw new CliError(`cannot reach the tracker listener at ${base} (${(e as { cause?: { code?: string; message?: string } }).cause?.code ?? (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message}): is \`passage serve\` running, and is --osmand right?`, 1);
  }
}

export interface SimulateOptions {
  osmand: string;
  movement?: string | undefined;
  delay: number;
  shortfall: number;
}

/**
 * Replays the demo convoy like the drivers' phones would (Traccar Client, OsmAnd protocol): the
 * convoy departs, drives the corridor, stops at the first checkpoint, one bus leaves the route for
 * a few minutes, it is counted at each checkpoint — two passengers short from the second — and
 * arrives; the receiving party confirms the cargo through `receiver` (only it may: the operator
 * cannot confirm the delivery of its own cargo).
 */
export async function cmdSimulate(c: ApiClient, o: SimulateOptions, print: (l: string) => void, receiver?: ApiClient): Promise<void> {
  if (!o.movement) throw new CliError('no movement: pass --movement <id> (or load the demo: `passage demo`)', 2);
  const m = await c.get(`/movements/${encodeURIComponent(o.movement)}`, Movement);
  if (m.state !== 'notified') throw new CliError(`movement ${m.id} is ${m.state}; simulate replays a notified movement (load a fresh demo)`, 5);
  // The signed terms: route, checkpoints and destination exactly as agreed.
  const terms = (await c.getJsonBytes(`/corridors/${encodeURIComponent(m.corridorId)}/terms`, CorridorTerms)).value as { route: { coordinates: [number, number][] }; checkpoints: { id: string; name: string; coordinates: [number, number] }[]; destination: { name: string } };
  const corridor = { terms };
  const devices = m.vehicles.flatMap((v) => (v.trackerDeviceId ? [v.trackerDeviceId] : []));
  if (devices.length === 0) throw new CliError('the movement has no tracker devices', 2);
  // Before the convoy departs (a state it never leaves): the tracker listener must answer, for
  // this movement's device, or a mistyped --osmand would leave the movement departed with no
  // fixes, and the demo could not be replayed. A report without coordinates is a heartbeat in
  // the OsmAnd protocol: it records only that the device was heard from.
  const heard = await osmandSend(o.osmand, { id: devices[0] as string });
  if (heard !== 200) throw new CliError(`the tracker listener at ${o.osmand} answered ${heard} to a heartbeat of ${devices[0]}: is --osmand the listener of this server (\`passage serve\` prints it), and the device registered to this movement? Nothing was changed.`, 1);
  const cps = corridor.terms.checkpoints;
  const planned = planConvoy({ route: corridor.terms.route.coordinates, checkpoints: cps, devices, start: Date.parse(m.plannedDeparture), stopAt: cps[0]?.id, stopMinutes: 40, strayDevice: devices.at(-1), strayM: 8000, strayFixes: 6 });
  // Sent as fast as the server takes them, so nothing may be dated after now: a phone never
  // sends a fix from the future. A day not over yet is replayed earlier, as a whole.
  const now = Date.now();
  const { plan, shiftMs } = replayableAt(planned, now);
  const people = m.manifest.people;
  const short = { ...people, adults: Math.max(0, (people.adults ?? 0) - o.shortfall) };
  print(`Simulating "${m.title}" (${m.id}): ${devices.length} trackers, ${plan.fixes.length} fixes over the OsmAnd protocol to ${o.osmand}`);
  if (shiftMs < 0) print(`Its day as planned (departing ${hhmm(planned.departAt)}, done ${hhmm(planEnd(planned))}) is not over by now (${hhmm(now)}): replayed ${Math.ceil(-shiftMs / 60_000)} min earlier, so that nothing is dated after it is sent.`);
  await c.post(`/movements/${m.id}/depart`, { at: new Date(plan.departAt).toISOString(), countedBy: 'Convoy leader, departure count at Sumy' }, AnyJson);
  print(`${hhmm(plan.departAt)} departed Sumy with ${sum(people)} people`);
  let next = 0;
  let sent = 0;
  const countsDue = async (upTo: number): Promise<void> => {
    while (next < plan.counts.length && (plan.counts[next]?.at ?? Infinity) <= upTo) {
      const k = plan.counts[next++];
      if (!k) break;
      const firstCheckpoint = k.checkpointId === cps[0]?.id;
      const counted = k.kind === 'checkpoint' && firstCheckpoint ? people : short;
      if (k.kind === 'checkpoint') {
        await c.post(`/movements/${m.id}/checkins`, { checkpointId: k.checkpointId, at: new Date(k.at).toISOString(), countedBy: `${k.name} checkpoint officer`, people: counted }, AnyJson);
        print(`${hhmm(k.at)} checked in at ${k.name}: ${sum(counted)} people counted`);
      } else {
        await c.post(`/movements/${m.id}/arrive`, { at: new Date(k.at).toISOString(), countedBy: `${corridor.terms.destination.name} reception centre`, people: counted, cargo: m.manifest.cargo.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, AnyJson);
        print(`${hhmm(k.at)} arrived at ${corridor.terms.destination.name}: ${sum(counted)} people counted`);
      }
    }
  };
  let stopped = false;
  for (const f of plan.fixes) {
    await countsDue(f.at);
    if (next >= plan.counts.length) break;
    const status = await osmandSend(o.osmand, { id: f.deviceId, timestamp: Math.floor(f.at / 1000), lat: f.lat, lon: f.lon, speed: f.speedKn, bearing: f.bearing, batt: 80 });
    if (status !== 200) throw new CliError(`the tracker listener answered ${status} for ${f.deviceId}: is the device registered to this movement?`, 1);
    sent++;
    if (f.speedKn === 0 && !stopped && f.deviceId === devices[0] && cps[0]) {
      stopped = true;
      print(`${hhmm(f.at)} convoy stopped at ${cps[0].name}`);
    }
    if (o.delay > 0) await new Promise((r) => setTimeout(r, o.delay));
  }
  await countsDue(Number.POSITIVE_INFINITY);
  if (m.manifest.cargo.length > 0) {
    const whose = m.receivingPartyId ?? 'the receiving party';
    if (receiver) {
      await receiver.post(`/movements/${m.id}/receipts`, { at: new Date(plan.receiptAt).toISOString(), receivedBy: `Warehouse at ${corridor.terms.destination.name}`, lines: m.manifest.cargo.map((l) => ({ lineId: l.id, quantity: l.quantity })) }, AnyJson);
      print(`${hhmm(plan.receiptAt)} cargo receipt confirmed by ${whose} (${m.manifest.cargo.length} lines)`);
    } else print(`No cargo receipt: only ${whose} confirms delivery; pass its token with --receiver-token.`);
  }
  print(`Sent ${sent} fixes.`);
  print('Alerts:');
  for (const a of await c.get(`/movements/${m.id}/alerts`, Alerts)) print(`  ${describeAlert(a)}`);
  printReconciliation(await c.get(`/movements/${m.id}/reconciliation`, Reconciliation), print);
}

/** `passage simulate`, `passage movements …` (issue 5). */
export function registerMovementCommands(program: Command, kit: CliKit): void {
  const { remote, client, print } = kit;
  remote(
    program
      .command('simulate')
      .description('replay the demo convoy over the OsmAnd protocol, like the drivers’ phones (Traccar Client) would')
      .option('--osmand <url>', 'the tracker listener', 'http://127.0.0.1:5055')
      .option('--movement <id>', 'the movement to drive (default: the demo’s)')
      .option('--demo-file <file>', 'the summary `passage demo` wrote (token and movement id)')
      .option('--receiver-token <token>', 'a token of the movement’s receiving party, to confirm the cargo (default: the demo’s receiving operator)')
      .option('--delay <ms>', 'pause between fixes, to watch it live', '0')
      .option('--shortfall <n>', 'passengers missing from the second checkpoint on', '2'),
  ).action(async (o: Remote & { osmand: string; movement?: string; demoFile?: string; receiverToken?: string; delay: string; shortfall: string }) => {
    // The listener's address as given, with any path it is served under; each report goes in the query.
    const osmand = baseUrl(o.osmand, '--osmand');
    // Milliseconds up to what setTimeout can wait (2^31 - 1); beyond it Node would not wait at all.
    const delay = parseWholeNumber(o.delay, '--delay', 0, 2_147_483_647);
    const shortfall = parseWholeNumber(o.shortfall, '--shortfall', 0, Number.MAX_SAFE_INTEGER);
    const demo = readDemo(o.demoFile ?? demoSummaryPath(dbLocation(undefined)), o.demoFile !== undefined);
    const token = o.token || demo?.members.find((x) => x.key === 'convoy-operator')?.token;
    const receiverKey = demo?.extra?.movement?.receiverMember ?? 'receiving-operator';
    // The demo's receiving operator confirms only the demo's own convoy: another movement names its
    // own receiving party, which only --receiver-token speaks for.
    const demoMovement = o.movement === undefined || o.movement === demo?.extra?.movementId;
    const receiverToken = o.receiverToken || (demoMovement ? demo?.members.find((x) => x.key === receiverKey)?.token : undefined);
    const receiver = receiverToken ? client({ url: o.url, token: receiverToken, timeout: o.timeout }) : undefined;
    await cmdSimulate(client({ url: o.url, timeout: o.timeout, ...(token ? { token } : {}) }), { osmand, movement: o.movement ?? demo?.extra?.movementId, delay, shortfall }, print, receiver);
  });

  const mv = program.command('movements').description('convoys and vehicles on corridors: notifications, tracks, alerts, reconciliation');
  remote(mv.command('list').description('movements your party may see').option('--json', 'print JSON')).action(async (o: Remote) => {
    const list = await client(o).get('/movements', Movements);
    if (o.json) return print(JSON.stringify(list, null, 2));
    if (list.length === 0) return print('No movements you may see.');
    for (const m of list) print(`${m.id}  ${m.state.padEnd(9)} ${m.plannedDeparture}  ${m.title}${m.warnings.length > 0 ? `  ⚠ ${m.warnings[0]?.message}` : ''}`);
  });
  remote(mv.command('show <id>').description('one movement')).action(async (id: string, o: Remote) => print(JSON.stringify(await client(o).get(`/movements/${encodeURIComponent(id)}`, AnyObject), null, 2)));
  remote(mv.command('alerts [id]').description('alerts of one movement, or of all you may see').option('--open', 'only open alerts').option('--json', 'print JSON')).action(async (id: string | undefined, o: Remote & { open?: boolean }) => {
    const q = o.open ? '?state=open' : '';
    const list = await client(o).get(id ? `/movements/${encodeURIComponent(id)}/alerts${q}` : `/movement-alerts${q}`, Alerts);
    if (o.json) return print(JSON.stringify(list, null, 2));
    if (list.length === 0) return print('No alerts.');
    for (const a of list) print(describeAlert(a));
  });
  remote(mv.command('reconcile <id>').description('people departed vs each checkpoint vs arrived; cargo dispatched vs received').option('--json', 'print JSON')).action(async (id: string, o: Remote) => {
    const r = await client(o).get(`/movements/${encodeURIComponent(id)}/reconciliation`, Reconciliation);
    if (o.json) return print(JSON.stringify(r, null, 2));
    printReconciliation(r, print);
  });
  remote(mv.command('track <id>').description('the track as GeoJSON').option('--out <file>', 'write it to a file')).action(async (id: string, o: Remote & { out?: string }) => {
    // Before the track is fetched: a path that cannot be written fails now, not after the work.
    if (o.out !== undefined) checkWritableFile(o.out, '--out');
    const fc = await client(o).get(`/movements/${encodeURIComponent(id)}/track`, FeatureCollection);
    if (o.out !== undefined) {
      writeFileSync(o.out, `${JSON.stringify(fc)}\n`);
      print(`Wrote ${o.out}`);
    } else print(JSON.stringify(fc));
  });
  remote(mv.command('latest').description('the newest position of every tracker you may see').option('--json', 'print JSON')).action(async (o: Remote) => {
    const list = await client(o).get('/positions/latest', LatestPositions);
    if (o.json) return print(JSON.stringify(list, null, 2));
    if (list.length === 0) return print('No positions you may see.');
    for (const p of list) print(`${p.movementId}  ${p.deviceId.padEnd(14)} ${(p.vehicle ?? '').padEnd(12)} ${p.at ?? '–'}  ${p.lat ?? ''} ${p.lon ?? ''}  last seen ${p.lastSeen ?? '–'}`);
  });
}
