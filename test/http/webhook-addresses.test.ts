import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dispatchDeliveries, enqueueDeliveries, guardedLookup, sendWith, webhookSender } from '../../src/app/webhooks.js';
import { buildServer } from '../../src/http/server.js';
import { api, ENGINES, guaranteedCorridor, json, makeWorld } from '../helpers.js';

/** A receiver on 127.0.0.1 that counts what reaches it. */
async function receiver(): Promise<{ port: number; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(204).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: (server.address() as AddressInfo).port, hits: () => hits, server };
}

async function drainOnce(deps: Parameters<typeof dispatchDeliveries>[0], send: Parameters<typeof dispatchDeliveries>[2]): Promise<void> {
  const inFlight = new Map<string, Promise<void>>();
  await enqueueDeliveries(deps);
  await dispatchDeliveries(deps, inFlight, send);
  await Promise.all(inFlight.values());
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: webhook target addresses`, () => {
    it('always refuses unspecified, multicast, broadcast and link-local addresses at subscription, however written; private ones pass by default', async () => {
      const w = await makeWorld(engine);
      try {
        const post = (url: string) => api(w.app, w.ua.liaison.token).post('/webhooks', { url });
        for (const [url, re] of [
          ['http://0.0.0.0:8081/', /unspecified address \(0\.0\.0\.0\/8/],
          ['http://0.1.2.3/', /unspecified address/],
          ['http://[::]:8081/', /unspecified address/],
          ['http://224.0.0.1/', /multicast address/],
          ['http://[ff02::1]/', /multicast address/],
          ['http://255.255.255.255/', /broadcast address/],
          ['http://[::ffff:224.0.0.251]/', /multicast address/],
          ['http://[::ffff:0.0.0.0]/', /unspecified address/],
          ['http://[64:ff9b::a9fe:a9fe]/', /link-local address/],
          ['http://[fd00:ec2::254]/', /metadata service/],
          // WHATWG URL reads these as 169.254.169.254.
          ['http://2852039166/', /link-local address \(169\.254\.169\.254\)|link-local address/],
          ['http://0xa9.0xfe.0xa9.0xfe/', /link-local address/],
        ] as const) {
          const res = await post(url);
          expect(res.statusCode, url).toBe(400);
          expect(res.headers['content-type'], url).toMatch(/application\/problem\+json/);
          const body = json(res);
          expect(body.detail, url).toMatch(re);
          expect(body.errors?.[0]?.path ?? body.details?.[0]?.path, url).toBe('/url');
        }
        for (const url of ['http://127.0.0.1:9/', 'http://10.0.0.5/hook', 'http://[fd12::1]/', 'http://100.64.0.1/', 'http://localhost:9/', 'https://example.org/hook']) {
          const res = await post(url);
          expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
        }
      } finally {
        await w.close();
      }
    });

    it('with refusePrivateWebhooks, refuses loopback, private and shared addresses at subscription and on PATCH with a 400 naming the class', async () => {
      const w = await makeWorld(engine);
      const strict = await buildServer(w.deps, { refusePrivateWebhooks: true });
      try {
        const post = (url: string) => api(strict, w.ua.liaison.token).post('/webhooks', { url });
        for (const [url, re] of [
          ['http://127.0.0.1:9/', /loopback address/],
          ['http://[::1]:9/', /loopback address/],
          ['http://localhost:9/', /loopback/],
          ['http://hooks.localhost/', /loopback/],
          ['http://10.1.2.3/', /private address/],
          ['http://172.16.0.1/', /private address/],
          ['http://192.168.1.10:8080/hook', /private address/],
          ['http://[fd12:3456::1]/', /private address/],
          ['http://[::ffff:10.0.0.1]/', /private address/],
          ['http://100.64.0.1/', /shared address \(carrier-grade NAT/],
          ['http://192.0.2.1/', /documentation address/],
          // Always refused, as without the option.
          ['http://169.254.169.254/latest/meta-data/', /link-local address/],
        ] as const) {
          const res = await post(url);
          expect(res.statusCode, url).toBe(400);
          expect(res.headers['content-type'], url).toMatch(/application\/problem\+json/);
          expect(json(res).detail, url).toMatch(re);
        }
        const ok = await post('https://example.org/hook');
        expect(ok.statusCode, ok.body).toBe(201);
        const id = json(ok).id as string;
        const patch = await strict.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ url: 'http://10.0.0.7/' }) });
        expect(patch.statusCode, patch.body).toBe(400);
        expect(json(patch).detail).toMatch(/private address/);
        expect(json(await api(strict, w.ua.liaison.token).get(`/webhooks/${id}`)).url).toBe('https://example.org/hook');
        // The same server without the option accepts it.
        expect((await api(w.app, w.ua.liaison.token).post('/webhooks', { url: 'http://10.1.2.3/' })).statusCode).toBe(201);
      } finally {
        await strict.close();
        await w.close();
      }
    });

    it('at delivery, an address refused by the policy is not connected to: the attempt fails with the reason in the delivery log', async () => {
      const w = await makeWorld(engine);
      const rx = await receiver();
      try {
        const id = await guaranteedCorridor(w);
        w.clock.set('2022-03-08T10:05:00Z');
        // Made while private receivers were allowed: one written as an address, one as a name.
        const byAddress = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: `http://127.0.0.1:${rx.port}/hook` }));
        const byName = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: `http://localhost:${rx.port}/hook` }));
        expect(byAddress.id && byName.id).toBeTruthy();
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/suspend`, { reason: 'x' });
        await drainOnce(w.deps, webhookSender({ refusePrivate: true }));
        expect(rx.hits()).toBe(0);
        for (const [sub, re] of [
          [byAddress, /127\.0\.0\.1 is a loopback address .*--refuse-private-webhooks.*: not sent/],
          [byName, /localhost resolves to the loopback address (127\.0\.0\.1|::1) .*--refuse-private-webhooks.*: not sent/],
        ] as const) {
          const log = json(await api(w.app, w.ua.viewer.token).get(`/webhooks/${sub.id}/deliveries`));
          expect(log).toHaveLength(1);
          expect(log[0]).toMatchObject({ state: 'pending', attempts: 1, lastStatus: null });
          expect(log[0].lastError).toMatch(re);
        }
        // The same deliveries go out once the server allows private receivers again.
        w.clock.ms += 60_000;
        await drainOnce(w.deps, webhookSender({ refusePrivate: false }));
        expect(rx.hits()).toBe(2);
        // A subscription stored before addresses were checked (here: written straight into the
        // store) pointing at an always-refused address fails at delivery, with or without the option.
        const sub = json(await api(w.app, w.ua.liaison.token).post('/webhooks', { url: 'https://example.org/hook' }));
        await w.store.db.updateTable('webhook_subscriptions').set({ url: `http://0.0.0.0:${rx.port}/` }).where('id', '=', sub.id).execute();
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${id}/resume`, { reason: 'y' });
        await drainOnce(w.deps, webhookSender({ refusePrivate: false }));
        const log = json(await api(w.app, w.ua.viewer.token).get(`/webhooks/${sub.id}/deliveries`));
        expect(log[0]).toMatchObject({ state: 'pending', attempts: 1 });
        expect(log[0].lastError).toMatch(/0\.0\.0\.0 is an unspecified address/);
        expect(rx.hits()).toBe(4); // the two other subscriptions got the resumption
      } finally {
        await new Promise<void>((ok) => rx.server.close(() => ok()));
        await w.close();
      }
    });
  });
}

describe('the sender’s lookup applies the address policy to every address a name resolves to', () => {
  const fake =
    (...addresses: { address: string; family: number }[]) =>
    (_h: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) =>
      cb(null, addresses);
  const send = (lookup: ReturnType<typeof guardedLookup>, port: number, policy = { refusePrivate: false }) => sendWith(lookup, policy)(`http://hooks.example:${port}/`, { headers: {}, body: '{}', signal: AbortSignal.timeout(2000) });

  it('refuses private ones only under the option, and multicast, broadcast and unspecified ones always', async () => {
    const rx = await receiver();
    try {
      const strict = { refusePrivate: true };
      for (const a of [{ address: '10.0.0.1', family: 4 }, { address: '100.64.0.9', family: 4 }, { address: 'fd00::5', family: 6 }, { address: '::ffff:192.168.0.1', family: 6 }]) {
        await expect(send(guardedLookup(fake(a) as never, strict), rx.port, strict), a.address).rejects.toMatchObject({ code: 'EADDRESSREFUSED', message: new RegExp(`resolves to the \\w+ address ${a.address.replace(/\./g, '\\.')} `) });
      }
      for (const a of [{ address: '224.0.0.1', family: 4 }, { address: '255.255.255.255', family: 4 }, { address: '0.0.0.0', family: 4 }, { address: 'ff05::2', family: 6 }]) {
        await expect(send(guardedLookup(fake(a) as never), rx.port), a.address).rejects.toMatchObject({ code: 'EADDRESSREFUSED' });
      }
      // One refused address among several refuses the name: the client could connect to any of them.
      await expect(send(guardedLookup(fake({ address: '127.0.0.1', family: 4 }, { address: '10.9.9.9', family: 4 }) as never, strict), rx.port, strict)).rejects.toMatchObject({ code: 'EADDRESSREFUSED' });
      expect(rx.hits()).toBe(0);
      // Without the option, a private address is sent to.
      await expect(send(guardedLookup(fake({ address: '127.0.0.1', family: 4 }) as never), rx.port)).resolves.toEqual({ status: 204 });
      expect(rx.hits()).toBe(1);
    } finally {
      await new Promise<void>((ok) => rx.server.close(() => ok()));
    }
  });
});
