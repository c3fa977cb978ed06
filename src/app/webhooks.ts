import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { authorize, isAllowed, type Actor } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import { OPEN_POLICY, refusalOfClass, webhookAddressRefusal, type AddressRefusal, type WebhookAddressPolicy } from '../domain/ip-address.js';
import type { DeliveryView, WebhookInput, WebhookView } from '../schemas/incident.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { nowIso, type Deps, type Unit } from './deps.js';
import { readEvents, type StoredEvent } from './events.js';
import { appendLog } from './log.js';
import { assertEventFilter, deliverable, eventEnvelope } from './webhook-events.js';

type SubRow = DB['webhook_subscriptions'];
type DeliveryRow = DB['webhook_deliveries'];

/** Where this server itself is reachable, so a subscription cannot point back at it. */
export interface SelfAddress {
  /** `host:port` pairs the request reached us by (the Host header), lower case. */
  readonly hostPorts: readonly string[];
  /** The port the server listens on (for loopback and unspecified addresses). */
  readonly localPort?: number | undefined;
  /** Its other listeners' ports on this machine (the OsmAnd listener), refused like localPort. */
  readonly otherLocalPorts?: readonly number[];
  /** Local IP addresses of the listening socket. */
  readonly localAddresses?: readonly string[];
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);
// Where a receiver may live is a domain rule (src/domain/ip-address.ts): link-local addresses
// (169.254.169.254, fd00:ec2::254, fe80::…, where a cloud host's metadata service answers and
// would hand its credentials to whoever subscribed), unspecified, multicast and broadcast ones are
// always refused; loopback, private and shared (CGNAT) ones when the operator says so
// (`passage serve --refuse-private-webhooks`). Addresses written in the URL are judged here and
// again before each delivery (sendWith); a name by the sender's own lookup (guardedLookup), on the
// very addresses it would connect to.
export type { WebhookAddressPolicy } from '../domain/ip-address.js';
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata.google.internal.', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
// Addresses that reach this machine. node:net's BlockList also matches an IPv4-mapped IPv6
// address (`[::ffff:127.0.0.1]`, which URL writes as `[::ffff:7f00:1]`) against the IPv4 rules.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('0.0.0.0', 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** `localhost` and its subdomains, which resolve to this machine (RFC 6761). */
function isLoopbackName(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.endsWith('.localhost') || host.endsWith('.localhost.');
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackName(h)) return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** An IPv4-mapped IPv6 address as its IPv4 form, to compare with the socket's own addresses. */
function unmapped(address: string): string {
  const h = address.replace(/^\[|\]$/g, '').toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) return dotted[1] as string;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (hex) {
    const [a, b] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)];
    return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
  }
  return h;
}

/** A receiver's URL must be http(s), carry no credentials, not point at this server, nor at an address the policy refuses. */
export function assertWebhookUrl(raw: string, self: SelfAddress, policy: WebhookAddressPolicy = OPEN_POLICY): string {
  let url: URL;
  const bad = (message: string): never => {
    throw new DomainError('validation_failed', message, { details: [{ path: '/url', message }] });
  };
  try {
    url = new URL(raw);
  } catch {
    return bad(`the webhook URL is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(`the webhook URL must be http or https, not ${url.protocol.replace(':', '')}`);
  if (url.username || url.password) bad('the webhook URL must not carry credentials; use the signing secret');
  const host = url.hostname.toLowerCase();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const hostPort = `${host}:${port}`;
  const selfHere = self.hostPorts.map((h) => h.toLowerCase()).includes(hostPort);
  const ownPort = (self.localPort !== undefined && port === self.localPort) || (self.otherLocalPorts ?? []).includes(port);
  const selfLocal = ownPort && (isLoopback(host) || (self.localAddresses ?? []).map(unmapped).includes(unmapped(host)));
  if (selfHere || selfLocal) bad('the webhook URL points at this Passage server itself; give the receiver’s own address');
  const bare = host.replace(/^\[|\]$/g, '');
  if (METADATA_NAMES.has(bare)) bad(`the webhook URL points at a link-local address (${bare}), where a cloud host's metadata service answers, not a receiver`);
  const refused = webhookAddressRefusal(bare, policy) ?? (isLoopbackName(bare) ? refusalOfClass('loopback', policy) : undefined);
  if (refused) bad(`the webhook URL points at ${bare}, ${refused.reason}`);
  return url.toString();
}

export function newSecret(deps: Deps): string {
  return `whsec_${Buffer.from(deps.randomBytes(24)).toString('base64')}`;
}

/** Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's bytes. */
export function signWebhook(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

function toView(r: SubRow, withSecret = false): WebhookView {
  return {
    id: r.id,
    partyId: r.party_id,
    memberId: r.member_id,
    url: r.url,
    types: JSON.parse(r.types) as string[],
    corridorId: r.corridor_id,
    description: r.description,
    active: r.disabled_at === null,
    ...(withSecret ? { secret: r.secret } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}


async function loadSub(tx: Tx, actor: Actor, id: string): Promise<SubRow> {
  const r = await tx.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || !isAllowed(actor, 'webhook.read', { partyId: r.party_id })) throw new DomainError('not_found', `no webhook subscription with id ${id}`);
  return r;
}

async function latestEventId(tx: Tx): Promise<number> {
  const r = await tx.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  return Number(r?.m ?? 0);
}

/** A subscription's corridor must exist: one naming no corridor would wait forever for events. */
async function assertCorridorExists(tx: Tx, corridorId: string | null | undefined): Promise<void> {
  if (corridorId === null || corridorId === undefined) return;
  const found = await tx.selectFrom('corridors').select('id').where('id', '=', corridorId).executeTakeFirst();
  if (!found) throw new DomainError('validation_failed', `there is no corridor ${corridorId}: a subscription to it would never receive an event`, { details: [{ path: '/corridorId', message: 'no such corridor' }] });
}

/**
 * Subscribes a receiver. It gets events from now on (ids after the newest at creation), each
 * as its owner's party may see it. The secret is shown once, in this answer.
 */
export async function createWebhook(u: Unit, actor: Actor, input: WebhookInput, self: SelfAddress, policy: WebhookAddressPolicy = OPEN_POLICY): Promise<WebhookView> {
  authorize(actor, 'webhook.manage', { partyId: actor.partyId });
  const url = assertWebhookUrl(input.url, self, policy);
  assertEventFilter(input.types, '/types');
  await assertCorridorExists(u.tx, input.corridorId);
  const id = u.deps.newId('whk');
  const now = nowIso(u.deps);
  const row: SubRow = {
    id,
    party_id: actor.partyId,
    party_kind: actor.partyKind,
    member_id: actor.memberId,
    url,
    secret: input.secret ?? newSecret(u.deps),
    types: JSON.stringify(input.types),
    corridor_id: input.corridorId,
    description: input.description,
    cursor: await latestEventId(u.tx),
    created_at: now,
    updated_at: now,
    disabled_at: null,
  };
  await u.tx.insertInto('webhook_subscriptions').values(row).execute();
  // Restricted: a party's receiver, its filter and its words are its own (and the mediator's), not
  // every member's; the log holds a commitment its party can open (log-openings.ts).
  await appendLog(u, { actor: actor.memberId, action: 'webhook.subscribed', subject: `webhook/${id}`, payload: { webhookId: id, partyId: actor.partyId, types: input.types, corridorId: input.corridorId }, restricted: true });
  return toView(row, true);
}

export async function listWebhooks(tx: Tx, actor: Actor): Promise<WebhookView[]> {
  const rows = await tx.selectFrom('webhook_subscriptions').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.filter((r) => isAllowed(actor, 'webhook.read', { partyId: r.party_id })).map((r) => toView(r));
}

export async function getWebhook(tx: Tx, actor: Actor, id: string): Promise<WebhookView> {
  return toView(await loadSub(tx, actor, id));
}

export async function updateWebhook(
  u: Unit,
  actor: Actor,
  id: string,
  patch: { url?: string | undefined; types?: string[] | undefined; corridorId?: string | null | undefined; description?: string | undefined; active?: boolean | undefined },
  self: SelfAddress,
  policy: WebhookAddressPolicy = OPEN_POLICY,
): Promise<WebhookView> {
  const r = await loadSub(u.tx, actor, id);
  authorize(actor, 'webhook.manage', { partyId: r.party_id });
  const now = nowIso(u.deps);
  const set: Partial<SubRow> = { updated_at: now };
  if (patch.url !== undefined) set.url = assertWebhookUrl(patch.url, self, policy);
  if (patch.types !== undefined) {
    assertEventFilter(patch.types, '/types');
    set.types = JSON.stringify(patch.types);
  }
  if (patch.corridorId !== undefined) {
    await assertCorridorExists(u.tx, patch.corridorId);
    set.corridor_id = patch.corridorId;
  }
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.active === false && r.disabled_at === null) set.disabled_at = now;
  if (patch.active === true && r.disabled_at !== null) set.disabled_at = null;
  await u.tx.updateTable('webhook_subscriptions').set(set).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'webhook.changed', subject: `webhook/${id}`, payload: { webhookId: id, ...patch }, restricted: true });
  return getWebhook(u.tx, actor, id);
}

/**
 * Gives a subscription a new signing secret (`POST /webhooks/{id}/rotate-secret`), shown once in
 * this answer, as at creation: every delivery sent from its commit on — retries of earlier events
 * too — is signed with it. The old one stops signing at once (a leaked secret is the usual reason).
 */
export async function rotateWebhookSecret(u: Unit, actor: Actor, id: string): Promise<WebhookView> {
  const r = await loadSub(u.tx, actor, id);
  authorize(actor, 'webhook.manage', { partyId: r.party_id });
  const now = nowIso(u.deps);
  const secret = newSecret(u.deps);
  await u.tx.updateTable('webhook_subscriptions').set({ secret, updated_at: now }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'webhook.secret_rotated', subject: `webhook/${id}`, payload: { webhookId: id }, restricted: true });
  return toView({ ...r, secret, updated_at: now }, true);
}

/**
 * Stops a subscription's deliveries (DELETE): the subscription and its delivery log are kept, and
 * `PATCH {active: true}` resumes it. Stopping one already stopped changes and logs nothing; it
 * answers the subscription as it is, so a retried DELETE is harmless with or without an
 * Idempotency-Key.
 */
export async function stopWebhook(u: Unit, actor: Actor, id: string): Promise<WebhookView> {
  const r = await loadSub(u.tx, actor, id);
  authorize(actor, 'webhook.manage', { partyId: r.party_id });
  if (r.disabled_at !== null) return toView(r);
  return updateWebhook(u, actor, id, { active: false }, { hostPorts: [] });
}

function deliveryView(d: DeliveryRow): DeliveryView {
  return {
    id: d.id,
    subscriptionId: d.subscription_id,
    eventId: Number(d.event_id),
    eventType: d.event_type,
    state: d.state as DeliveryView['state'],
    attempts: Number(d.attempts),
    nextAttemptAt: d.state === 'pending' ? d.next_attempt_at : null,
    lastStatus: d.last_status === null ? null : Number(d.last_status),
    lastError: d.last_error,
    lastAttemptAt: d.last_attempt_at,
    createdAt: d.created_at,
    deliveredAt: d.delivered_at,
  };
}

/** The delivery log of one subscription, newest first. */
export async function listDeliveries(tx: Tx, actor: Actor, id: string, limit = 100): Promise<DeliveryView[]> {
  await loadSub(tx, actor, id);
  const rows = await tx.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', id).orderBy('event_id', 'desc').limit(limit).execute();
  return rows.map(deliveryView);
}

// ---- delivery from the outbox ---------------------------------------------------------------

/** Back-off after the n-th failed attempt: 1 s, 2 s, 4 s, … capped at 5 minutes; it never gives up. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}

export const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Copies new outbox events into each active subscription's delivery queue (visible to its
 * party and matching its filter). The cursor moves by compare-and-set, and (subscription,
 * event) is unique, so several processes never queue an event twice.
 */
export async function enqueueDeliveries(deps: Deps): Promise<number> {
  const subs = await deps.store.db.selectFrom('webhook_subscriptions').selectAll().where('disabled_at', 'is', null).execute();
  let queued = 0;
  for (const s of subs) {
    const cursor = Number(s.cursor);
    const events = await readEvents(deps.store.db, cursor, 500);
    const last = events[events.length - 1];
    if (!last) continue;
    const viewer = { partyId: s.party_id, partyKind: s.party_kind as Actor['partyKind'] };
    const filter = { types: JSON.parse(s.types) as string[], corridorId: s.corridor_id };
    const wanted = events.filter((e) => deliverable(viewer, filter, e));
    await deps.store.transaction(async (tx) => {
      const moved = await tx.updateTable('webhook_subscriptions').set({ cursor: last.id }).where('id', '=', s.id).where('cursor', '=', cursor).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return;
      const now = nowIso(deps);
      for (const e of wanted) {
        await tx
          .insertInto('webhook_deliveries')
          .values({ id: deps.newId('dlv'), subscription_id: s.id, event_id: e.id, event_type: e.type, state: 'pending', attempts: 0, next_attempt_at: now, lease_until: null, last_status: null, last_error: null, last_attempt_at: null, created_at: now, delivered_at: null })
          .execute();
        queued++;
      }
    });
  }
  return queued;
}

export interface Sender {
  (url: string, init: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<{ status: number }>;
}

type ResolveAll = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** The error a refused address gives the sender: ELINKLOCAL for a metadata service's, EADDRESSREFUSED for the others. */
function refusedError(message: string, refusal: AddressRefusal): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(message);
  e.code = refusal.addressClass === 'link-local' || refusal.addressClass === 'cloud-metadata' ? 'ELINKLOCAL' : 'EADDRESSREFUSED';
  return e;
}

/**
 * The sender's DNS lookup: it resolves the webhook's host name and refuses, with an error naming
 * it, when any address is one the policy refuses (link-local, unspecified, multicast, broadcast;
 * loopback, private and shared ones too under --refuse-private-webhooks). The HTTP client connects
 * to an address this lookup returned, so a name cannot point at a cloud host's metadata service or
 * the internal network between a check and the connection (DNS rebinding): the check is the
 * lookup itself. Addresses written in the URL are never looked up: sendWith judges those.
 */
export function guardedLookup(resolve: ResolveAll = dnsLookup as ResolveAll, policy: WebhookAddressPolicy = OPEN_POLICY): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      for (const a of addresses) {
        const refusal = webhookAddressRefusal(a.address, policy);
        if (refusal) return callback(refusedError(`${hostname} resolves to the ${refusal.name} ${a.address} (${refusal.ranges}), ${refusal.why}: not sent`, refusal), '');
      }
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs one delivery with node:http(s) (not fetch, whose lookup cannot be replaced), following
 * no redirect. Only the status matters: the receiver's body is not read. An address written in
 * the URL, which no lookup sees, is judged by `policy` first: a subscription made before the
 * operator refused private receivers (or before a rule existed) is not sent to either.
 */
export function sendWith(lookup: LookupFunction, policy: WebhookAddressPolicy = OPEN_POLICY): Sender {
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      const refusal = webhookAddressRefusal(literal, policy);
      if (refusal) return reject(refusedError(`${literal} is ${refusal.reason}: not sent`, refusal));
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(target, { method: 'POST', headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) }, lookup, signal: init.signal }, (res) => {
        resolve({ status: res.statusCode ?? 0 });
        res.destroy();
      });
      req.on('error', (err) => reject(init.signal.aborted ? init.signal.reason : err));
      req.end(init.body);
    });
}

/** The sender `passage serve` delivers with, under the operator's address policy. */
export function webhookSender(policy: WebhookAddressPolicy = OPEN_POLICY): Sender {
  return sendWith(guardedLookup(undefined, policy), policy);
}

export const fetchSender: Sender = webhookSender(OPEN_POLICY);

/**
 * Attempts the head of each subscription's queue whose time has come, at most one in flight per
 * subscription (so deliveries arrive in order), each under a lease so two processes do not send
 * it at once. Returns the attempts started; `inFlight` tracks them for the caller.
 */
export async function dispatchDeliveries(deps: Deps, inFlight: Map<string, Promise<void>>, send: Sender = fetchSender, keepGoing: () => boolean = () => true): Promise<number> {
  const db = deps.store.db;
  const subs = await db.selectFrom('webhook_subscriptions').selectAll().where('disabled_at', 'is', null).execute();
  let started = 0;
  for (const s of subs) {
    if (inFlight.has(s.id)) continue;
    const head = await claimNext(deps, s.id);
    if (!head) continue;
    started++;
    // Nobody awaits a run until the server stops: a failure (a database error) is reported here,
    // not left to end the process as an unhandled rejection; the lease lets a later run retry.
    const p = drain(deps, s, head, send, keepGoing)
      .catch((e: unknown) => void process.stderr.write(`passage webhooks: deliveries to subscription ${s.id} stopped: ${(e as Error)?.message ?? String(e)}\n`))
      .finally(() => inFlight.delete(s.id));
    inFlight.set(s.id, p);
  }
  return started;
}

/** Deliveries one subscription sends in a row before the next tick looks again. */
const MAX_IN_A_ROW = 200;

/**
 * Sends a subscription's due deliveries one after another, in order, while they succeed: one per
 * scheduler tick held a busy subscriber to four events a second, and a backlog after an outage
 * took far longer to clear than it took to build. A failure stops the run (its back-off decides
 * when the next try is), as does `keepGoing()` turning false (the server stopping).
 */
async function drain(deps: Deps, s: SubRow, first: DeliveryRow, send: Sender, keepGoing: () => boolean): Promise<void> {
  let d: DeliveryRow | undefined = first;
  let sub: SubRow | undefined = s;
  for (let n = 0; d !== undefined && sub !== undefined && n < MAX_IN_A_ROW; n++) {
    if (!(await attempt(deps, sub, d, send)) || !keepGoing()) return;
    // Re-read between deliveries: a subscription disabled or given a new URL or secret meanwhile.
    sub = await deps.store.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', s.id).where('disabled_at', 'is', null).executeTakeFirst();
    d = sub === undefined ? undefined : await claimNext(deps, s.id);
  }
}

/** The subscription's oldest pending delivery, if due, leased to this process; else undefined. */
async function claimNext(deps: Deps, subscriptionId: string): Promise<DeliveryRow | undefined> {
  const db = deps.store.db;
  const head = await db.selectFrom('webhook_deliveries').selectAll().where('subscription_id', '=', subscriptionId).where('state', '=', 'pending').orderBy('event_id').limit(1).executeTakeFirst();
  if (!head) return undefined;
  const now = deps.now();
  if (Date.parse(head.next_attempt_at) > now) return undefined;
  const leaseUntil = new Date(now + ATTEMPT_TIMEOUT_MS + 5_000).toISOString();
  const nowText = new Date(now).toISOString();
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set({ lease_until: leaseUntil })
    .where('id', '=', head.id)
    .where('state', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowText)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1 ? head : undefined;
}

/** One attempt at one delivery; whether it was delivered. */
async function attempt(deps: Deps, s: SubRow, d: DeliveryRow, send: Sender): Promise<boolean> {
  const events = await readEvents(deps.store.db, Number(d.event_id) - 1, 1);
  const e: StoredEvent | undefined = events[0];
  let status: number | null = null;
  let error: string | null = null;
  if (e && e.id === Number(d.event_id)) {
    const body = JSON.stringify(eventEnvelope(e));
    const msgId = `msg_${e.id}`;
    const ts = Math.floor(deps.now() / 1000);
    try {
      const res = await send(s.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Passage-Webhooks/1',
          'webhook-id': msgId,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(s.secret, msgId, ts, body),
        },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      status = res.status;
      if (status < 200 || status >= 300) error = `the receiver answered ${status}`;
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : `cannot reach the receiver${code ? ` (${code})` : ''}: ${(err as Error).message}`;
    }
  } else {
    error = 'the event is missing from the outbox';
  }
  const now = deps.now();
  const attempts = Number(d.attempts) + 1;
  const ok = error === null;
  await deps.store.db
    .updateTable('webhook_deliveries')
    .set({
      state: ok ? 'delivered' : 'pending',
      attempts,
      last_status: status,
      last_error: error,
      last_attempt_at: new Date(now).toISOString(),
      next_attempt_at: new Date(ok ? now : now + backoffMs(attempts)).toISOString(),
      lease_until: null,
      delivered_at: ok ? new Date(now).toISOString() : null,
    })
    .where('id', '=', d.id)
    .execute();
  return ok;
}
