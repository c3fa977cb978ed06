import { startOsmandListener } from '../../src/http/osmand.js';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startScheduler } from '../../src/app/scheduler.js';
import { backoffMs, dispatchDeliveries, enqueueDeliveries, fetchSender, guardedLookup, sendWith } from '../../src/app/webhooks.js';
import { api, guaranteedCorridor, ENGINES, json, makeWorld, sumyPoltava } from '../helpers.js';

const shelling = { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-03-08T10:00:00Z', description: 'Shelling near Lokhvytsia' };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** A webhook receiver on a free local port; `mode` says how it answers. */
async function receiver(): Promise<{ url: string; got: Received[]; mode: { status: number; delayMs: number; arrived: number }; close: () => Promise<void>; server: Server }> {
  const got: Received[] = [];
  const mode = { status: 200, delayMs: 0, arrived: 0 };
  const server = createServer((req, res) => {
    mode.arrived += 1;
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      setTimeout(() => {
        if (mode.status === 200) got.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(mode.status).end();
      }, mode.delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, got, mode, server, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** Reads an SSE stream into parsed messages. */
function sse(url: string, token: string, headers: Record<string, string> = {}) {
  const messages: { id: string; event: string; data: any; at: number }[] = [];
  const ctrl = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: ctrl.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(': ')).map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
          if (f.data) messages.push({ id: f.id!, event: f.event!, data: JSON.parse(f.data), at: Date.now() });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { messages, close: async () => { ctrl.abort(); await done.catch(() => undefined); } };
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: events (SSE) and webhooks`, () => {
    it('a confirmed shelling report reaches a signed webhook and an SSE client within a second; Last-Event-ID resumes without loss', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      const url = await w.app.listen({ port: 0, host: '127.0.0.1' });
      w.clock.set('2022-03-08T10:05:00Z'); // mid-window: the scheduler starts its watermark here
      const stop = startScheduler(w.deps, { intervalMs: 50 });
      let stream: ReturnType<typeof sse> | undefined;
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        const sub = await api(w.app, w.ua.liaison.token).post('/webhooks', { url: rx.url, types: ['corridor.*', 'incident.confirmed'] });
        expect(sub.statusCode, sub.body).toBe(201);
        const { secret, id: subId } = json(sub);
        expect(secret).toMatch(/^whsec_/);
        expect(json(await api(w.app, w.ua.viewer.token).get('/webhooks'))[0].secret).toBeUndefined();
        const s = sse(`${url}/api/v1/events?corridor=${id}`, w.ru.viewer.token);
        stream = s;
        await new Promise((r) => setTimeout(r, 300));
        const inc = json(await api(w.app, w.aid.operator.token).post('/incidents', shelling));
        expect((await api(w.app, w.mediator.liaison.token).post(`/incidents/${inc.id}/confirm`, { reason: 'seen' })).statusCode).toBe(200);
        // How soon ("within a second", issue 6) is measured by `npm run bench -- --only=events`
        // (docs/benchmarks.md), not timed here.
        // Generous: on a busy machine the scheduler's passes and the deliveries queue behind other work.
        await until(() => rx.got.length >= 2 && s.messages.some((m) => m.event === 'corridor.suspended'), 30_000);
        // The webhook: in order, signed per Standard Webhooks.
        const bodies = rx.got.map((g) => JSON.parse(g.body));
        expect(bodies.map((b) => b.type)).toEqual(['corridor.suspended', 'incident.confirmed']);
        expect(bodies[0].data).toMatchObject({ corridorId: id, state: 'suspended' });
        expect(bodies[0].data.reason).toContain(inc.id);
        for (const g of rx.got) {
          const mid = String(g.headers['webhook-id']);
          const ts = String(g.headers['webhook-timestamp']);
          const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${mid}.${ts}.${g.body}`).digest('base64');
          expect(g.headers['webhook-signature']).toBe(`v1,${expected}`);
          expect(mid).toMatch(/^msg_\d+$/);
          expect(Math.abs(Number(ts) - Date.parse('2022-03-08T10:05:00Z') / 1000)).toBeLessThan(5);
        }
        // SSE: the corridor filter keeps the incident events about it; RU (not in any distribution) still sees corridor events.
        expect(s.messages.map((m) => m.event)).toEqual(['incident.reported', 'corridor.suspended', 'incident.confirmed']);
        await s.close();
        // Resume after the first message with Last-Event-ID: nothing lost, nothing repeated.
        const first = s.messages[0]!.id;
        const resumed = await fetch(`${url}/api/v1/events?follow=false&corridor=${id}`, { headers: { authorization: `Bearer ${w.ru.viewer.token}`, 'last-event-id': first } });
        const text = await resumed.text();
        expect([...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1])).toEqual(['corridor.suspended', 'incident.confirmed']);
        // The delivery log is visible to the subscriber's party.
        const log = json(await api(w.app, w.ua.viewer.token).get(`/webhooks/${subId}/deliveries`));
        expect(log.map((d: any) => [d.eventType, d.state, d.attempts, d.lastStatus])).toEqual([
          ['incident.confirmed', 'delivered', 1, 200],
          ['corridor.suspended', 'delivered', 1, 200],
        ]);
        expect((await api(w.app, w.ru.viewer.token).get(`/webhooks/${subId}/deliveries`)).statusCode).toBe(404);
      } finally {
        await stream?.close();
        await stop();
        await rx.close();
        await w.close();
      }
    }, 60_000);

    it('ends a stream whose token is revoked while it is open: nothing more reaches it', async () => {
      const w = await makeWorld(engine);
      const url = await w.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const issued = json(await api(w.app, w.ua.admin.token).post(`/members/${w.ua.viewer.memberId}/tokens`, { label: 'wall screen' }));
        const s = sse(`${url}/api/v1/events?types=corridor.*&lastEventId=0`, issued.token);
        await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ title: 'Before' }));
        await until(() => s.messages.some((m) => m.event === 'corridor.proposed'));
        expect((await api(w.app, w.ua.admin.token).post(`/tokens/${issued.id}/revoke`, {})).statusCode).toBe(200);
        await until(() => s.messages.some((m) => m.event === 'unauthenticated'), 5000);
        await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ title: 'After' }));
        await new Promise((r) => setTimeout(r, 600));
        expect(s.messages.filter((m) => m.event === 'corridor.proposed')).toHaveLength(1);
        await s.close();
      } finally {
        await w.close();
      }
    }, 20_000);

    it('SSE shows only what the member may see, filters by type, and needs a token', async () => {
      const w = await makeWorld(engine);
      try {
        w.clock.set('2022-03-08T10:05:00Z');
        await api(w.app, w.aid.operator.token).post('/incidents', { ...shelling, distribution: ['ua'] });
        await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava());
        const read = async (token: string, q = '') => (await w.app.inject({ method: 'GET', url: `/api/v1/events?follow=false&lastEventId=0${q}`, headers: { authorization: `Bearer ${token}` } })).body;
        expect(await read(w.ua.viewer.token)).toMatch(/event: incident\.reported[\s\S]*event: corridor\.proposed/);
        expect(await read(w.ru.viewer.token)).not.toMatch(/incident/);
        expect(await read(w.mediator.viewer.token)).toMatch(/incident\.reported/);
        expect(await read(w.ua.viewer.token, '&types=corridor.*')).not.toMatch(/incident/);
        expect((await w.app.inject({ method: 'GET', url: '/api/v1/events?follow=false' })).statusCode).toBe(401);
        expect((await w.app.inject({ method: 'GET', url: '/api/v1/events?follow=false', headers: { authorization: `Bearer ${w.ua.viewer.token}`, 'last-event-id': 'abc' } })).statusCode).toBe(400);
      } finally {
        await w.close();
      }
    });

    it('refuses a filter naming no event type with a 400 that lists them, and names the new name of an old alert', async () => {
      const w = await makeWorld(engine);
      try {
        const liaison = api(w.app, w.ua.liaison.token);
        for (const [types, path, says] of [
          [['movement.off_route'], '/types/0', /write movement\.alert\.off_route\b/],
          [['corridor.*', 'movement.arrived.cleared'], '/types/1', /write movement\.alert\.arrived\.cleared/],
          [['movement.stop*'], '/types/0', /no event type starts with movement\.stop.*write movement\.alert\.stop\*/],
          [['corridor.suspend'], '/types/0', /corridor\.suspend is not an event type/],
        ] as const) {
          const res = await liaison.post('/webhooks', { url: 'https://example.org/hook', types });
          expect(res.statusCode, String(types)).toBe(400);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          const p = json(res);
          expect(p.code).toBe('validation_failed');
          expect(p.detail, String(types)).toMatch(says);
          // …and it lists the types there are.
          expect(p.detail).toContain('corridor.suspended, ');
          expect(p.detail).toContain('movement.alert.off_route, ');
          expect(p.eventTypes).toContain('movement.alert.arrived');
          expect(p.errors.map((e: any) => e.path)).toEqual([path]);
        }
        expect(json(await liaison.get('/webhooks'))).toEqual([]);
        const ok = await liaison.post('/webhooks', { url: 'https://example.org/hook', types: ['movement.arrived', 'movement.alert.*', 'corridor.*', 'incident.confirmed'] });
        expect(ok.statusCode, ok.body).toBe(201);
        const id = json(ok).id as string;
        const patch = (types: string[]) => w.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ types }) });
        const refused = await patch(['movement.no_signal']);
        expect(refused.statusCode).toBe(400);
        expect(json(refused).detail).toMatch(/write movement\.alert\.no_signal\b/);
        expect(json(await liaison.get(`/webhooks/${id}`)).types).toEqual(['movement.arrived', 'movement.alert.*', 'corridor.*', 'incident.confirmed']);
        expect((await patch(['movement.alert.no_signal', 'movement.alert.no_signal.cleared'])).statusCode).toBe(200);
        // The same filter on the event stream.
        const stream = (q: string) => w.app.inject({ method: 'GET', url: `/api/v1/events?follow=false&types=${q}`, headers: { authorization: `Bearer ${w.ua.viewer.token}` } });
        const sse = await stream('corridor.*,movement.off_route');
        expect(sse.statusCode).toBe(400);
        expect(json(sse).detail).toMatch(/write movement\.alert\.off_route\b/);
        expect((await stream('corridor.*,movement.alert.off_route')).statusCode).toBe(200);
      } finally {
        await w.close();
      }
    });

    it('DELETE stops a subscription once: a retry with its Idempotency-Key replays the answer, one without writes nothing', async () => {
      const w = await makeWorld(engine);
      try {
        const id = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: 'https://example.org/hook' })).id as string;
        const del = (target: string, headers: Record<string, string> = {}, token = w.ua.liaison.token) => w.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${target}`, headers: { authorization: `Bearer ${token}`, ...headers } });
        const logged = async () => (await w.store.db.selectFrom('log_entries').select('action').where('subject', '=', `webhook/${id}`).orderBy('idx').execute()).map((r) => r.action);
        expect(await logged()).toEqual(['webhook.subscribed']);

        const first = await del(id, { 'idempotency-key': 'stop-1' });
        expect(first.statusCode, first.body).toBe(200);
        expect(json(first)).toMatchObject({ id, active: false });
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        expect(await logged()).toEqual(['webhook.subscribed', 'webhook.changed']);

        w.clock.ms += 60_000;
        const replay = await del(id, { 'idempotency-key': 'stop-1' });
        expect(replay.statusCode).toBe(200);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(json(replay)).toEqual(json(first));
        const reused = await del('whk_other', { 'idempotency-key': 'stop-1' });
        expect(reused.statusCode).toBe(422);
        expect(json(reused).code).toBe('idempotency_key_reused');

        // Without a key: the subscription is already stopped, so it is answered as it is and nothing is written.
        const again = await del(id);
        expect(again.statusCode).toBe(200);
        expect(json(again)).toEqual(json(first));
        expect(await logged()).toEqual(['webhook.subscribed', 'webhook.changed']);

        expect(json(await api(w.app, w.ua.viewer.token).get(`/webhooks/${id}`))).toMatchObject({ active: false });
        for (const [target, token, status] of [
          ['whk_none', w.ua.liaison.token, 404],
          [id, w.ru.liaison.token, 404],
          [id, w.ua.viewer.token, 403],
        ] as const) {
          const res = await del(target, {}, token);
          expect(res.statusCode, `${target} ${status}`).toBe(status);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      } finally {
        await w.close();
      }
    });

    it('refuses webhook URLs that are not http(s), point at the server itself or at a link-local address', async () => {
      const w = await makeWorld(engine);
      const url = await w.app.listen({ port: 0, host: '127.0.0.1' });
      const osmand = await startOsmandListener(w.deps, { host: '127.0.0.1', port: 0 });
      try {
        const port = new URL(url).port;
        const trackers = new URL(osmand?.address ?? '').port;
        const post = (u: string) => fetch(`${url}/api/v1/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: u }) });
        for (const [u, re] of [
          ['ftp://example.org/x', /http or https/],
          ['file:///etc/passwd', /http or https/],
          ['not a url', /not a URL/],
          [`http://127.0.0.1:${port}/api/v1/corridors`, /this Passage server itself/],
          [`http://localhost:${port}/`, /this Passage server itself/],
          [`http://[::1]:${port}/`, /this Passage server itself/],
          // IPv4-mapped IPv6, which URL rewrites as [::ffff:7f00:1]; and the server's tracker listener.
          [`http://[::ffff:127.0.0.1]:${port}/`, /this Passage server itself/],
          [`http://[::ffff:7f00:1]:${port}/`, /this Passage server itself/],
          [`http://127.0.0.1:${trackers}/`, /this Passage server itself/],
          ['http://user:pw@example.org/', /credentials/],
          // Link-local: a cloud host's metadata service, never a receiver.
          ['http://169.254.169.254/latest/meta-data/iam/security-credentials/', /link-local/],
          ['http://[fe80::1]/', /link-local/],
          ['http://[::ffff:169.254.169.254]/', /link-local/],
          ['http://metadata.google.internal/computeMetadata/v1/', /link-local/],
        ] as const) {
          const res = await post(u);
          expect(res.status, u).toBe(400);
          expect((await res.json()).detail, u).toMatch(re);
        }
        expect((await post('https://example.org/hooks/passage')).status).toBe(201);
        expect((await fetch(`${url}/api/v1/webhooks`, { method: 'POST', headers: { authorization: `Bearer ${w.ua.viewer.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.org/' }) })).status).toBe(403);
      } finally {
        await osmand?.close();
        await w.close();
      }
    });

    it('rotates a webhook secret: shown once, and every later delivery is signed with the new one; PATCH cannot set it', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        const sub = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: rx.url }));
        const fresh = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
        // PATCH {secret} was answered 200 and the secret silently kept.
        const patch = await w.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${sub.id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ secret: fresh }) });
        expect(patch.statusCode, patch.body).toBe(400);
        expect(json(patch).errors).toEqual([expect.objectContaining({ path: '/secret', code: 'unrecognized_keys' })]);
        expect((await api(w.app, w.ua.viewer.token).post(`/webhooks/${sub.id}/rotate-secret`)).statusCode).toBe(403);
        expect((await api(w.app, w.ru.liaison.token).post(`/webhooks/${sub.id}/rotate-secret`)).statusCode).toBe(404);
        const rot = await api(w.app, w.ua.liaison.token).post(`/webhooks/${sub.id}/rotate-secret`, {}, { 'idempotency-key': 'rotate-1' });
        expect(rot.statusCode, rot.body).toBe(200);
        const { secret } = json(rot);
        expect(secret).toMatch(/^whsec_/);
        expect(secret).not.toBe(sub.secret);
        expect(json(await api(w.app, w.ua.liaison.token).get(`/webhooks/${sub.id}`)).secret).toBeUndefined();
        // The secret is not kept for replay: a retry with the key is refused, not answered with it.
        const again = await api(w.app, w.ua.liaison.token).post(`/webhooks/${sub.id}/rotate-secret`, {}, { 'idempotency-key': 'rotate-1' });
        expect(again.statusCode, again.body).toBe(409);
        expect(again.body).not.toContain(secret);
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: 'after the rotation' });
        const inFlight = new Map<string, Promise<void>>();
        await enqueueDeliveries(w.deps);
        await dispatchDeliveries(w.deps, inFlight);
        await Promise.all(inFlight.values());
        expect(rx.got).toHaveLength(1);
        const g = rx.got[0]!;
        const sign = (key: string) => `v1,${createHmac('sha256', Buffer.from(key.slice(6), 'base64')).update(`${String(g.headers['webhook-id'])}.${String(g.headers['webhook-timestamp'])}.${g.body}`).digest('base64')}`;
        expect(g.headers['webhook-signature']).toBe(sign(secret));
        expect(g.headers['webhook-signature']).not.toBe(sign(sub.secret));
        const entries = await w.store.db.selectFrom('log_entries').select('action').where('subject', '=', `webhook/${sub.id}`).orderBy('idx').execute();
        expect(entries.map((e) => e.action)).toEqual(['webhook.subscribed', 'webhook.secret_rotated']);
      } finally {
        await rx.close();
        await w.close();
      }
    });

    it('a receiver down for an hour loses nothing: deliveries back off exponentially, then arrive in order', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        const { id: subId } = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: rx.url }));
        rx.mode.status = 503;
        for (let i = 0; i < 3; i++) {
          await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: `s${i}` });
          await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: `r${i}` });
        }
        const inFlight = new Map<string, Promise<void>>();
        await enqueueDeliveries(w.deps);
        const start = w.clock.ms;
        let attempts = 0;
        while (w.clock.ms - start < 3600_000) {
          attempts += await dispatchDeliveries(w.deps, inFlight);
          await Promise.all(inFlight.values());
          w.clock.ms += 30_000;
        }
        const log = json(await api(w.app, w.ua.viewer.token).get(`/webhooks/${subId}/deliveries`));
        expect(log).toHaveLength(6);
        expect(log.every((d: any) => d.state === 'pending')).toBe(true);
        const head = log[log.length - 1];
        expect(head.lastStatus).toBe(503);
        // Back-off: 1 s, 2 s, 4 s … capped at 5 minutes, so an hour is about 20 attempts, not 120.
        expect(head.attempts).toBeGreaterThan(10);
        expect(head.attempts).toBeLessThan(30);
        expect(attempts).toBe(head.attempts); // every attempt of the hour went to the head of the queue
        expect(log.slice(0, -1).every((d: any) => d.attempts === 0)).toBe(true); // later ones wait their turn
        expect(backoffMs(1)).toBe(1000);
        expect(backoffMs(4)).toBe(8000);
        expect(backoffMs(40)).toBe(300_000);
        rx.mode.status = 200;
        for (let i = 0; i < 20 && rx.got.length < 6; i++) {
          await dispatchDeliveries(w.deps, inFlight);
          await Promise.all(inFlight.values());
          w.clock.ms += 300_000;
        }
        expect(rx.got.map((g) => JSON.parse(g.body).data.reason)).toEqual(['s0', 'r0', 's1', 'r1', 's2', 'r2']);
      } finally {
        await rx.close();
        await w.close();
      }
    });

    it('sends a subscription’s due deliveries one after another, in order, not one per tick', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        await api(w.app, w.ua.liaison.token).post('/webhooks', { url: rx.url });
        for (let i = 0; i < 15; i++) {
          await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: `s${i}` });
          await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: `r${i}` });
        }
        await enqueueDeliveries(w.deps);
        const inFlight = new Map<string, Promise<void>>();
        expect(await dispatchDeliveries(w.deps, inFlight)).toBe(1); // one run for the one subscription…
        await Promise.all(inFlight.values());
        // …which sent the whole backlog, in order (one per 250 ms tick held a subscriber to 4 a second).
        expect(rx.got.map((g) => JSON.parse(g.body).data.reason)).toEqual(Array.from({ length: 15 }, (_, i) => [`s${i}`, `r${i}`]).flat());
      } finally {
        await rx.close();
        await w.close();
      }
    });

    it('a slow receiver does not slow the API', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      rx.mode.delayMs = 8000;
      const stop = startScheduler(w.deps, { intervalMs: 20 });
      try {
        const id = await guaranteedCorridor(w);
        await api(w.app, w.ua.liaison.token).post('/webhooks', { url: rx.url });
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: 'x' });
        await until(() => rx.mode.arrived > 0, 10_000); // the delivery is in flight, held by the receiver for 8 s
        for (let i = 0; i < 5; i++) expect((await api(w.app, w.ua.viewer.token).get(`/corridors/${id}`)).statusCode).toBe(200);
        expect((await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: 'y' })).statusCode).toBe(200);
        // Reads and a write were all answered while the delivery was still held: nothing waited for it.
        expect(rx.got).toHaveLength(0);
      } finally {
        rx.mode.delayMs = 0;
        rx.server.closeAllConnections();
        await stop();
        await rx.close();
        await w.close();
      }
    }, 20_000);
  });
}

describe('a webhook host name resolving to a link-local address', () => {
  const fake =
    (...addresses: { address: string; family: number }[]) =>
    (_h: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) =>
      cb(null, addresses);

  it('is refused by the lookup the sender connects with, so a rebinding name cannot slip past a check', async () => {
    let connected = 0;
    const metadata = createServer((_req, res) => {
      connected++;
      res.end('{"AccessKeyId":"secret"}');
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    const port = (metadata.address() as AddressInfo).port;
    try {
      // The name resolves to a public address first and to the metadata service the next time:
      // what the sender connects to is what its own lookup judged.
      let calls = 0;
      const rebinding = (_h: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) =>
        cb(null, [calls++ === 0 ? { address: '203.0.113.7', family: 4 } : { address: '169.254.169.254', family: 4 }]);
      const lookup = guardedLookup(rebinding as never);
      await new Promise<void>((r) => lookup('hooks.example', {}, () => r())); // the first answer, as a check before sending would see it
      const send = sendWith(lookup);
      await expect(send(`http://hooks.example:${port}/`, { headers: {}, body: '{}', signal: AbortSignal.timeout(2000) })).rejects.toMatchObject({ code: 'ELINKLOCAL', message: /link-local address 169\.254\.169\.254/ });
      // Any link-local address among several is refused, v4 or v6.
      const mixed = sendWith(guardedLookup(fake({ address: '127.0.0.1', family: 4 }, { address: 'fe80::1', family: 6 }) as never));
      await expect(mixed(`http://hooks.example:${port}/`, { headers: {}, body: '{}', signal: AbortSignal.timeout(2000) })).rejects.toMatchObject({ code: 'ELINKLOCAL' });
      expect(connected).toBe(0);
      // A name resolving to an ordinary address is sent to, with the body and headers given.
      const ok = sendWith(guardedLookup(fake({ address: '127.0.0.1', family: 4 }) as never));
      await expect(ok(`http://hooks.example:${port}/`, { headers: { 'webhook-id': 'msg_1' }, body: '{}', signal: AbortSignal.timeout(2000) })).resolves.toEqual({ status: 200 });
      expect(connected).toBe(1);
    } finally {
      await new Promise<void>((r) => metadata.close(() => r()));
    }
  });

  it('gives the real sender an error naming the cause when nothing listens, and stops at the time limit', async () => {
    await expect(fetchSender('http://localhost:9/', { headers: {}, body: '{}', signal: AbortSignal.timeout(2000) })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const t0 = Date.now();
      await expect(fetchSender(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { headers: {}, body: '{}', signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
