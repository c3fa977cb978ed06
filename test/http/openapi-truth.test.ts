import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rfc3339 } from '../../src/schemas/common.js';
import { Evidence } from '../../src/schemas/incident.js';
import { makeWorld, type World } from '../helpers.js';

/** The OpenAPI document says what the server does. */
describe('OpenAPI description tells the truth', () => {
  let w: World;
  let doc: any;

  beforeAll(async () => {
    w = await makeWorld('sqlite');
    doc = (await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(async () => w?.close());

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
