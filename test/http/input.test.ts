import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, sumyPoltava, type World } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: bad input gets problem details, never a 500, and writes nothing`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
    });
    afterAll(async () => w?.close());

    const route = (coordinates: unknown) => sumyPoltava({ route: { type: 'LineString', coordinates } });
    const cases: [string, unknown, number, string, string?][] = [
      ['a route with one position', route([[34.8, 50.9]]), 400, 'route_too_short', '/route/coordinates'],
      ['a route with no positions', route([]), 400, 'route_too_short'],
      ['a longitude out of range', route([[34.8, 50.9], [181, 50]]), 400, 'coordinate_out_of_range', '/route/coordinates/1'],
      ['a latitude out of range', route([[34.8, 50.9], [34, -91]]), 400, 'coordinate_out_of_range', '/route/coordinates/1'],
      ['repeated points only', route([[34.8, 50.9], [34.8, 50.9], [34.8, 50.9]]), 400, 'route_degenerate'],
      ['a position with three numbers', route([[34.8, 50.9, 1], [34, 50]]), 400, 'validation_failed'],
      ['a position that is a string', route([['34.8', 50.9], [34, 50]]), 400, 'validation_failed'],
      ['width zero', sumyPoltava({ widthM: 0 }), 400, 'width_out_of_range', '/widthM'],
      ['negative width', sumyPoltava({ widthM: -5 }), 400, 'width_out_of_range'],
      ['width over 50 km', sumyPoltava({ widthM: 50_001 }), 400, 'width_out_of_range'],
      ['window end before start', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T09:00:00Z', timeZone: 'Europe/Kyiv' }] }), 400, 'window_end_before_start', '/windows/0/end'],
      ['an unknown time zone', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'Mars/Olympus' }] }), 400, 'unknown_time_zone'],
      ['a malformed RRULE', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3;BYGOLLY=1' }] }), 400, 'invalid_rrule'],
      ['an unbounded RRULE', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY' }] }), 400, 'invalid_rrule'],
      ['a time without offset', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00', end: '2022-03-08T11:00:00Z', timeZone: 'UTC' }] }), 400, 'validation_failed'],
      ['an unknown guarantor', sumyPoltava({ requiredGuarantors: ['ua', 'atlantis'] }), 422, 'unknown_guarantor', '/requiredGuarantors/1'],
      ['no guarantor', sumyPoltava({ requiredGuarantors: [] }), 400, 'validation_failed'],
      ['an unknown agreement', sumyPoltava({ agreementId: 'agr_nope' }), 422, 'unknown_agreement'],
      ['an unknown purpose', sumyPoltava({ purposes: ['tourism'] }), 400, 'validation_failed'],
      ['a missing title', sumyPoltava({ title: undefined }), 400, 'validation_failed'],
    ];

    for (const [what, body, status, code, path] of cases) {
      it(`refuses ${what} with ${status} ${code}`, async () => {
        const before = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        const res = await api(w.app, w.ua.liaison.token).post('/corridors', body);
        expect(res.statusCode, res.body).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const p = json(res);
        expect(p).toMatchObject({ status, code, type: `urn:passage:problem:${code}` });
        expect(typeof p.detail).toBe('string');
        if (path) expect(p.errors.map((e: any) => e.path)).toContain(path);
        const after = await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
        expect(Number(after.n)).toBe(Number(before.n));
      });
    }

    it('refuses a body that is not JSON', async () => {
      const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', '{"title": ', { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(json(res).code).toBe('validation_failed');
    });

    it('refuses a non-finite number smuggled as a huge literal', async () => {
      const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', JSON.stringify(sumyPoltava()).replace('"widthM":2000', '"widthM":1e999'), { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(json(res).code).toMatch(/width_out_of_range|validation_failed/);
    });

    it('refuses the wrong content type with 415', async () => {
      const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', 'title=x', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.statusCode).toBe(415);
      expect(json(res).code).toBe('unsupported_media_type');
    });

    it('refuses a body over the size limit with 413', async () => {
      const big = JSON.stringify(sumyPoltava({ notes: 'x'.repeat(3 * 1024 * 1024) }));
      const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', big, { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(413);
      expect(json(res).code).toBe('payload_too_large');
    });

    it('refuses a bad status instant and an unknown corridor', async () => {
      const bad = await api(w.app, w.ua.viewer.token).get('/corridors/cor_x/status?at=yesterday');
      expect(bad.statusCode).toBe(400);
      const missing = await api(w.app, w.ua.viewer.token).get('/corridors/cor_nope/status');
      expect(missing.statusCode).toBe(404);
      expect(json(missing).code).toBe('not_found');
      const noVersion = await api(w.app, w.ua.viewer.token).get('/corridors/cor_nope/terms?version=abc');
      expect(noVersion.statusCode).toBe(400);
    });

    it('reads numbers in query strings strictly: an empty, hex, exponent or padded whole number is refused, not taken for another', async () => {
      const get = (q: string) => api(w.app, w.ua.viewer.token).get(q);
      for (const bad of ['start=&end=2', 'start=0x1&end=2', 'start=1e0&end=2', 'start=%201&end=2', 'start=-1&end=2', 'start=1.0&end=2']) {
        const r = await get(`/log/entries?${bad}`);
        expect(r.statusCode, bad).toBe(400);
        expect(json(r)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/start' }] });
      }
      expect(json(await get('/log/entries?start=1&end=2')).entries).toHaveLength(1);
      // Coordinates are numbers as JSON writes them, exponents included; not hex, not empty.
      expect((await get('/deconfliction/explain?lon=1e-7&lat=0.30000000000000004')).statusCode).toBe(200);
      for (const bad of ['lon=0x1&lat=2', 'lon=&lat=2', 'lon=Infinity&lat=2', 'lon=181&lat=2']) expect((await get(`/deconfliction/explain?${bad}`)).statusCode, bad).toBe(400);
    });

    it('refuses a URL whose percent-encoding does not decode with a 400 problem', async () => {
      for (const url of ['/api/v1/corridors/%E0%A4%A', '/api/v1/rounds/%ZZ']) {
        const r = await w.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.ua.viewer.token}` } });
        expect(r.statusCode).toBe(400);
        expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(r.json()).toMatchObject({ code: 'validation_failed', detail: expect.stringMatching(/percent-encoded/) });
      }
    });

    it('answers unknown routes with a 404 problem', async () => {
      const res = await api(w.app, w.ua.viewer.token).get('/nothing-here');
      expect(res.statusCode).toBe(404);
      expect(json(res).code).toBe('not_found');
    });

    it('refuses requests without a token, with a wrong token, and with a revoked token', async () => {
      expect((await api(w.app, undefined).get('/corridors')).statusCode).toBe(401);
      const wrong = await api(w.app, 'psg_wrong').get('/corridors');
      expect(wrong.statusCode).toBe(401);
      expect(json(wrong).code).toBe('unauthenticated');
      const issued = json(await api(w.app, w.aid.admin.token).post(`/members/${w.aid.viewer.memberId}/tokens`, { label: 'temp' }));
      expect((await api(w.app, issued.token).get('/corridors')).statusCode).toBe(200);
      expect((await api(w.app, w.aid.admin.token).post(`/tokens/${issued.id}/revoke`, {})).statusCode).toBe(200);
      expect((await api(w.app, issued.token).get('/corridors')).statusCode).toBe(401);
      // Tokens are stored only as hashes.
      const rows = await w.store.db.selectFrom('tokens').select('hash').execute();
      expect(rows.some((r) => r.hash === issued.token)).toBe(false);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
    });

    it('refuses a private key sent for registration and a key for another party', async () => {
      const withD = await api(w.app, w.ua.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: w.ua.publicJwk.x, d: 'AAAA' } });
      expect(withD.statusCode).toBe(400);
      expect(json(withD).code).toBe('key_invalid');
      const other = await api(w.app, w.ua.admin.token).post('/parties/ru/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: w.ua.publicJwk.x } });
      expect(other.statusCode).toBe(403);
      const mediator = await api(w.app, w.mediator.admin.token).post('/parties/ua/keys', { jwk: { kty: 'OKP', crv: 'Ed25519', x: w.ru.publicJwk.x } });
      expect(mediator.statusCode).toBe(403);
    });
  });
}
