import type { LightMyRequestResponse } from 'fastify';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../src/http/openapi.js';
import { buildServer } from '../../src/http/server.js';
import { Rfc3339 } from '../../src/schemas/common.js';
import { Evidence } from '../../src/schemas/incident.js';
import { api, json, makeWorld, sumyPoltava, type World } from '../helpers.js';

/** The OpenAPI document says what the server does: statuses, media types, headers, security. */
type Op = {
  parameters?: { in: string; name: string; required?: boolean; schema?: any; description?: string }[];
  requestBody?: { content: Record<string, { schema?: any }> };
  responses: Record<string, { content?: Record<string, { schema?: any }>; headers?: Record<string, unknown> }>;
  security?: unknown[];
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const ANONYMOUS = [
  'GET /api/v1/public/ledger.json',
  'GET /api/v1/rounds/print',
  'GET /api/v1/rounds/{id}/print',
  'GET /public/cap.atom',
  'GET /public/cap/{id}',
  'GET /public/corridors.ics',
  'GET /public/corridors.geojson',
  'GET /public/corridors.kml',
  'GET /public/corridors.csv',
];

describe('OpenAPI description tells the truth', () => {
  let w: World;
  let doc: any;
  let ops: Map<string, Op>;
  const op = (key: string): Op => {
    const o = ops.get(key);
    if (!o) throw new Error(`no operation ${key}`);
    return o;
  };
  const param = (key: string, name: string) => op(key).parameters?.find((p) => p.name === name);

  beforeAll(async () => {
    w = await makeWorld('sqlite');
    doc = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    ops = new Map();
    for (const [path, item] of Object.entries<Record<string, Op>>(doc.paths)) for (const m of METHODS) if (item[m]) ops.set(`${m.toUpperCase()} ${path}`, item[m]);
  });
  afterAll(async () => w?.close());

  /** The response is one the document declares: its status, media type and the headers it sends. */
  function conforms(key: string, res: LightMyRequestResponse): void {
    const declared = op(key).responses[String(res.statusCode)];
    expect(declared, `${key} answered ${res.statusCode}, undeclared`).toBeDefined();
    const type = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    expect(Object.keys(declared?.content ?? {}), `${key} ${res.statusCode}`).toContain(type);
    if (res.statusCode < 400) {
      for (const h of ['etag', 'location', 'idempotent-replayed', 'x-log-size', 'x-terms-version', 'x-protocol-version', 'content-disposition', 'cache-control']) {
        if (res.headers[h] !== undefined) expect(Object.keys(declared?.headers ?? {}), `${key} sends ${h}`).toContain(h);
      }
    }
  }

  it('serves the anonymous routes without a token, as it says', async () => {
    for (const key of ANONYMOUS) {
      const url = key.slice(4).replace('{id}', 'none');
      const res = await w.app.inject({ method: 'GET', url });
      expect([200, 404], key).toContain(res.statusCode);
    }
  });

  it('every per-operation fact names an operation that exists', () => {
    for (const key of Object.keys(OPERATIONS)) expect([...ops.keys()], key).toContain(key);
  });

  it('declares every problem as application/problem+json, and 401, 404, 400, 500 and 503 wherever they can happen', () => {
    for (const [key, o] of ops) {
      for (const [status, r] of Object.entries(o.responses)) {
        if (!status.startsWith('4') && !status.startsWith('5')) continue;
        expect(Object.keys(r.content ?? {}), `${key} ${status}`).toEqual(['application/problem+json']);
        expect(r.content?.['application/problem+json']?.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      // A wrong or revoked token is a 401 on every route, anonymous ones included.
      expect(o.responses['401'], key).toBeDefined();
      // Any operation can fail unexpectedly (the error handler's 500), or meet the server shutting down (503).
      expect(o.responses['500'], key).toBeDefined();
      expect(o.responses['503'], key).toBeDefined();
      expect(Object.keys(o.responses['503']?.headers ?? {}), key).toEqual(['retry-after']);
      if (key.includes('{')) expect(o.responses['404'], key).toBeDefined();
      if ((o.parameters?.length ?? 0) > 0 || o.requestBody) expect(o.responses['400'], key).toBeDefined();
      if (/^(POST|PATCH|DELETE) /.test(key)) {
        expect(o.responses['413'], key).toBeDefined();
        expect(o.responses['415'], key).toBeDefined();
      }
    }
  });

  it('declares Idempotency-Key, If-Match and Last-Event-ID where the server reads them, and 412/428 where it answers them', () => {
    // Every write goes through `write` (src/http/context.ts), which honours Idempotency-Key, but
    // these two: a batch of fixes is idempotent by nature, and a deconfliction check is a read.
    const notThroughWrite = ['POST /api/v1/positions', 'POST /api/v1/deconfliction/check'];
    const writes = [...ops.keys()].filter((key) => /^(POST|PUT|PATCH|DELETE) /.test(key));
    expect(writes).toContain('DELETE /api/v1/webhooks/{id}');
    for (const key of writes) {
      const o = op(key);
      const declared = o.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key') ?? false;
      const success = Object.entries(o.responses).find(([s]) => s.startsWith('2'))?.[1];
      expect(declared, key).toBe(!notThroughWrite.includes(key));
      expect(Object.keys(success?.headers ?? {}).includes('idempotent-replayed'), key).toBe(!notThroughWrite.includes(key));
      if (declared) expect(o.responses['422'], key).toBeDefined();
    }
    for (const key of ['POST /api/v1/corridors/{id}/amend', 'POST /api/v1/corridors/{id}/withdraw', 'POST /api/v1/corridors/{id}/reject']) {
      expect(param(key, 'If-Match')?.in, key).toBe('header');
      expect(op(key).responses['412'], key).toBeDefined();
    }
    expect(op('POST /api/v1/corridors/{id}/amend').responses['428']).toBeDefined();
    for (const kind of ['agenda-items', 'rounds', 'ledger/positions', 'statements', 'protocols']) {
      const key = `POST /api/v1/${kind}/{id}/corrections`;
      expect(param(key, 'If-Match')?.in, key).toBe('header');
      expect(op(key).responses['428'], key).toBeDefined();
    }
    expect(param('GET /api/v1/events', 'Last-Event-ID')?.in).toBe('header');
  });

  it('needs no token exactly where the server needs none', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    const anonymous = [...ops].filter(([, o]) => Array.isArray(o.security) && o.security.length === 0).map(([k]) => k);
    expect(anonymous.sort()).toEqual([...ANONYMOUS].sort());
  });

  it('declares the media types of answers that are not JSON, and the schemas of those that are', () => {
    const types: [string, string][] = [
      ['GET /api/v1/log/checkpoint', 'text/plain'],
      ['GET /api/v1/log/key', 'text/plain'],
      ['GET /api/v1/rounds/print', 'text/html'],
      ['GET /api/v1/rounds/{id}/print', 'text/html'],
      ['GET /api/v1/ledger/export.csv', 'text/csv'],
      ['GET /api/v1/exports/movements.csv', 'text/csv'],
      ['GET /api/v1/exports/incidents.csv', 'text/csv'],
      ['GET /public/corridors.csv', 'text/csv'],
      ['GET /api/v1/ceasefire-zones', 'application/geo+json'],
      ['GET /api/v1/exports/incidents.geojson', 'application/geo+json'],
      ['GET /api/v1/exports/movements.geojson', 'application/geo+json'],
      ['GET /public/corridors.geojson', 'application/geo+json'],
      ['GET /api/v1/movements/{id}/track', 'application/geo+json'],
      ['GET /api/v1/events', 'text/event-stream'],
      ['GET /public/cap.atom', 'application/atom+xml'],
      ['GET /public/cap/{id}', 'application/cap+xml'],
      ['GET /public/corridors.ics', 'text/calendar'],
      ['GET /public/corridors.kml', 'application/vnd.google-earth.kml+xml'],
    ];
    for (const [key, type] of types) expect(Object.keys(op(key).responses['200']?.content ?? {}), key).toEqual([type]);
    expect(op('GET /api/v1/movements/{id}/track').responses['200']?.content?.['application/geo+json']?.schema?.properties?.type).toBeDefined();
    expect(op('GET /api/v1/corridors/{id}/terms').responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/CorridorTerms' });
    expect(op('GET /api/v1/protocols/{id}/text').responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ProtocolText' });
    expect(op('GET /api/v1/deconfliction/explain').responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/DeconflictionExplanation' });
    expect(doc.components.schemas.DeconflictionExplanation.properties.corridors).toBeDefined();
    for (const key of ['POST /api/v1/corridors/{id}/guarantees', 'POST /api/v1/protocols/{id}/signatures']) {
      const content = op(key).requestBody?.content ?? {};
      expect(Object.keys(content).sort(), key).toEqual(['application/jose', 'application/json']);
      expect(content['application/jose']?.schema?.type).toBe('string');
      expect(content['application/json']?.schema?.properties?.jws).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain('"produces"');
  });

  it('declares the response headers the server sends', () => {
    const headers: [string, string, string[]][] = [
      ['POST /api/v1/corridors', '201', ['etag', 'location', 'idempotent-replayed']],
      ['GET /api/v1/corridors/{id}', '200', ['etag']],
      ['GET /api/v1/corridors/{id}/terms', '200', ['etag', 'x-terms-version']],
      ['POST /api/v1/corridors/{id}/amend', '200', ['etag', 'idempotent-replayed']],
      ['POST /api/v1/rounds', '201', ['etag', 'location']],
      ['GET /api/v1/rounds/{id}', '200', ['etag']],
      ['GET /api/v1/protocols/{id}', '200', ['etag']],
      ['GET /api/v1/protocols/{id}/text', '200', ['etag', 'x-protocol-version']],
      ['POST /api/v1/incidents', '201', ['location']],
      ['POST /api/v1/webhooks', '201', ['location']],
      ['GET /api/v1/log/checkpoint', '200', ['x-log-size', 'cache-control']],
      ['GET /api/v1/ledger/export.csv', '200', ['content-disposition']],
      ['GET /api/v1/ledger/export.json', '200', ['content-disposition']],
      ['GET /api/v1/exports/incidents.csv', '200', ['content-disposition']],
      ['GET /public/corridors.ics', '200', ['cache-control']],
    ];
    for (const [key, status, names] of headers) {
      for (const h of names) expect(Object.keys(op(key).responses[status]?.headers ?? {}), `${key} ${h}`).toContain(h);
    }
  });

  it('carries the bounds the server checks in query parameters and hand-parsed items', () => {
    expect(param('GET /api/v1/corridors/{id}/terms', 'version')?.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect(param('GET /api/v1/protocols/{id}/text', 'version')?.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect(param('GET /api/v1/webhooks/{id}/deliveries', 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(param('GET /api/v1/deconfliction/explain', 'lon')?.schema).toMatchObject({ type: 'number', minimum: -180, maximum: 180 });
    expect(param('GET /api/v1/deconfliction/explain', 'lat')?.schema).toMatchObject({ type: 'number', minimum: -90, maximum: 90 });
    const points = op('POST /api/v1/deconfliction/check').requestBody?.content['application/json']?.schema.properties.points;
    expect(points.maxItems).toBe(100_000);
    expect(points.items).toMatchObject({ type: 'object', required: ['lon', 'lat', 'at'], properties: { lon: { type: 'number', minimum: -180, maximum: 180 }, lat: { type: 'number', minimum: -90, maximum: 90 } } });
    const fixes = op('POST /api/v1/positions').requestBody?.content['application/json']?.schema.properties.fixes;
    expect(fixes.maxItems).toBe(10_000);
    expect(fixes.items).toMatchObject({ type: 'object', required: ['deviceId'], properties: { deviceId: { type: 'string', maxLength: 100 }, lat: { minimum: -90, maximum: 90 } } });
    const cap = param('GET /public/cap/{id}', 'id');
    expect(new RegExp(cap?.schema.pattern).test('12.xml')).toBe(true);
    expect(new RegExp(cap?.schema.pattern).test('12')).toBe(false);
  });

  it('answers as it says: a sample of real responses', async () => {
    const liaison = api(w.app, w.ua.liaison.token);
    const viewer = api(w.app, w.ua.viewer.token);
    const created = await liaison.post('/corridors', sumyPoltava(), { 'idempotency-key': 'k1' });
    conforms('POST /api/v1/corridors', created);
    conforms('POST /api/v1/corridors', await liaison.post('/corridors', sumyPoltava(), { 'idempotency-key': 'k1' }));
    conforms('POST /api/v1/corridors', await liaison.post('/corridors', sumyPoltava({ widthM: 3000 }), { 'idempotency-key': 'k1' }));
    conforms('POST /api/v1/corridors', await liaison.raw('POST', '/corridors', 'x', { 'content-type': 'text/plain' }));
    const id = json(created).id as string;
    conforms('GET /api/v1/corridors/{id}', await viewer.get(`/corridors/${id}`));
    conforms('GET /api/v1/corridors/{id}/terms', await viewer.get(`/corridors/${id}/terms`));
    conforms('GET /api/v1/corridors/{id}/terms', await viewer.get(`/corridors/${id}/terms?version=0`));
    conforms('GET /api/v1/corridors/{id}/terms', await viewer.get('/corridors/nope/terms'));
    conforms('GET /api/v1/corridors/{id}/terms', await api(w.app, undefined).get(`/corridors/${id}/terms`));
    conforms('POST /api/v1/corridors/{id}/amend', await liaison.post(`/corridors/${id}/amend`, { terms: sumyPoltava({ widthM: 2500 }) }));
    conforms('POST /api/v1/corridors/{id}/amend', await liaison.post(`/corridors/${id}/amend`, { terms: sumyPoltava({ widthM: 2500 }) }, { 'if-match': '"7"' }));
    conforms('GET /api/v1/log/checkpoint', await viewer.get('/log/checkpoint'));
    conforms('GET /api/v1/ceasefire-zones', await viewer.get('/ceasefire-zones'));
    conforms('GET /api/v1/deconfliction/explain', await viewer.get('/deconfliction/explain?lon=34&lat=50'));
    conforms('GET /api/v1/ledger/export.csv', await viewer.get('/ledger/export.csv'));
    conforms('GET /api/v1/rounds/print', await api(w.app, undefined).get('/rounds/print'));
    conforms('GET /api/v1/me', await api(w.app, 'psg_wrong').get('/me'));
    // DELETE honours Idempotency-Key as the document says; a check does not, and says so.
    const hook = json(await liaison.post('/webhooks', { url: 'https://example.org/hook' })).id as string;
    const del = (key: string, id = hook) => w.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'idempotency-key': key } });
    conforms('DELETE /api/v1/webhooks/{id}', await del('d1'));
    const replay = await del('d1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    conforms('DELETE /api/v1/webhooks/{id}', replay);
    conforms('DELETE /api/v1/webhooks/{id}', await del('d1', 'whk_other'));
    const check = (key: string) => viewer.post('/deconfliction/check', { points: [{ lon: 34, lat: 50, at: '2022-03-08T10:00:00Z' }] }, { 'idempotency-key': key });
    expect((await check('c1')).statusCode).toBe(200);
    const again = await check('c1');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    conforms('POST /api/v1/deconfliction/check', again);
    for (const path of ['/public/cap.atom', '/public/corridors.ics', '/public/corridors.geojson', '/public/corridors.kml', '/public/corridors.csv']) {
      const res = await w.app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
      conforms(`GET ${path}`, res);
    }
    conforms('GET /public/cap/{id}', await w.app.inject({ method: 'GET', url: '/public/cap/999.xml' }));
    conforms('GET /public/corridors.csv', await w.app.inject({ method: 'GET', url: '/public/corridors.csv', headers: { authorization: 'Bearer psg_wrong' } }));
  });

  it('answers an unexpected failure as the 500 it declares, logged with its stack for the mediator, and a request while shutting down as the 503', async () => {
    // The store gone from under a running server: every request fails, as problem details.
    const broken = await makeWorld('sqlite');
    const logged: string[] = [];
    const server = await buildServer(broken.deps, { logStream: { write: (line) => void logged.push(line) } });
    try {
      await broken.store.close();
      for (const [key, url, token] of [
        ['GET /api/v1/corridors', '/api/v1/corridors', broken.ua.viewer.token],
        ['POST /api/v1/webhooks', '/api/v1/webhooks', broken.ua.liaison.token],
        ['GET /public/corridors.geojson', '/public/corridors.geojson', undefined],
      ] as const) {
        const res = await server.inject({ method: key.startsWith('POST') ? 'POST' : 'GET', url, headers: token ? { authorization: `Bearer ${token}`, 'content-type': 'application/json' } : {}, ...(key.startsWith('POST') ? { payload: '{"url":"https://example.org/h"}' } : {}) });
        expect(res.statusCode, key).toBe(500);
        expect(json(res)).toMatchObject({ status: 500, code: 'internal_error' });
        // The answer says only that it was logged; the log has what went wrong, with its stack.
        expect(json(res).detail).not.toContain('destroyed');
        conforms(key, res);
      }
      const errors = logged.map((l) => JSON.parse(l)).filter((l) => l.level === 50);
      expect(errors).toHaveLength(3);
      for (const e of errors) {
        expect(e).toMatchObject({ msg: 'unhandled error', err: { message: 'driver has already been destroyed' } });
        expect(e.err.stack).toMatch(/^Error: driver has already been destroyed\n\s+at /);
        expect(e.reqId).toEqual(expect.any(String));
      }
    } finally {
      await server.close();
      await broken.app.close();
    }

    // A request that arrives on a kept-alive connection while the server closes.
    const app = await buildServer(w.deps);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (base: string, path: string, token?: string) =>
      new Promise<LightMyRequestResponse>((resolve, reject) => {
        const req = request(`${base}${path}`, { agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) } as unknown as LightMyRequestResponse));
        });
        req.on('error', reject);
        req.end();
      });
    let during: LightMyRequestResponse | undefined;
    let base = '';
    app.addHook('preClose', async () => {
      during = await get(base, '/api/v1/corridors', w.ua.viewer.token);
    });
    try {
      base = await app.listen({ port: 0, host: '127.0.0.1' });
      expect((await get(base, '/api/v1/corridors', w.ua.viewer.token)).statusCode).toBe(200);
    } finally {
      await app.close();
      agent.destroy();
    }
    expect(during?.statusCode).toBe(503);
    expect(JSON.parse(during?.body ?? '{}')).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(during?.headers['retry-after']).toBe('1');
    conforms('GET /api/v1/corridors', during as LightMyRequestResponse);
  });

  it('writes date-time and digest patterns the server and the document read alike', () => {
    const dateTime = doc.components.schemas.CorridorTermsInput.properties.windows.items.properties.start.pattern as string;
    for (const s of ['2026-11-27t06:35:44z', '2026-11-27T06:35:44Z', '2026-11-27T08:35:44.5+02:00']) {
      expect(new RegExp(dateTime, 'u').test(s), s).toBe(true);
      expect(Rfc3339.safeParse(s).success, s).toBe(true);
    }
    const sha = doc.components.schemas.IncidentInput.properties.evidence.items.properties.sha256.pattern as string;
    const upper = 'AB'.repeat(32);
    expect(new RegExp(sha, 'u').test(upper)).toBe(true);
    expect(Evidence.shape.sha256.safeParse(upper).success).toBe(true);
  });
});
