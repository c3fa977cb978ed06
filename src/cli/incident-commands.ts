import type { Command } from 'commander';
import type { z } from 'zod';
import { parseDecimal, parseWholeNumber } from './options.js';
import { CliError } from './errors.js';
import type { CliKit } from './kit.js';
import { CorridorDetail, Deliveries, Incident, Incidents, Webhook, Webhooks } from './responses.js';

type Remote = { url: string; token?: string; timeout?: string; json?: boolean };
type IncidentView = z.infer<typeof Incident>;

const list = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');


function incidentLine(i: IncidentView): string {
  const where = i.geometry.type === 'Point' && 'coordinates' in i.geometry ? `${i.geometry.coordinates[1].toFixed(4)}°N ${i.geometry.coordinates[0].toFixed(4)}°E` : 'polygon';
  const corridors = i.corridorIds.length > 0 ? ` corridors: ${i.corridorIds.join(', ')}` : ' no corridor';
  return `${i.id}  ${i.state.toUpperCase().padEnd(9)} ${i.occurredAt}  ${i.kind} (${i.severity}) at ${where};${corridors}${i.disputes.length > 0 ? `; ${i.disputes.length} dispute(s)` : ''}\n    ${i.description}`;
}

/** `passage incidents …`, `passage webhooks …` (issue 6). */
export function registerIncidentCommands(program: Command, kit: CliKit): void {
  const { remote, client, print } = kit;
  const incidents = program.command('incidents').description('incidents: report, list, confirm or dismiss (the mediator)');

  remote(
    incidents
      .command('report')
      .description('report an incident at a point; it is matched to the corridors whose ceasefire held there and then')
      .requiredOption('--kind <kind>', 'shelling, small_arms_fire, air_strike, mine_uxo, obstruction, detention or other')
      .requiredOption('--lon <longitude>', 'longitude, WGS 84')
      .requiredOption('--lat <latitude>', 'latitude, WGS 84')
      .requiredOption('--at <time>', 'when it happened, RFC 3339 with offset')
      .requiredOption('--description <text>', 'what happened')
      .option('--severity <severity>', 'minor, moderate, severe or extreme', 'severe')
      .option('--evidence <sha256,…>', 'SHA-256 (hex) of evidence files kept elsewhere, comma-separated')
      .option('--killed <n>', 'people killed, if known')
      .option('--injured <n>', 'people injured, if known')
      .option('--distribution <party,…>', 'only these parties (besides yours and the mediator) may see it')
      .option('--json', 'print JSON'),
  ).action(async (o: Remote & { kind: string; lon: string; lat: string; at: string; description: string; severity: string; evidence?: string; killed?: string; injured?: string; distribution?: string }) => {
    const count = (v: string, name: string): number => parseWholeNumber(v, name, 0, Number.MAX_SAFE_INTEGER);
    const casualties = o.killed !== undefined || o.injured !== undefined ? { ...(o.killed !== undefined ? { killed: count(o.killed, '--killed') } : {}), ...(o.injured !== undefined ? { injured: count(o.injured, '--injured') } : {}) } : null;
    const body = {
      kind: o.kind,
      severity: o.severity,
      geometry: { type: 'Point', coordinates: [parseDecimal(o.lon, '--lon', -180, 180), parseDecimal(o.lat, '--lat', -90, 90)] },
      occurredAt: o.at,
      description: o.description,
      evidence: list(o.evidence).map((sha256) => ({ sha256 })),
      casualties,
      distribution: o.distribution === undefined ? null : list(o.distribution),
    };
    const i = await client(o).post('/incidents', body, Incident);
    if (o.json) return print(JSON.stringify(i, null, 2));
    print(`Reported incident ${i.id} (${i.kind}, ${i.severity}); ${i.corridorIds.length > 0 ? `it hit the ceasefire zone of ${i.corridorIds.join(', ')}` : 'no corridor’s ceasefire zone held there and then'}. It awaits the mediator’s confirmation.`);
  });

  remote(
    incidents
      .command('list')
      .description('incidents your party may see')
      .option('--state <state>', 'reported, confirmed or dismissed')
      .option('--corridor <id>', 'only those matched to this corridor')
      .option('--json', 'print JSON'),
  ).action(async (o: Remote & { state?: string; corridor?: string }) => {
    for (const [k, v] of [['--state', o.state], ['--corridor', o.corridor]] as const) if (v !== undefined && v.trim() === '') throw new CliError(`${k} must not be empty: leave the option out to list every incident`, 2);
    const q = new URLSearchParams({ ...(o.state !== undefined ? { state: o.state } : {}), ...(o.corridor !== undefined ? { corridor: o.corridor } : {}) }).toString();
    const items = await client(o).get(`/incidents${q ? `?${q}` : ''}`, Incidents);
    if (o.json) return print(JSON.stringify(items, null, 2));
    if (items.length === 0) return print('No incidents you may see.');
    for (const i of items) print(incidentLine(i));
  });

  for (const action of ['confirm', 'dismiss'] as const) {
    remote(
      incidents
        .command(`${action} <id>`)
        .description(action === 'confirm' ? 'confirm an incident (the mediator); corridors whose policy says so are suspended at once' : 'dismiss an incident (the mediator)')
        .requiredOption('--reason <text>', 'why')
        .option('--json', 'print JSON'),
    ).action(async (id: string, o: Remote & { reason: string }) => {
      const c = client(o);
      const i = await c.post(`/incidents/${encodeURIComponent(id)}/${action}`, { reason: o.reason }, Incident);
      if (o.json) return print(JSON.stringify(i, null, 2));
      if (action === 'dismiss') return print(`Dismissed incident ${i.id}.`);
      print(`Confirmed incident ${i.id} (${i.kind}).`);
      for (const cid of i.corridorIds) {
        const view = await c.get(`/corridors/${encodeURIComponent(cid)}`, CorridorDetail);
        const s = view.suspensions.find((x) => i.suspensionIds.includes(x.id));
        print(s ? `  Suspended "${view.title}" (${cid}) since ${s.since}: ${s.reason}` : `  "${view.title}" (${cid}) is ${view.state}; its policy leaves suspension to the mediator, or it was not in force.`);
      }
    });
  }

  const webhooks = program.command('webhooks').description('webhook subscriptions: add, list, rotate the secret, and the delivery log');
  remote(
    webhooks
      .command('add <url>')
      .description('subscribe a receiver (http or https); prints the signing secret once')
      .option('--types <type,…>', 'event types or prefixes such as corridor.*; default all')
      .option('--corridor <id>', 'only events about this corridor')
      .option('--description <text>', 'a note for your colleagues')
      .option('--json', 'print JSON'),
  ).action(async (url: string, o: Remote & { types?: string; corridor?: string; description?: string }) => {
    const w = await client(o).post('/webhooks', { url, types: list(o.types), corridorId: o.corridor ?? null, description: o.description ?? '' }, Webhook);
    if (o.json) return print(JSON.stringify(w, null, 2));
    print(`Subscribed ${w.id} → ${w.url} (${w.types.length > 0 ? w.types.join(', ') : 'all events'}${w.corridorId ? `, corridor ${w.corridorId}` : ''}).`);
    print(`Signing secret (shown once, keep it secret): ${w.secret ?? ''}`);
  });
  remote(webhooks.command('list').description('your party’s subscriptions').option('--json', 'print JSON')).action(async (o: Remote) => {
    const items = await client(o).get('/webhooks', Webhooks);
    if (o.json) return print(JSON.stringify(items, null, 2));
    if (items.length === 0) return print('No webhook subscriptions.');
    for (const w of items) print(`${w.id}  ${w.active ? 'ACTIVE ' : 'STOPPED'}  ${w.url}  ${w.types.length > 0 ? w.types.join(',') : '*'}${w.corridorId ? `  corridor ${w.corridorId}` : ''}`);
  });
  remote(
    webhooks
      .command('rotate-secret <id>')
      .description('replace a subscription’s signing secret (a leaked one); prints the new secret once, and the old one stops working at once')
      .option('--json', 'print JSON'),
  ).action(async (id: string, o: Remote) => {
    const w = await client(o).post(`/webhooks/${encodeURIComponent(id)}/rotate-secret`, {}, Webhook);
    if (o.json) return print(JSON.stringify(w, null, 2));
    print(`Replaced the signing secret of ${w.id} (${w.url}).`);
    print(`New signing secret (shown once, keep it secret): ${w.secret ?? ''}`);
    print('The old secret stops working now: every delivery from now on, retries of earlier events included, is signed with the new one; give it to your receiver.');
  });
  remote(webhooks.command('deliveries <id>').description('the delivery log of a subscription, newest first').option('--json', 'print JSON')).action(async (id: string, o: Remote) => {
    const items = await client(o).get(`/webhooks/${encodeURIComponent(id)}/deliveries`, Deliveries);
    if (o.json) return print(JSON.stringify(items, null, 2));
    if (items.length === 0) return print('No deliveries yet.');
    for (const d of items) {
      const last = d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '');
      print(`event ${d.eventId}  ${d.eventType.padEnd(22)} ${d.state.toUpperCase().padEnd(9)} attempts ${d.attempts}${last ? `  last: ${last}` : ''}${d.state === 'pending' && d.nextAttemptAt ? `  next ${d.nextAttemptAt}` : ''}`);
    }
  });
}
