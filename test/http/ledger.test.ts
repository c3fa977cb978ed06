import { compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';

const SOURCE = { outlet: 'Kremlin readout', date: '2022-03-03' };

function round(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: 2,
    startDate: '2022-03-03',
    venue: { name: 'Belovezhskaya Pushcha, Belarus', coordinates: [23.84, 52.57] },
    host: 'Republic of Belarus',
    delegations: [
      { partyId: 'ua', head: { name: 'Davyd Arakhamia', title: 'head of delegation' }, members: [{ name: 'Mykhailo Podolyak', title: 'adviser to the Head of the Office of the President of Ukraine' }] },
      { partyId: 'ru', head: { name: 'Vladimir Medinsky', title: 'aide to the President of the Russian Federation' } },
    ],
    agenda: [
      { itemId: 'corridors', outcome: 'agreed' },
      { itemId: 'neutrality', outcome: 'not_agreed' },
    ],
    nextRound: { note: 'in the near future' },
    visibility: 'public',
    ...overrides,
  };
}

function statement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    speaker: { name: 'Dmytro Kuleba', office: 'Minister of Foreign Affairs of Ukraine', partyId: 'ua' },
    saidOn: '2022-03-03',
    source: { outlet: 'news report', date: '2022-03-04' },
    original: { lang: 'uk', text: null },
    translations: [{ lang: 'en', text: 'Ukraine will not compromise on territorial integrity.', method: 'machine', reviewed: false }],
    tags: { itemIds: ['territorial-integrity'] },
    ...overrides,
  };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the negotiation ledger over HTTP`, () => {
    let w: World;
    let roundId: string;
    beforeAll(async () => {
      w = await makeWorld(engine);
      // After the rounds and statements recorded here: nothing in the ledger is dated in the future.
      w.clock.set('2022-03-20T08:00:00Z');
      const med = api(w.app, w.mediator.liaison.token);
      for (const [id, title, visibility] of [
        ['corridors', 'Humanitarian corridors', 'public'],
        ['neutrality', 'Neutrality of Ukraine', 'public'],
        ['territorial-integrity', 'Territorial integrity', 'public'],
        ['back-channel', 'Back-channel note', 'mediator'],
      ] as const) {
        const res = await med.post('/agenda-items', { id, title, visibility });
        expect(res.statusCode, res.body).toBe(201);
      }
      const res = await med.post('/rounds', round());
      expect(res.statusCode, res.body).toBe(201);
      roundId = json(res).id;
    });
    afterAll(async () => w?.close());

    it('records a round with delegations, agenda outcomes and a next round "to be set"', async () => {
      const r = json(await api(w.app, w.observer.viewer.token).get(`/rounds/${roundId}`));
      expect(r).toMatchObject({ number: 2, endDate: '2022-03-03', version: 1, reason: 'recorded', nextRound: { note: 'in the near future' } });
      expect(r.delegations.map((d: any) => d.head.name)).toEqual(['Davyd Arakhamia', 'Vladimir Medinsky']);
      const tl = json(await api(w.app, w.ua.viewer.token).get('/ledger/timeline'));
      expect(tl.rounds[0]).toMatchObject({ number: 2, agreed: [{ itemId: 'corridors' }], open: [{ itemId: 'neutrality', outcome: 'not_agreed' }], nextRound: 'to be set (in the near future)', next: { note: 'in the near future' } });
      expect(tl.openPoints).toEqual([expect.objectContaining({ itemId: 'neutrality', openSince: '2022-03-03', sinceRound: 2 })]);
    });

    it('refuses bad input with clear problem details', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const cases: [string, unknown, number, string, string?][] = [
        ['/rounds', round({ number: 3, startDate: '2022-03-08', endDate: '2022-03-07' }), 400, 'dates_out_of_order', '/endDate'],
        ['/rounds', round({ number: 3, startDate: '2022-03-07', nextRound: { date: '2022-03-05' } }), 400, 'dates_out_of_order', '/nextRound/date'],
        ['/rounds', round({ number: 1, startDate: '2022-03-10' }), 400, 'dates_out_of_order', '/startDate'],
        ['/rounds', round({ number: 3, startDate: '2022-03-07', delegations: [{ partyId: 'atlantis', head: { name: 'X' } }] }), 422, 'unknown_party', '/delegations/0/partyId'],
        ['/rounds', round({ number: 3, startDate: '2022-03-07', agenda: [{ itemId: 'nope', outcome: 'agreed' }] }), 422, 'unknown_agenda_item', '/agenda/0/itemId'],
        ['/rounds', round({ number: 2 }), 409, 'duplicate'],
        ['/ledger/positions', { itemId: 'nope', partyId: 'ru', statedOn: '2022-03-03', kind: 'demand', text: 'x', source: SOURCE }, 422, 'unknown_agenda_item'],
        ['/ledger/positions', { itemId: 'neutrality', partyId: 'atlantis', statedOn: '2022-03-03', kind: 'demand', text: 'x', source: SOURCE }, 422, 'unknown_party'],
        ['/ledger/positions', { itemId: 'neutrality', partyId: 'ru', statedOn: '2022-03-03', kind: 'demand', text: 'x', source: { outlet: 'x', date: '2022-03-01' } }, 400, 'dates_out_of_order'],
        ['/statements', statement({ source: undefined }), 400, 'validation_failed', '/source'],
        ['/statements', statement({ translations: [{ text: 'x', method: 'machine', reviewed: false }] }), 400, 'validation_failed', '/translations/0/lang'],
        ['/statements', statement({ tags: { itemIds: ['nope'] } }), 422, 'unknown_agenda_item'],
        ['/statements', statement({ saidOn: '2022-03-05' }), 400, 'dates_out_of_order'],
      ];
      for (const [url, body, status, code, path] of cases) {
        const res = await med.post(url, body);
        expect(res.statusCode, `${url} ${JSON.stringify(body)} → ${res.body}`).toBe(status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const p = json(res);
        expect(p.code).toBe(code);
        expect(p.detail.length).toBeGreaterThan(10);
        if (path) expect(p.errors.map((e: any) => e.path)).toContain(path);
      }
      const missingSource = json(await med.post('/statements', statement({ source: undefined })));
      expect(missingSource.detail).toMatch(/source is required/);
      const missingLang = json(await med.post('/statements', statement({ translations: [{ text: 'x', method: 'machine', reviewed: false }] })));
      expect(missingLang.detail).toMatch(/language tag/);
      // Nothing was written by any of them.
      expect(json(await med.get('/rounds'))).toHaveLength(1);
      expect(json(await med.get('/statements'))).toHaveLength(0);
    });

    it('lets a party record only its own positions, and builds the matrix with each position’s history', async () => {
      const ru = api(w.app, w.ru.liaison.token);
      const first = await ru.post('/ledger/positions', { itemId: 'neutrality', partyId: 'ru', roundId, statedOn: '2022-02-28', kind: 'demand', text: 'Neutral status for Ukraine', source: { outlet: 'public reports', date: '2022-02-28' }, visibility: 'public' });
      expect(first.statusCode, first.body).toBe(201);
      const later = await ru.post('/ledger/positions', { itemId: 'neutrality', partyId: 'ru', statedOn: '2022-03-07', kind: 'conditional', condition: 'constitutional amendment', text: 'Operations stop if neutrality is enshrined', source: { outlet: 'Reuters', date: '2022-03-07' }, visibility: 'public' });
      expect(later.statusCode, later.body).toBe(201);
      const forged = await ru.post('/ledger/positions', { itemId: 'territorial-integrity', partyId: 'ua', statedOn: '2022-03-03', kind: 'offer', text: 'x', source: SOURCE });
      expect(forged.statusCode).toBe(403);
      expect((await api(w.app, w.observer.liaison.token).post('/ledger/positions', { itemId: 'neutrality', partyId: 'obs', statedOn: '2022-03-03', kind: 'offer', text: 'x', source: SOURCE })).statusCode).toBe(403);
      const ua = await api(w.app, w.ua.liaison.token).post('/ledger/positions', { itemId: 'territorial-integrity', partyId: 'ua', statedOn: '2022-03-03', kind: 'red_line', text: 'No compromise on territorial integrity', source: SOURCE, visibility: 'public' });
      expect(ua.statusCode, ua.body).toBe(201);

      const m = json(await api(w.app, w.aid.viewer.token).get('/ledger/matrix'));
      expect(m.parties.map((p: any) => p.id)).toEqual(['ua', 'ru']);
      const neutrality = m.rows.find((r: any) => r.item.id === 'neutrality');
      const ruCell = neutrality.cells.find((c: any) => c.partyId === 'ru');
      expect(ruCell.history.map((p: any) => [p.statedOn, p.kind])).toEqual([
        ['2022-02-28', 'demand'],
        ['2022-03-07', 'conditional'],
      ]);
      expect(ruCell.latest.kind).toBe('conditional');
      const ti = m.rows.find((r: any) => r.item.id === 'territorial-integrity').cells.find((c: any) => c.partyId === 'ua');
      expect(ti.latest).toMatchObject({ kind: 'red_line' });
    });

    it('enforces visibility on every read path: lists, single reads, history, matrix, export, print and the public JSON', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      // The mediator's note of Ukraine's position: Ukraine reads it (a position's own party always does), Russia does not.
      const secret = json(await med.post('/ledger/positions', { itemId: 'neutrality', partyId: 'ua', roundId, statedOn: '2022-03-03', kind: 'offer', text: 'MEDIATOR-ONLY NOTE', source: SOURCE, visibility: 'mediator' }));
      const shared = json(await med.post('/ledger/positions', { itemId: 'neutrality', partyId: 'ua', roundId, statedOn: '2022-03-03', kind: 'offer', text: 'SHARED WITH PARTIES', source: SOURCE, visibility: 'parties' }));
      // A public position on a mediator-only item would carry the item's id to everyone: refused.
      const onHidden = { itemId: 'back-channel', partyId: 'ua', statedOn: '2022-03-03', kind: 'offer', text: 'ON A HIDDEN ITEM', source: SOURCE };
      expect((await med.post('/ledger/positions', { ...onHidden, visibility: 'public' })).statusCode).toBe(400);
      const hiddenItem = json(await med.post('/ledger/positions', { ...onHidden, visibility: 'mediator' }));
      expect((await med.post('/ledger/positions', { itemId: 'neutrality', partyId: 'ua', statedOn: '2022-03-03', kind: 'offer', text: 'A PUBLIC POSITION', source: SOURCE, visibility: 'public' })).statusCode).toBe(201);

      const texts = async (token: string | undefined, url: string): Promise<string> => (await api(w.app, token).get(url)).body;
      for (const url of ['/ledger/positions', '/ledger/matrix', '/ledger/export.json', '/ledger/export.csv?table=positions']) {
        expect(await texts(w.mediator.viewer.token, url)).toContain('MEDIATOR-ONLY NOTE');
        expect(await texts(w.ru.viewer.token, url)).not.toContain('MEDIATOR-ONLY NOTE');
        expect(await texts(w.ru.viewer.token, url)).toContain('SHARED WITH PARTIES');
        expect(await texts(w.ru.viewer.token, url)).not.toContain('ON A HIDDEN ITEM');
        expect(await texts(w.observer.viewer.token, url)).not.toContain('SHARED WITH PARTIES');
      }
      expect((await api(w.app, w.ru.viewer.token).get(`/ledger/positions/${secret.id}`)).statusCode).toBe(404);
      expect((await api(w.app, w.ru.viewer.token).get(`/ledger/entries/${secret.id}/history`)).statusCode).toBe(404);
      expect((await api(w.app, w.observer.viewer.token).get(`/ledger/positions/${shared.id}`)).statusCode).toBe(404);
      expect((await api(w.app, w.mediator.viewer.token).get(`/ledger/positions/${hiddenItem.id}`)).statusCode).toBe(200);
      // The log holds a hash of non-public versions, not their words.
      const log = json(await api(w.app, w.observer.viewer.token).get('/log/entries?start=0&end=1000'))
        .entries.map((e: any) => Buffer.from(e.entry, 'base64').toString('utf8'))
        .join('\n');
      expect(log).toContain('ledger.position.recorded');
      expect(log).toContain('A PUBLIC POSITION'); // a public version is logged in full
      expect(log).not.toContain('ON A HIDDEN ITEM');
      expect(log).not.toContain('MEDIATOR-ONLY NOTE');
      expect(log).not.toContain('SHARED WITH PARTIES');

      // Without a token: the public document and the print pages show public entries only.
      for (const url of ['/public/ledger.json', '/api/v1/public/ledger.json']) {
        const pub = await w.app.inject({ method: 'GET', url });
        expect(pub.statusCode, `${url}: ${pub.body}`).toBe(200);
        expect(pub.body).not.toContain('MEDIATOR-ONLY NOTE');
        expect(pub.body).not.toContain('SHARED WITH PARTIES');
        expect(pub.body).not.toContain('Back-channel');
        const doc = json(pub);
        expect(doc.visibility).toEqual(['public']);
        expect(doc.rounds).toHaveLength(1);
        expect(doc.timeline[0]).toMatchObject({ number: 2 });
      }
      expect((await w.app.inject({ method: 'GET', url: '/api/v1/ledger/positions' })).statusCode).toBe(401);
      const print = await w.app.inject({ method: 'GET', url: `/api/v1/rounds/${roundId}/print` });
      expect(print.statusCode).toBe(200);
      expect(print.headers['content-type']).toMatch(/^text\/html/);
      expect(print.body).toContain('@media print');
      expect(print.body).toContain('break-after: page');
      expect(print.body).not.toContain('SHARED WITH PARTIES');
      expect((await api(w.app, w.ua.viewer.token).get(`/rounds/${roundId}/print`)).body).toContain('SHARED WITH PARTIES');
    });

    it('keeps mediator-only and party rounds out of anonymous and observer reads', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const r = json(await med.post('/rounds', round({ number: 3, startDate: '2022-03-07', visibility: 'parties', agenda: [] })));
      expect((await w.app.inject({ method: 'GET', url: `/api/v1/rounds/${r.id}/print` })).statusCode).toBe(404);
      expect((await api(w.app, w.observer.viewer.token).get(`/rounds/${r.id}`)).statusCode).toBe(404);
      expect((await api(w.app, w.ru.viewer.token).get(`/rounds/${r.id}`)).statusCode).toBe(200);
      const all = await api(w.app, w.ru.viewer.token).get('/rounds/print');
      expect((all.body.match(/<section class="round"/g) ?? []).length).toBe(2);
    });

    it('corrects a statement by a new version with a reason, keeping the old one', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const garbled = statement({ speaker: { name: 'Podoljak', office: 'adviser to the Uzbek Presidential Office' } });
      const s = json(await med.post('/statements', garbled));
      const fixed = statement({ speaker: { name: 'Mykhailo Podolyak', office: 'adviser to the Head of the Office of the President of Ukraine', partyId: 'ua' } });
      expect((await med.post(`/statements/${s.id}/corrections`, { reason: 'x', statement: fixed })).statusCode).toBe(428);
      expect((await med.post(`/statements/${s.id}/corrections`, { baseVersion: 1, statement: fixed })).statusCode).toBe(400);
      // Every versioned entry carries its version as the ETag to send back in If-Match.
      expect((await med.get(`/statements/${s.id}`)).headers.etag).toBe('"1"');
      const res = await med.post(`/statements/${s.id}/corrections`, { baseVersion: 1, reason: 'machine translation garbled the name and office', statement: fixed });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(json(res)).toMatchObject({ version: 2, reason: 'machine translation garbled the name and office', speaker: { name: 'Mykhailo Podolyak' } });
      expect((await med.post(`/statements/${s.id}/corrections`, { baseVersion: 1, reason: 'again', statement: fixed })).statusCode).toBe(409);
      // A stale If-Match is a failed precondition, as on corridors (docs/api.md).
      const stale = await med.post(`/statements/${s.id}/corrections`, { reason: 'again', statement: fixed }, { 'if-match': '"1"' });
      expect(stale.statusCode).toBe(412);
      expect(json(stale).code).toBe('precondition_failed');
      const history = json(await api(w.app, w.ua.viewer.token).get(`/ledger/entries/${s.id}/history`));
      expect(history.map((h: any) => [h.version, h.reason, h.body.speaker.name])).toEqual([
        [1, 'recorded', 'Podoljak'],
        [2, 'machine translation garbled the name and office', 'Mykhailo Podolyak'],
      ]);
      const csv = (await api(w.app, w.ua.viewer.token).get('/ledger/export.csv?table=statements')).body.split('\r\n');
      expect(csv[1]).toMatch(/^#meta\+id,#date\+said,#contact\+name,/);
      expect(csv.some((l) => l.includes('Mykhailo Podolyak') && l.includes(',machine,no,'))).toBe(true);
    });

    it('has each delegation sign the protocol with its own key; a correction voids the signatures; the agreement is linked', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const agr = json(await med.post('/agreements', { title: 'Corridors', date: '2022-03-03', venue: { name: 'Belovezhskaya Pushcha' }, round: '2nd round', parties: [{ partyId: 'ua' }, { partyId: 'ru' }], text: 'Humanitarian corridors with a local ceasefire.' }));
      // A text no signature could carry (160,000 bytes of UTF-8: its JWS would pass 200,000 characters) is refused up front.
      const huge = await med.post(`/rounds/${roundId}/protocols`, { title: 'Too long', text: 'ї'.repeat(80_000), points: [{ itemId: 'corridors', text: 'y'.repeat(10_000) }], visibility: 'public' });
      expect(huge.statusCode, huge.body).toBe(400);
      expect(json(huge).detail).toMatch(/bytes as signed; at most 149,000/);
      const p = json(await med.post(`/rounds/${roundId}/protocols`, { title: 'Protocol of round 2', points: [{ itemId: 'corridors', text: 'Joint guarantee of humanitarian corridors with a temporary local ceasefire.' }], agreementId: agr.id, visibility: 'public' }));
      expect(p).toMatchObject({ state: 'open', agreementId: agr.id, text: { type: 'passage.round-protocol/v1', signatories: ['ua', 'ru'], version: 1 } });
      const text = async (): Promise<Buffer> => (await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}/text`)).rawPayload;
      const v1 = await text();
      expect(v1.toString()).not.toMatch(/\s"|":\s/);
      // Not a delegation; the wrong party's key; wrong bytes.
      expect(json(await api(w.app, w.aid.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.aid) })).code).toBe('not_a_required_guarantor');
      expect(json(await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.ru) })).code).toBe('key_not_of_party');
      expect(json(await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(new TextEncoder().encode('{}'), w.ua) })).code).toBe('terms_mismatch');
      expect((await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.ua) })).statusCode).toBe(201);
      expect(json(await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.ua) })).code).toBe('already_signed');
      const signed = await api(w.app, w.ru.liaison.token).raw('POST', `/protocols/${p.id}/signatures`, await signBytes(v1, w.ru), { 'content-type': 'application/jose' });
      expect(signed.statusCode, signed.body).toBe(201);
      expect(json(signed).state).toBe('signed');
      // Anyone re-verifies with a stock JOSE library and the parties' JWKs.
      const parties = json(await api(w.app, w.observer.viewer.token).get('/parties'));
      for (const s of json(await api(w.app, w.observer.viewer.token).get(`/protocols/${p.id}/signatures`))) {
        const jwk = parties.find((x: any) => x.id === s.partyId).keys.find((k: any) => k.kid === s.kid).jwk;
        const { payload } = await compactVerify(s.jws, await importJWK(jwk, 'EdDSA'));
        expect(Buffer.from(payload).equals(v1)).toBe(true);
      }
      // The corridors the agreement authorises cite it.
      const cor = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava({ agreementId: agr.id })));
      expect(cor.terms.agreementId).toBe(json(await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}`)).agreementId);
      // A correction is a new version; the old signatures stay, but no longer count.
      const fixed = json(await med.post(`/protocols/${p.id}/corrections`, { baseVersion: 1, reason: 'add the delivery of medicine and food', protocol: { title: 'Protocol of round 2', points: [{ itemId: 'corridors', text: 'Joint guarantee of humanitarian corridors, evacuation of civilians, delivery of medicine and food, with a temporary local ceasefire.' }], agreementId: agr.id, visibility: 'public' } }));
      expect(fixed).toMatchObject({ version: 2, state: 'open' });
      expect(fixed.signatures.map((s: any) => s.valid)).toEqual([false, false]);
      expect(json(await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.ua) })).code).toBe('terms_mismatch');
      expect((await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}/text?version=1`)).rawPayload.equals(v1)).toBe(true);
      // A protocol shared only with the parties is signed in the log as a commitment: the observer,
      // who reads the whole log, learns neither who signed it nor with which key.
      const r4 = json(await med.post('/rounds', round({ number: 4, startDate: '2022-03-14', visibility: 'parties', agenda: [{ itemId: 'corridors', outcome: 'agreed' }] })));
      const hidden = json(await med.post(`/rounds/${r4.id}/protocols`, { title: 'Protocol of round 4', points: [{ itemId: 'corridors', text: 'Parties only.' }], visibility: 'parties' }));
      const hv1 = (await api(w.app, w.ua.viewer.token).get(`/protocols/${hidden.id}/text`)).rawPayload;
      expect((await api(w.app, w.ua.liaison.token).post(`/protocols/${hidden.id}/signatures`, { jws: await signBytes(hv1, w.ua) })).statusCode).toBe(201);
      const last = json(await api(w.app, w.observer.viewer.token).get('/log/checkpoint').then(async (c) => api(w.app, w.observer.viewer.token).get(`/log/entries?start=${Number(c.headers['x-log-size']) - 1}&end=${c.headers['x-log-size']}`))).entries[0];
      const bytes = Buffer.from(last.entry, 'base64').toString('utf8');
      expect(JSON.parse(bytes)).toMatchObject({ action: 'restricted', actor: 'restricted', subject: 'restricted' });
      expect(bytes).not.toContain(hidden.id);
      const opened = json(await api(w.app, w.ru.viewer.token).get(`/log/openings/${last.index}`)).opening;
      expect(opened).toMatchObject({ action: 'ledger.protocol.signed', payload: { partyId: 'ua', visibility: 'parties' } });
      expect((await api(w.app, w.observer.viewer.token).get(`/log/openings/${last.index}`)).statusCode).toBe(404);
      // Made public by a correction (v2): its parties-only first version, and Ukraine's signature
      // over it (whose JWS carries that text), stay where they were.
      const hiddenV2 = { title: 'Protocol of round 4', points: [{ itemId: 'corridors', text: 'Published.' }], visibility: 'public' };
      const published = await med.post(`/protocols/${hidden.id}/corrections`, { baseVersion: 1, reason: 'published', protocol: hiddenV2 });
      expect(published.statusCode, published.body).toBe(200);
      const observer = api(w.app, w.observer.viewer.token);
      expect((await observer.get(`/protocols/${hidden.id}/text?version=2`)).statusCode).toBe(200);
      expect((await observer.get(`/protocols/${hidden.id}/text?version=1`)).statusCode).toBe(404);
      expect((await api(w.app, w.ua.viewer.token).get(`/protocols/${hidden.id}/text?version=1`)).rawPayload.equals(hv1)).toBe(true);
      expect(json(await observer.get(`/protocols/${hidden.id}/signatures`))).toEqual([]);
      expect(json(await observer.get(`/protocols/${hidden.id}`)).signatures).toEqual([]);
      expect(json(await api(w.app, w.ru.viewer.token).get(`/protocols/${hidden.id}/signatures`))).toHaveLength(1);
      const publicDoc = (await w.app.inject({ method: 'GET', url: '/api/v1/public/ledger.json' })).body;
      expect(publicDoc).not.toContain('Parties only.');
      expect(publicDoc).not.toContain(Buffer.from(hv1).toString('base64url').slice(0, 40));
    });

    it('refuses an entry about an agenda item wider than the item: its id would reach readers the item is hidden from', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      // 'back-channel' is the mediator's only (made above).
      const position = { partyId: 'ua', itemId: 'back-channel', kind: 'demand', text: 'x', statedOn: '2022-03-03', source: { outlet: 'notes', date: '2022-03-03' } };
      const open = await med.post('/ledger/positions', { ...position, visibility: 'public' });
      expect(open.statusCode, open.body).toBe(400);
      expect(json(open).errors).toContainEqual(expect.objectContaining({ path: '/visibility' }));
      const tagged = await med.post('/statements', statement({ tags: { itemIds: ['back-channel'], roundIds: [] }, visibility: 'parties' }));
      expect(tagged.statusCode, tagged.body).toBe(400);
      expect((await med.post('/ledger/positions', { ...position, visibility: 'mediator' })).statusCode).toBe(201);
    });

    it('replays an idempotent write instead of recording it twice', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const body = statement({ speaker: { name: 'Dmitry Peskov', office: 'Press Secretary of the President of the Russian Federation', partyId: 'ru' } });
      const a = await med.post('/statements', body, { 'idempotency-key': 'peskov-1' });
      const b = await med.post('/statements', body, { 'idempotency-key': 'peskov-1' });
      expect(b.headers['idempotent-replayed']).toBe('true');
      expect(json(b).id).toBe(json(a).id);
      expect(json(await med.get('/statements?speaker=peskov'))).toHaveLength(1);
    });
  });
}
