import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rfc3339 } from '../../src/schemas/common.js';
import { Evidence } from '../../src/schemas/incident.js';
import { makeWorld, type World } from '../helpers.js';

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

/** The OpenAPI document says what the server does. */
describe('OpenAPI description tells the truth', () => {
  let w: World;
  let doc: any;

  beforeAll(async () => {
    w = await makeWorld('sqlite');
    doc = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });

  it('serves the anonymous routes without a token, as it says', async () => {
    for (const key of ANONYMOUS) {
      const url = key.slice(4).replace('{id}', 'none');
      const res = await w.app.inject({ method: 'GET', url });
      expect([200, 404], key).toContain(res.statusCode);
    }
  });
  afterAll(async () => w?.close());

  it('needs no token exactly where the server needs none', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    const anonymous: string[] = [];
    for (const [path, item] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths)) for (const [m, o] of Object.entries(item)) if (Array.isArray(o.security) && o.security.length === 0) anonymous.push(`${m.toUpperCase()} ${path}`);
    expect(anonymous.sort()).toEqual([...ANONYMOUS].sort());
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
