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
      ['a time zone in the wrong case (the runtime reads it; a feed’s TZID might not)', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'europe/kyiv' }] }), 400, 'unknown_time_zone', '/windows/0/timeZone'],
      ['a malformed RRULE', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3;BYGOLLY=1' }] }), 400, 'invalid_rrule'],
      ['an unbounded RRULE', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY' }] }), 400, 'invalid_rrule'],
      ['a route edge across the antimeridian', route([[179.9, 50], [-179.9, 50]]), 400, 'route_edge_too_long', '/route/coordinates/1'],
      ['a route edge over 90° of longitude', route([[0, 0], [34, 50], [180, 0]]), 400, 'route_edge_too_long', '/route/coordinates/2'],
      ['a route beyond 85° of latitude, where the index ends', route([[34, 50], [34, 86]]), 400, 'coordinate_out_of_range', '/route/coordinates/1'],
      ['a route over 2,000 km long', route([[20, 40], [45, 60]]), 400, 'route_too_long', '/route/coordinates'],
      ['a 30 February', sumyPoltava({ windows: [{ start: '2030-02-30T10:00:00Z', end: '2030-03-01T11:00:00Z', timeZone: 'UTC' }] }), 400, 'validation_failed', '/windows/0/start'],
      ['a leap second', sumyPoltava({ windows: [{ start: '2016-12-31T23:59:60Z', end: '2017-01-01T11:00:00Z', timeZone: 'UTC' }] }), 400, 'validation_failed', '/windows/0/start'],
      ['a window ending after the year 9999 in UTC', sumyPoltava({ windows: [{ start: '9999-12-31T00:00:00-14:00', end: '9999-12-31T23:59:59-14:00', timeZone: 'Pacific/Kiritimati' }] }), 400, 'validation_failed', '/windows/0/end'],
      ['a lone surrogate in the title', sumyPoltava({ title: 'Sumy \ud800 Poltava' }), 400, 'validation_failed', '/title'],
      ['a lone surrogate in a key', { ...sumyPoltava(), ['x\udc00']: 1 }, 400, 'validation_failed'],
      ['RRULEs whose days are rare (seconds of CPU on every read before they were bounded)', sumyPoltava({ windows: Array.from({ length: 10 }, () => ({ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', rrule: 'FREQ=DAILY;BYWEEKNO=53;COUNT=1000' })) }), 400, 'invalid_rrule', '/windows/0/rrule'],
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

    it('names what is wrong with each field in a code a program can read, not only in English words', async () => {
      const codesOf = async (body: unknown) => {
        const res = await api(w.app, w.ua.liaison.token).post('/corridors', body);
        expect(res.statusCode, res.body).toBe(400);
        return Object.fromEntries(json(res).errors.map((e: any) => [e.path, e.code]));
      };
      // Missing, blank and empty are all "required", whatever zod's message says.
      expect(await codesOf(sumyPoltava({ title: undefined }))).toMatchObject({ '/title': 'required' });
      expect(await codesOf(sumyPoltava({ title: '' }))).toMatchObject({ '/title': 'required' });
      expect(await codesOf(sumyPoltava({ purposes: [] }))).toMatchObject({ '/purposes': 'required' });
      // Present but wrong keeps the schema's own code.
      expect(await codesOf(sumyPoltava({ title: 42 }))).toMatchObject({ '/title': 'invalid_type' });
      expect(await codesOf(sumyPoltava({ title: 'x'.repeat(10_000) }))).toMatchObject({ '/title': 'too_big' });
      // In a query string too.
      const q = await api(w.app, w.ua.liaison.token).get('/log/entries?start=');
      expect(q.statusCode, q.body).toBe(400);
      expect(json(q).errors.every((e: any) => typeof e.code === 'string')).toBe(true);
    });

    it('refuses a field the request does not have (a misspelt one too) with unrecognized_keys at its path, and writes nothing', async () => {
      const liaison = api(w.app, w.ua.liaison.token);
      const count = async () => Number((await w.store.db.selectFrom('log_entries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const before = await count();
      const refused = async (res: Awaited<ReturnType<typeof liaison.post>>, path: string) => {
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res)).toMatchObject({ code: 'validation_failed', errors: [{ path, code: 'unrecognized_keys' }] });
        expect(json(res).detail).toContain(path);
      };
      // A misspelt suspension policy was answered 201, the default policy silently applied.
      await refused(await liaison.post('/corridors', { ...sumyPoltava(), suspensionpolicy: { automatic: [], resumeBy: 'mediator' } }), '/suspensionpolicy');
      await refused(await liaison.post('/corridors', sumyPoltava({ route: { type: 'LineString', coordinates: [[34.8, 50.9], [34, 50]], crs: 'x' } })), '/route/crs');
      await refused(await liaison.post('/corridors', sumyPoltava({ windows: [{ start: '2022-03-08T10:00:00Z', end: '2022-03-08T11:00:00Z', timeZone: 'UTC', tz: 'UTC' }] })), '/windows/0/tz');
      const incident = { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-02-28T10:00:00Z', description: 'Shelling' };
      await refused(await liaison.post('/incidents', { ...incident, foo: 1 }), '/foo');
      expect(before).toBe(await count());
      const inc = await liaison.post('/incidents', incident);
      expect(inc.statusCode, inc.body).toBe(201);
      // A correction cannot change the kind: it was answered 200 with the kind unchanged.
      await refused(await liaison.post(`/incidents/${json(inc).id}/corrections`, { reason: 'r', kind: 'air_strike' }), '/kind');
      const hook = json(await liaison.post('/webhooks', { url: 'https://receiver.example/hooks' }));
      const patch = await w.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ description: 'x', Active: false }) });
      expect(patch.statusCode, patch.body).toBe(400);
      expect(json(patch).errors).toEqual([expect.objectContaining({ path: '/Active', code: 'unrecognized_keys' })]);
      expect(json(await liaison.get(`/webhooks/${hook.id}`))).toMatchObject({ description: '', active: true });
      expect(json(await liaison.get(`/incidents/${json(inc).id}`))).toMatchObject({ kind: 'shelling', version: 1 });
    });

    it('names the field, header or parameter at fault in errors[], with the documented codes', async () => {
      const liaison = api(w.app, w.ua.liaison.token);
      const errorsOf = (res: Awaited<ReturnType<typeof liaison.post>>) => Object.fromEntries(json(res).errors.map((e: any) => [e.path, e.code]));
      // A missing enum was invalid_value; the documented code is required.
      const noDirection = await liaison.post('/corridors', sumyPoltava({ direction: undefined }));
      expect(noDirection.statusCode).toBe(400);
      expect(errorsOf(noDirection)).toMatchObject({ '/direction': 'required' });
      // The docs' own policy, {automatic: []}: resumeBy is the mediator's by default.
      const policy = await liaison.post('/corridors', sumyPoltava({ suspensionPolicy: { automatic: [] } }));
      expect(policy.statusCode, policy.body).toBe(201);
      expect(json(policy).terms.suspensionPolicy).toEqual({ automatic: [], resumeBy: 'mediator' });
      const id = json(policy).id as string;
      // Either form of a guarantee: a value of the object form is judged as one.
      const numeric = await liaison.post(`/corridors/${id}/guarantees`, { jws: 123 });
      expect(numeric.statusCode).toBe(400);
      expect(json(numeric).errors).toEqual([expect.objectContaining({ path: '/jws', code: 'invalid_type' })]);
      expect(errorsOf(await liaison.post(`/corridors/${id}/guarantees`, { jws: 'a.b.c', kid: 'x' }))).toEqual({ '/kid': 'unrecognized_keys' });
      const plain = await liaison.raw('POST', `/corridors/${id}/guarantees`, 'a.b.c', { 'content-type': 'text/plain' });
      expect(plain.statusCode).toBe(415);
      expect(json(plain).detail).toMatch(/application\/jose/);
      // Headers and query parameters are named too.
      const longKey = await liaison.post(`/corridors/${id}/withdraw`, { reason: 'x' }, { 'idempotency-key': 'k'.repeat(201) });
      expect(longKey.statusCode).toBe(400);
      expect(json(longKey).errors).toEqual([expect.objectContaining({ path: '/headers/idempotency-key' })]);
      for (const last of ['-1', 'abc']) {
        const res = await w.app.inject({ method: 'GET', url: '/api/v1/events?follow=false', headers: { authorization: `Bearer ${w.ua.viewer.token}`, 'last-event-id': last } });
        expect(res.statusCode, last).toBe(400);
        expect(json(res).errors).toEqual([expect.objectContaining({ path: '/headers/last-event-id' })]);
      }
      // A stream about a corridor that does not exist would never deliver: 400, as for webhooks.
      const nope = await w.app.inject({ method: 'GET', url: '/api/v1/events?follow=false&corridor=cor_nope', headers: { authorization: `Bearer ${w.ua.viewer.token}` } });
      expect(nope.statusCode, nope.body).toBe(400);
      expect(json(nope).errors).toEqual([expect.objectContaining({ path: '/corridor' })]);
      expect((await w.app.inject({ method: 'GET', url: `/api/v1/events?follow=false&corridor=${id}`, headers: { authorization: `Bearer ${w.ua.viewer.token}` } })).statusCode).toBe(200);
    });

    it('refuses blank words where a person must say something: a decision, a reason, a description, and a webhook for no corridor', async () => {
      w.clock.set('2022-03-08T10:30:00Z');
      const id = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava())).id;
      const mediator = api(w.app, w.mediator.liaison.token);
      const blank = async (res: { statusCode: number; body: string }, path: string) => {
        expect(res.statusCode, res.body).toBe(400);
        expect(json(res as never).errors).toContainEqual(expect.objectContaining({ path, code: 'required' }));
      };
      const report = { kind: 'shelling', severity: 'severe', geometry: { type: 'Point', coordinates: [33.265, 50.36] }, occurredAt: '2022-02-28T10:00:00Z', description: 'Shelling' };
      await blank(await api(w.app, w.aid.operator.token).post('/incidents', { ...report, description: '   ' }), '/description');
      const reported = await api(w.app, w.aid.operator.token).post('/incidents', report);
      expect(reported.statusCode, reported.body).toBe(201);
      const incident = json(reported);
      await blank(await mediator.post(`/incidents/${incident.id}/confirm`, { reason: ' \t ' }), '/reason');
      await blank(await mediator.post(`/incidents/${incident.id}/dismiss`, { reason: '  ' }), '/reason');
      expect(json(await mediator.get(`/incidents/${incident.id}`)).state).toBe('reported');
      await blank(await mediator.post(`/corridors/${id}/suspend`, { reason: '   ' }), '/reason');
      const hook = await api(w.app, w.ua.liaison.token).post('/webhooks', { url: 'https://hooks.example.org/passage', corridorId: 'cor_nosuch' });
      expect(hook.statusCode, hook.body).toBe(400);
      expect(json(hook).errors).toContainEqual(expect.objectContaining({ path: '/corridorId' }));
      const made = await api(w.app, w.ua.liaison.token).post('/webhooks', { url: 'https://hooks.example.org/passage', corridorId: id });
      expect(made.statusCode, made.body).toBe(201);
      const moved = await w.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${json(made).id}`, headers: { authorization: `Bearer ${w.ua.liaison.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ corridorId: 'cor_nosuch' }) });
      expect(moved.statusCode, moved.body).toBe(400);
    });

    it('refuses a version or log index past 32 bits, and an event id never sent, the same on both stores (PostgreSQL answered 500)', async () => {
      const id = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava())).id;
      const viewer = api(w.app, w.ua.viewer.token);
      for (const url of [`/corridors/${id}/terms?version=2147483648`, '/log/openings/2147483648', '/log/entries?start=2147483648&end=2147483649', '/events?lastEventId=99999999999999999999']) {
        const res = await viewer.get(url);
        expect(res.statusCode, `${url} ${res.body}`).toBe(400);
        expect(json(res).code).toBe('validation_failed');
      }
      expect((await viewer.get(`/corridors/${id}/terms?version=2147483647`)).statusCode).toBe(404);
      for (const header of ['99999999999999999999', '9223372036854775808']) {
        const res = await viewer.get('/events', { 'last-event-id': header });
        expect(res.statusCode, res.body).toBe(400);
      }
      // Past the newest event: it was never sent, and a stream resuming after it would wait for nothing.
      const past = await viewer.get('/events?lastEventId=999999999');
      expect(past.statusCode, past.body).toBe(400);
      expect(json(past).detail).toMatch(/there is no event 999999999: the newest is \d+/);
    });

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

    it('keeps a year before 100 as written (not moved into the 1900s)', async () => {
      const res = await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ windows: [{ start: '0050-06-01T00:00:00Z', end: '0050-06-01T05:00:00+01:00', timeZone: 'UTC' }] }));
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res).terms.windows[0]).toMatchObject({ start: '0050-06-01T00:00:00Z', end: '0050-06-01T04:00:00Z' });
      const status = json(await api(w.app, w.ua.viewer.token).get(`/corridors/${json(res).id}/status?at=0050-06-01T01:00:00Z`));
      expect(status.at).toBe('0050-06-01T01:00:00Z');
    });

    it('refuses a lone surrogate wherever a JSON body has one, and keeps paired ones', async () => {
      // Incidents used to store it as U+FFFD, other writes failed with a 500.
      const bad = await api(w.app, w.ua.liaison.token).raw('POST', '/incidents', '{"kind":"shelling","severity":"high","at":"2022-03-08T09:00:00Z","location":{"type":"Point","coordinates":[34.8,50.9]},"description":"\\udc00 near the bridge"}', { 'content-type': 'application/json' });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(json(bad)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/description' }] });
      const ok = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', JSON.stringify(sumyPoltava({ title: 'Sumy 🚌 Poltava' })).replace('🚌', '\\ud83d\\ude8c'), { 'content-type': 'application/json' });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(json(ok).terms.title).toBe('Sumy 🚌 Poltava');
    });

    it('refuses a NUL character in a body, a path or a query, which PostgreSQL cannot hold (it answered 500 there)', async () => {
      const token = w.ua.liaison.token;
      const body = await api(w.app, token).post('/corridors', sumyPoltava({ title: 'Sumy\u0000Poltava' }));
      expect(body.statusCode, body.body).toBe(400);
      expect(json(body)).toMatchObject({ code: 'validation_failed', errors: [{ path: '/title' }] });
      expect(json(body).detail).toContain('NUL');
      const member = await api(w.app, w.mediator.admin.token).post(`/parties/ua/members`, { name: 'N\u0000', role: 'viewer' });
      expect(member.statusCode, member.body).toBe(400);
      for (const url of ['/corridors/cor_%00x', '/parties/%00', '/incidents?since=%00']) {
        const res = await api(w.app, token).get(url);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        expect(json(res).code).toBe('validation_failed');
      }
      expect(json(await api(w.app, w.ua.viewer.token).get('/corridors')).filter((c: any) => c.title.includes('\u0000'))).toEqual([]);
    });

    it('refuses a JSON body nested too deeply to hash, on a write that takes no body', async () => {
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      const res = await api(w.app, w.aid.admin.token).raw('POST', '/tokens/tok_nope/revoke', deep, { 'content-type': 'application/json' });
      expect(res.statusCode, res.body).toBe(400);
      expect(json(res).code).toBe('validation_failed');
    });

    it('refuses a time that does not exist in every query, not just its shape', async () => {
      for (const q of ['/movements/mov_x/track?since=2030-02-30T00:00:00Z', '/incidents?since=2022-03-08T24:00:00Z', '/incidents?until=2016-12-31T23:59:60Z', '/corridors?openAt=2022-03-08T10:00:00%2B24:00']) {
        const r = await api(w.app, w.ua.viewer.token).get(q);
        expect(r.statusCode, q).toBe(400);
        expect(json(r).code, q).toBe('validation_failed');
      }
    });

    it('answers requests Node\'s HTTP parser refuses with problem details too', async () => {
      const { createConnection } = await import('node:net');
      const url = new URL(await w.app.listen({ host: '127.0.0.1', port: 0 }));
      const send = (text: string): Promise<string> =>
        new Promise((resolve, reject) => {
          const s = createConnection({ host: url.hostname, port: Number(url.port) }, () => s.write(text));
          let out = '';
          s.on('data', (d) => (out += d.toString()));
          s.on('end', () => resolve(out));
          s.on('error', reject);
        });
      const big = await send(`GET /api/v1/corridors HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(big).toMatch(/^HTTP\/1\.1 431 /);
      expect(big).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431, code: 'validation_failed' });
      const smuggled = await send('POST /api/v1/parties HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n');
      expect(smuggled).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(smuggled.slice(smuggled.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'validation_failed' });
    });

    it('refuses the wrong content type with 415', async () => {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'text/plain; charset=utf-8']) {
        const res = await api(w.app, w.ua.liaison.token).raw('POST', '/corridors', 'title=x', { 'content-type': type });
        expect(res.statusCode, type).toBe(415);
        expect(json(res).code).toBe('unsupported_media_type');
      }
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

    it('answers a method the path does not take with 405 and Allow, and an unknown path with 404', async () => {
      const call = (method: 'DELETE' | 'PUT' | 'POST', url: string) => w.app.inject({ method, url, headers: { authorization: `Bearer ${w.ua.liaison.token}` } });
      const del = await call('DELETE', '/api/v1/corridors');
      expect(del.statusCode).toBe(405);
      expect(del.headers.allow).toBe('GET, HEAD, POST');
      expect(del.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(JSON.parse(del.body)).toMatchObject({ code: 'method_not_allowed', title: 'Method Not Allowed' });
      expect((await call('PUT', '/api/v1/corridors/cor_anything')).headers.allow).toBe('GET, HEAD');
      expect((await call('POST', '/api/v1/log/checkpoint')).statusCode).toBe(405);
      const none = await call('POST', '/api/v1/no-such-thing');
      expect(none.statusCode).toBe(404);
      expect(none.headers.allow).toBeUndefined();
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
