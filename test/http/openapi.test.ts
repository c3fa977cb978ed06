import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers.js';

describe('OpenAPI description', () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld('sqlite');
  });
  afterAll(async () => w?.close());

  it('is a valid OpenAPI 3.1 document covering every route, served without a token', async () => {
    const res = await w.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(doc));
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/v1/corridors', '/api/v1/corridors/{id}/terms', '/api/v1/corridors/{id}/guarantees', '/api/v1/corridors/{id}/status', '/api/v1/parties/{id}/keys', '/api/v1/agreements']) {
      expect(paths).toContain(p);
    }
    const post = doc.paths['/api/v1/corridors'].post;
    expect(post.requestBody.content['application/json'].schema).toBeDefined();
    expect(post.responses['400']).toBeDefined();
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it('serves browsable docs', async () => {
    const res = await w.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
