import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tickWindows } from '../../src/app/scheduler.js';
import { publicBaseUrl } from '../../src/http/public-url.js';
import { buildServer } from '../../src/http/server.js';
import { guaranteedCorridor, makeWorld, type World } from '../helpers.js';
import { run } from '../cli/spawn.js';

/**
 * The feeds' absolute links (Atom ids and links, CAP <web>, the calendar's URL) come from the
 * configured public URL or the server's own address — never from the Host header a request sends,
 * which would plant another site's links in feeds that readers and proxies cache.
 */

async function withAlert(w: World): Promise<void> {
  await guaranteedCorridor(w);
  w.clock.set('2022-03-08T06:00:00Z');
  await tickWindows(w.deps);
  w.clock.set('2022-03-08T07:00:01Z');
  expect(await tickWindows(w.deps)).toBe(1); // one CAP alert: opened
}

/** A GET over a real socket with the Host header given (fetch would send its own). */
function getWithHost(port: number, path: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every absolute URL in the Atom index, the alert it links and the calendar, asked for with `host`. */
async function links(port: number, host: string): Promise<string[]> {
  const atom = await getWithHost(port, '/public/cap.atom', host);
  const alert = /<link rel="alternate" type="application\/cap\+xml" href="[^"]*(\/public\/cap\/\d+\.xml)"/.exec(atom)?.[1];
  expect(alert).toBeDefined();
  const cap = await getWithHost(port, alert ?? '', host);
  const ics = (await getWithHost(port, '/public/corridors.ics', host)).replace(/\r\n[ \t]/g, '');
  return [...`${atom}${cap}${ics}`.matchAll(/https?:\/\/[^"<\s]+/g)].map((m) => m[0]).filter((u) => !u.startsWith('http://www.w3.org/') && !u.startsWith('http://www.opengis.net/'));
}

describe('publicBaseUrl', () => {
  it('keeps the origin and a path prefix, drops trailing slashes; refuses anything but a plain http(s) address', () => {
    expect(publicBaseUrl('https://corridors.example.org')).toBe('https://corridors.example.org');
    expect(publicBaseUrl('https://example.org/passage/')).toBe('https://example.org/passage');
    expect(publicBaseUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
    for (const bad of ['ftp://example.org', 'example.org', 'https://example.org/?a=1', 'https://example.org/#x', 'https://example.org/?', 'https://u:p@example.org', 'javascript:alert(1)']) expect(() => publicBaseUrl(bad), bad).toThrow(TypeError);
  });
});

describe('the feeds’ absolute links', () => {
  it('ignore a forged Host header: they name the server’s own listening address', async () => {
    const w = await makeWorld('sqlite');
    try {
      await withAlert(w);
      await w.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (w.app.server.address() as { port: number }).port;
      const found = await links(port, 'evil.example');
      expect(found.length).toBeGreaterThanOrEqual(5);
      for (const u of found) expect(u, u).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/public`));
    } finally {
      await w.close();
    }
  });

  it('use --public-url, with its path prefix, whatever the Host header says', async () => {
    const w = await makeWorld('sqlite');
    const app = await buildServer(w.deps, { publicUrl: 'https://example.org/passage/' });
    try {
      await withAlert(w);
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as { port: number }).port;
      const found = await links(port, 'evil.example');
      expect(found).toContain('https://example.org/passage/public/cap.atom');
      expect(found).toContain('https://example.org/passage/public');
      for (const u of found) expect(u, u).toMatch(/^https:\/\/example\.org\/passage\/public/);
      await expect(buildServer(w.deps, { publicUrl: 'https://example.org/?x=1' })).rejects.toThrow(/query string/);
    } finally {
      await app.close();
      await w.close();
    }
  });

  it('`passage serve --public-url` (or PUBLIC_URL) refuses what is not a plain http(s) address, exit 2, before opening anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'passage-public-url-'));
    for (const [args, env, why] of [
      [['--public-url', 'ftp://example.org'], {}, /--public-url must be an http:\/\/ or https:\/\/ URL/],
      [['--public-url', 'https://example.org/p?x=1'], {}, /--public-url must not have a query string or a fragment/],
      [[], { PUBLIC_URL: 'not a url' }, /--public-url is not a URL/],
    ] as const) {
      for (const command of ['serve', 'start']) {
        const r = run([command, '--port', '0', '--osmand-port', '0', '--db', join(dir, 'p.db'), ...args], { ...env });
        expect(r.code, `${command} ${args.join(' ')} ${r.err}`).toBe(2);
        expect(r.err).toMatch(why);
      }
    }
  });
});
