import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Deps } from '../../app/deps.js';
import { publicRoutes } from './public.js';

/** The package's root: the nearest directory above this module holding Passage's package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'passage') return dir;
      } catch {
        /* keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.cwd();
}

/** Where `npm run build:web` puts the operations app: dist/web (PASSAGE_WEB_ROOT overrides). */
export function webRoot(): string {
  return resolve(process.env.PASSAGE_WEB_ROOT ?? join(packageRoot(), 'dist', 'web'));
}

/** Optional raster tiles behind the offline basemap (e.g. a local tile server); none by default. */
export interface WebConfig {
  readonly tileUrl: string | null;
  readonly tileAttribution: string;
}

export function webConfig(): WebConfig {
  const url = process.env.PASSAGE_TILE_URL?.trim();
  return { tileUrl: url ? url : null, tileAttribution: process.env.PASSAGE_TILE_ATTRIBUTION ?? '' };
}

function cspFor(cfg: WebConfig): string {
  let tiles = '';
  if (cfg.tileUrl) {
    try {
      tiles = ` ${new URL(cfg.tileUrl.replace(/\{[a-z]\}/g, '0')).origin}`;
    } catch {
      tiles = '';
    }
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${tiles}`,
    `connect-src 'self'${tiles}`,
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Passage</title></head>
<body><main><h1>Passage</h1><p>The operations app has not been built: run <code>npm run build:web</code> (the API is at <a href="/api/docs">/api/docs</a>; the public page at <a href="/public">/public</a>).</p></main></body></html>`;

/** The operations app (Vite build in dist/web, at / and /app/*) and the public page (/public). */
export async function webRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const root = webRoot();
  const cfg = webConfig();
  const csp = cspFor(cfg);
  publicRoutes(app, deps, { webRoot: root });

  app.get('/app/config.json', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('cache-control', 'no-cache');
    return { ...cfg, demo: (await deps.store.db.selectFrom('settings').select('value').where('key', '=', 'demo_loaded').executeTakeFirst()) !== undefined };
  });

  const indexPath = join(root, 'index.html');
  const built = existsSync(indexPath);
  const sendIndex = (reply: FastifyReply): FastifyReply => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', csp).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    // Read on each request: a rebuilt app is served without a restart.
    return reply.send(existsSync(indexPath) ? readFileSync(indexPath) : NOT_BUILT);
  };

  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      // One route per built file (not a catch-all), so unknown paths stay problem+json 404s.
      wildcard: false,
      index: false,
      serve: true,
      // The build writes .br and .gz beside each file; served to clients that accept them.
      preCompressed: true,
      // Our own Cache-Control below: hashed assets are immutable, everything else revalidates.
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('x-content-type-options', 'nosniff');
        res.setHeader('vary', 'accept-encoding');
        if (/[\\/]assets[\\/]/.test(path)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    });
  }
  for (const path of ['/', '/app', '/app/', '/app/*']) {
    // A built file of that name (none today) would already own the route.
    if (app.hasRoute({ method: 'GET', url: path })) continue;
    app.get(path, { schema: { hide: true } }, async (_req, reply) => sendIndex(reply));
  }
}
