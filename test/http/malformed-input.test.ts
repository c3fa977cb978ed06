import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDeps } from '../../src/app/deps.js';
import { initialise } from '../../src/app/bootstrap.js';
import { loadDemo } from '../../src/demo/scenario.js';
import { buildServer } from '../../src/http/server.js';
import type { Store } from '../../src/store/store.js';
import { ENGINES, freshStore } from '../helpers.js';

/**
 * Bad input always gets a clear error: every operation the OpenAPI document lists, on the demo's
 * data, is sent malformed path parameters, query values, bodies and media types by members of
 * each kind and by no one. None may answer 5xx, and every refusal must be problem details with a
 * code. (Deterministic: the same requests every run, so a failure names one that can be replayed.)
 */
type Op = { responses?: Record<string, unknown>; parameters?: { in: string; name: string; required?: boolean; schema?: Json }[]; requestBody?: { content: Record<string, { schema?: Json }> } };
type Json = Record<string, any>;

const JUNK_SEGMENTS = ['%00', "x'--", 'a'.repeat(2000), '%F0%9F%98%80', '..%2F..%2Fetc', '-1', '1e309', '%E2%80%AE', '%ZZ', '0'];
const JUNK_QUERY = ['', 'abc', '-1', '1e309', '99999999999999999999', '%00', 'a'.repeat(2000), '1.5', '%ZZ'];
const JUNK_BODIES = ['{', 'null', '[]', '"s"', '1', '{}', '['.repeat(5000), '{"a":'.repeat(3000), '\u0000', '{"__proto__":{"x":1},"constructor":{"prototype":{"y":1}}}'];
const WRONG_VALUES: unknown[] = [null, -1, 1e300, '', 'x', [], {}, true, 'a'.repeat(70_000), '\ud800', 'a\u0000b', [[[[[]]]]], 2 ** 64 /* an integer past 2^53: JSON carries it as 18446744073709552000 */];

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: malformed input never reaches a 5xx, on every operation`, () => {
    let store: Store;
    let app: FastifyInstance;
    let dir: string;
    const tokens: Record<string, string | undefined> = { nobody: undefined };
    const ids: string[] = [];
    let doc: Json;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'passage-malformed-'));
      store = await freshStore(engine);
      const deps = defaultDeps(store);
      const init = await initialise(deps);
      const demo = await loadDemo(deps, { keysDir: path.join(dir, 'keys'), now: Date.now() });
      app = await buildServer(deps);
      await app.ready();
      tokens.admin = init.adminToken;
      for (const m of demo.members) tokens[m.key] = m.token;
      doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      // Real ids, so that requests also get past "not found" into the handlers.
      const found = new Set<string>();
      const harvest = (v: unknown): void => {
        if (typeof v === 'string' && /^[a-z]{2,5}_[A-Za-z0-9_-]{6,}$/.test(v)) found.add(v);
        else if (Array.isArray(v)) v.forEach(harvest);
        else if (v && typeof v === 'object') Object.values(v).forEach(harvest);
      };
      for (const [p, item] of Object.entries<Json>(doc.paths)) {
        if (!item.get || p.includes('{') || p.endsWith('/events')) continue;
        const res = await app.inject({ method: 'GET', url: p, headers: { authorization: `Bearer ${tokens.admin}` } });
        if (String(res.headers['content-type']).includes('json')) harvest(res.json());
      }
      harvest(demo.corridors);
      harvest(demo.extra);
      // Up to three ids of each kind (by prefix: cor_, inc_, mov_ …): every kind of resource is
      // reached, without sending every request once per demo row (the run grew with the demo).
      const perKind = new Map<string, number>();
      for (const id of [...found].sort()) {
        const kind = id.slice(0, id.indexOf('_'));
        const n = perKind.get(kind) ?? 0;
        if (n < 3) ids.push(id);
        perKind.set(kind, n + 1);
      }
      // Sanity: the harvest found ids of many kinds (else the requests stop at "not found").
      if (perKind.size < 5) throw new Error(`only ${perKind.size} kinds of ids harvested: ${[...perKind.keys()].join(', ')}`);
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A body the schema might accept: required properties filled with plain values of their type. */
    function fill(schema: Json | undefined, depth = 0): unknown {
      if (!schema || depth > 6) return 'x';
      if (schema.$ref) return fill(String(schema.$ref).split('/').slice(1).reduce<Json>((o, k) => o?.[k], doc), depth + 1);
      if (schema.anyOf || schema.oneOf) return fill((schema.anyOf ?? schema.oneOf)[0], depth + 1);
      if (schema.enum) return schema.enum[0];
      if (schema.const !== undefined) return schema.const;
      const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
      if (type === 'object' || schema.properties) return Object.fromEntries(Object.entries<Json>(schema.properties ?? {}).map(([k, v]) => [k, fill(v, depth + 1)]));
      if (type === 'array') return Array.from({ length: schema.minItems ?? 0 }, () => fill(schema.items, depth + 1));
      if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
      if (type === 'boolean') return true;
      if (schema.format === 'date-time') return '2022-03-08T10:00:00Z';
      // A string of the shape the pattern asks for, where one of these has it.
      const candidates = ['x', '2022-03-08T10:00:00Z', '2022-03-08', '1', 'Europe/Kyiv', 'a'.repeat(64)];
      if (typeof schema.pattern === 'string') return candidates.find((c) => new RegExp(schema.pattern, 'u').test(c)) ?? 'x';
      return 'x';
    }

    it('answers each with a 4xx problem (or a success), never a 5xx', async () => {
      const failures: string[] = [];
      let sent = 0;
      // Every answer is one the OpenAPI document lists for its operation (no undocumented status).
      let documented: Set<string> = new Set();
      const send = async (method: string, url: string, token: string | undefined, body?: string, type = 'application/json'): Promise<void> => {
        sent += 1;
        const headers: Record<string, string> = { 'idempotency-key': `k${sent}` };
        if (token) headers.authorization = `Bearer ${token}`;
        if (body !== undefined) headers['content-type'] = type;
        const res = await app.inject({ method: method as 'GET', url, headers, ...(body !== undefined ? { payload: body } : {}) });
        const what = `${method} ${url.slice(0, 160)}${body !== undefined ? ` ${type} ${body.slice(0, 80)}` : ''} → ${res.statusCode}`;
        if (res.statusCode >= 500) failures.push(`${what}: ${res.body.slice(0, 200)}`);
        else if (res.statusCode >= 400 && !documented.has(String(res.statusCode))) failures.push(`${what}: ${res.statusCode} is not among the statuses the OpenAPI document lists (${[...documented].join(', ')}): ${res.body.slice(0, 120)}`);
        else if (res.statusCode >= 400) {
          const ct = String(res.headers['content-type'] ?? '');
          if (!ct.startsWith('application/problem+json')) failures.push(`${what}: ${ct}, not problem details`);
          else if (typeof res.json().code !== 'string') failures.push(`${what}: a problem without a code`);
        }
      };
      const roles = ['admin', 'ua-liaison', 'convoy-operator', 'observer', 'nobody'];
      for (const [p, item] of Object.entries<Record<string, Op>>(doc.paths)) {
        for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
          const op = item[method];
          if (!op || (method === 'get' && p.endsWith('/events'))) continue;
          const M = method.toUpperCase();
          documented = new Set(Object.keys(op.responses ?? {}));
          const withPath = (v: string): string => p.replace(/\{[^}]+\}/g, v);
          const urls = p.includes('{') ? [...JUNK_SEGMENTS.map(withPath), ...ids.map(withPath)] : [p];
          // Each query parameter junk in turn, the others given plain values of their type (so the
          // request gets past the missing ones).
          const params = (op.parameters ?? []).filter((q) => q.in === 'query');
          const plain = (q: { schema?: Json }): string => encodeURIComponent(String(fill(q.schema)));
          const queries = params.flatMap((q) => [...JUNK_QUERY, plain(q)].map((v) => params.map((o) => `${o.name}=${o === q ? v : plain(o)}`).join('&')));
          const schema = op.requestBody?.content['application/json']?.schema;
          const bodies: string[] = [];
          if (op.requestBody) {
            bodies.push(...JUNK_BODIES);
            const base = fill(schema);
            bodies.push(JSON.stringify(base));
            if (base && typeof base === 'object' && !Array.isArray(base)) {
              for (const k of Object.keys(base)) for (const v of WRONG_VALUES) bodies.push(JSON.stringify({ ...base, [k]: v }));
            }
          }
          for (const role of roles) {
            const token = tokens[role];
            // Every id for the members who may act; the junk segments for everyone.
            const mine = role === 'nobody' || role === 'observer' ? urls.slice(0, JUNK_SEGMENTS.length + 1) : urls;
            for (const url of mine) {
              if (!op.requestBody) await send(M, url, token);
              else for (const b of url === mine[0] || url === mine[JUNK_SEGMENTS.length] ? bodies : bodies.slice(0, 2)) await send(M, url, token, b);
            }
            if (role === 'admin' || role === 'ua-liaison') for (const q of queries) await send(M, `${urls[urls.length - 1]}?${q}`, token, op.requestBody ? '{}' : undefined);
          }
          if (op.requestBody) {
            for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1']) {
              await send(M, urls[urls.length - 1] as string, tokens.admin, 'a=b', type);
            }
          }
        }
      }
      expect(sent).toBeGreaterThan(5_000);
      expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    }, 300_000);
  });
}
