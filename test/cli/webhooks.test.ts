import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers.js';
import { run, startDemoServer, type DemoServer } from './spawn.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage webhooks … through the built CLI and a real server`, () => {
    let ds: DemoServer;
    const webhooks = (args: string[], key: string | null = 'ua-liaison') => run(['webhooks', ...args, '--url', ds.server.url, ...(key === null ? [] : ['--token', ds.token(key)])], { PASSAGE_TOKEN: '' }, ds.dir);

    beforeAll(async () => {
      ds = await startDemoServer(engine, 'webhooks-cli');
    }, 60_000);
    afterAll(async () => ds?.stop());

    it('rotate-secret prints the new secret once and says the old one stops working', async () => {
      const added = webhooks(['add', 'https://example.org/hooks/passage', '--json']);
      expect(added.code, added.err).toBe(0);
      const sub = JSON.parse(added.out) as { id: string; secret: string };
      expect(sub.secret).toMatch(/^whsec_/);

      const r = webhooks(['rotate-secret', sub.id]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      const secrets = [...r.out.matchAll(/whsec_[A-Za-z0-9+/=]+/g)].map((m) => m[0]);
      expect(secrets).toHaveLength(1);
      expect(secrets[0]).not.toBe(sub.secret);
      expect(r.out).toContain(`Replaced the signing secret of ${sub.id} (https://example.org/hooks/passage).`);
      expect(r.out).toContain(`New signing secret (shown once, keep it secret): ${secrets[0]}`);
      expect(r.out).toMatch(/The old secret stops working now/);
      // Shown once: the subscription as listed carries no secret.
      const listed = JSON.parse(webhooks(['list', '--json']).out) as { id: string; secret?: string }[];
      expect(listed.find((w) => w.id === sub.id)?.secret).toBeUndefined();

      // --json: the subscription with its new secret, as the API answers it.
      const j = webhooks(['rotate-secret', sub.id, '--json']);
      expect(j.code, j.err).toBe(0);
      const view = JSON.parse(j.out) as { id: string; secret: string };
      expect(view.id).toBe(sub.id);
      expect(view.secret).toMatch(/^whsec_/);
      expect(view.secret).not.toBe(secrets[0]);

    });

    it('after rotate-secret, the server signs deliveries with the printed secret, not the old one', async () => {
      const got: { headers: IncomingMessage['headers']; body: string }[] = [];
      const rx = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          got.push({ headers: req.headers, body });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => rx.listen(0, '127.0.0.1', ok));
      try {
        const added = webhooks(['add', `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`, '--types', 'incident.*', '--json']);
        expect(added.code, added.err).toBe(0);
        const old = (JSON.parse(added.out) as { secret: string }).secret;
        const r = webhooks(['rotate-secret', (JSON.parse(added.out) as { id: string }).id]);
        expect(r.code, r.err).toBe(0);
        const fresh = /New signing secret \(shown once, keep it secret\): (whsec_\S+)/.exec(r.out)?.[1] ?? '';
        const res = await fetch(`${ds.server.url}/api/v1/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ds.token('ua-liaison')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-03-08T10:00:00Z', description: 'Shelling near Lokhvytsia' }),
        });
        expect(res.status).toBe(201);
        const end = Date.now() + 15_000;
        while (got.length === 0 && Date.now() < end) await new Promise((ok) => setTimeout(ok, 50));
        expect(got.length).toBeGreaterThan(0);
        const g = got[0]!;
        const sign = (secret: string) => `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${String(g.headers['webhook-id'])}.${String(g.headers['webhook-timestamp'])}.${g.body}`).digest('base64')}`;
        expect(JSON.parse(g.body).type).toBe('incident.reported');
        expect(g.headers['webhook-signature']).toBe(sign(fresh));
        expect(g.headers['webhook-signature']).not.toBe(sign(old));
      } finally {
        await new Promise<void>((ok) => rx.close(() => ok()));
      }
    }, 30_000);

    it('rotate-secret refuses an unknown id, another party’s subscription, the wrong role and no token, with one line and a non-zero exit', () => {
      const added = webhooks(['add', 'https://example.org/hooks/other', '--json']);
      expect(added.code, added.err).toBe(0);
      const { id } = JSON.parse(added.out) as { id: string };
      const cases: [string, string[], string | null, number, RegExp][] = [
        ['unknown id', ['rotate-secret', 'whk_nosuch'], 'ua-liaison', 4, /^passage: no webhook subscription with id whk_nosuch \(not_found\)\n$/],
        ['another party’s', ['rotate-secret', id], 'ru-liaison', 4, new RegExp(`^passage: no webhook subscription with id ${id} \\(not_found\\)\\n$`)],
        ['the mediator, who may read but not manage it', ['rotate-secret', id], 'mediator-liaison', 3, /^passage: .*\(forbidden\)\n$/],
        ['no token', ['rotate-secret', id], null, 3, /^passage: no API token: pass --token or set PASSAGE_TOKEN \(unauthenticated\)\n$/],
      ];
      for (const [what, args, key, code, err] of cases) {
        for (const json of [[], ['--json']]) {
          const r = webhooks([...args, ...json], key);
          expect(r.code, `${what}: ${r.err}`).toBe(code);
          expect(r.out, what).toBe('');
          expect(r.err, what).toMatch(err);
        }
      }
      const missing = run(['webhooks', 'rotate-secret']);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/missing required argument 'id'/);
      expect(run(['webhooks', 'rotate-secret', '--help']).out).toMatch(/Usage: passage webhooks rotate-secret \[options\] <id>/);
    });

    it('serve --refuse-private-webhooks (or PASSAGE_REFUSE_PRIVATE_WEBHOOKS=1) refuses private receivers when subscribing and when delivering', async () => {
      // Without it, a receiver on this machine or the internal network may be subscribed; a
      // link-local one (a cloud host's metadata service) never.
      const meta = webhooks(['add', 'http://169.254.169.254/latest/meta-data/']);
      expect(meta.code).toBe(2);
      expect(meta.out).toBe('');
      expect(meta.err).toMatch(/^passage: the webhook URL points at 169\.254\.169\.254, a link-local address \(169\.254\.0\.0\/16, fe80::\/10\), where a cloud host's metadata service answers, not a receiver \(validation_failed\)\n$/);
      const got: string[] = [];
      const rx = createServer((req, res) => {
        got.push(req.url ?? '');
        res.writeHead(204).end();
      });
      await new Promise<void>((ok) => rx.listen(0, '127.0.0.1', ok));
      try {
        const port = (rx.address() as AddressInfo).port;
        const added = webhooks(['add', `http://127.0.0.1:${port}/private`, '--types', 'incident.*', '--json']);
        expect(added.code, added.err).toBe(0);
        const { id } = JSON.parse(added.out) as { id: string };

        await ds.restart({ args: ['--refuse-private-webhooks'] });
        expect(ds.server.output()).toMatch(/Webhooks to loopback, private and shared \(CGNAT\) addresses are refused/);
        for (const [url, re] of [
          ['http://10.0.0.5/hook', /points at 10\.0\.0\.5, a private address \(RFC 1918 .*\), refused by this server \(--refuse-private-webhooks\) \(validation_failed\)/],
          [`http://127.0.0.1:${port}/again`, /points at 127\.0\.0\.1, a loopback address/],
          ['http://100.64.1.2/', /a shared address \(carrier-grade NAT, 100\.64\.0\.0\/10\)/],
        ] as const) {
          const r = webhooks(['add', url]);
          expect(r.code, url).toBe(2);
          expect(r.out, url).toBe('');
          expect(r.err, url).toMatch(re);
        }
        // The subscription made before is not sent to either: the attempt fails, and says why.
        const res = await fetch(`${ds.server.url}/api/v1/incidents`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ds.token('ua-liaison')}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-03-08T10:00:00Z', description: 'Shelling near Lokhvytsia' }),
        });
        expect(res.status).toBe(201);
        let log = '';
        for (const end = Date.now() + 15_000; Date.now() < end && !/attempts [1-9]/.test(log); await new Promise((ok) => setTimeout(ok, 200))) log = webhooks(['deliveries', id]).out;
        expect(log).toMatch(/incident\.reported\s+PENDING\s+attempts \d+\s+last: cannot reach the receiver \(EADDRESSREFUSED\): 127\.0\.0\.1 is a loopback address .*refused by this server \(--refuse-private-webhooks\): not sent/);
        expect(got).toEqual([]);

        // The environment variable does the same; a value that is neither yes nor no is refused.
        await ds.restart({ env: { PASSAGE_REFUSE_PRIVATE_WEBHOOKS: '1' } });
        expect(webhooks(['add', 'http://192.168.1.1/']).err).toMatch(/a private address/);
        const bad = run(['serve', '--port', '0', '--osmand-port', '0', '--db', ds.db], { PASSAGE_REFUSE_PRIVATE_WEBHOOKS: 'maybe', DATABASE_URL: '' }, ds.dir, 30_000);
        expect(bad.code).toBe(2);
        expect(bad.err).toMatch(/^passage: PASSAGE_REFUSE_PRIVATE_WEBHOOKS must be 1 or 0 .*not "maybe"\n$/);
        // Back to the default: the private receiver gets what it missed.
        await ds.restart();
        for (const end = Date.now() + 15_000; Date.now() < end && got.length === 0; ) await new Promise((ok) => setTimeout(ok, 100));
        expect(got).toEqual(['/private']);
      } finally {
        await new Promise<void>((ok) => rx.close(() => ok()));
      }
    }, 90_000);
  });
}
