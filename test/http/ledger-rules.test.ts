/**
 * The ledger's consistency rules as the API applies them: who a round's delegations may be and
 * who signs its protocol, who reads a position or a protocol whatever its visibility, what a
 * position, statement or protocol must agree with, and the shared field rules (no blank text,
 * no control characters in a single line, http(s) links, coordinates in range, language tags in
 * any case, no empty filter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, json, makeWorld, signBytes, type World } from '../helpers.js';

const SOURCE = { outlet: 'Kremlin readout', date: '2022-03-03' };

function round(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: 2,
    startDate: '2022-03-03',
    venue: { name: 'Belovezhskaya Pushcha, Belarus', coordinates: [23.84, 52.57] },
    delegations: [
      { partyId: 'ua', head: { name: 'Davyd Arakhamia' } },
      { partyId: 'ru', head: { name: 'Vladimir Medinsky' } },
    ],
    agenda: [{ itemId: 'corridors', outcome: 'agreed' }],
    visibility: 'public',
    ...overrides,
  };
}

const position = (o: Record<string, unknown> = {}): Record<string, unknown> => ({ itemId: 'corridors', partyId: 'ua', statedOn: '2022-03-03', kind: 'offer', text: 'Corridors for civilians.', source: SOURCE, visibility: 'public', ...o });

function statement(o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    speaker: { name: 'Dmytro Kuleba', office: 'Minister of Foreign Affairs of Ukraine', partyId: 'ua' },
    saidOn: '2022-03-03',
    source: { outlet: 'news report', date: '2022-03-04' },
    original: { lang: 'uk', text: null },
    translations: [{ lang: 'en', text: 'Words.', method: 'machine', reviewed: false }],
    ...o,
  };
}

/** The answer's status, code and the paths its errors name. */
async function refused(res: Promise<{ statusCode: number; body: string }>): Promise<{ status: number; code: string; paths: string[]; detail: string }> {
  const r = await res;
  const p = JSON.parse(r.body) as { code: string; detail: string; errors?: { path: string }[] };
  return { status: r.statusCode, code: p.code, paths: (p.errors ?? []).map((e) => e.path), detail: p.detail };
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the ledger's consistency rules`, () => {
    let w: World;
    let roundId: string;
    beforeAll(async () => {
      w = await makeWorld(engine);
      w.clock.set('2022-03-20T08:00:00Z');
      const med = api(w.app, w.mediator.liaison.token);
      for (const id of ['corridors', 'neutrality']) expect((await med.post('/agenda-items', { id, title: id, visibility: 'public' })).statusCode).toBe(201);
      const r = await med.post('/rounds', round());
      expect(r.statusCode, r.body).toBe(201);
      roundId = json(r).id;
    });
    afterAll(async () => w?.close());

    it('takes only belligerent parties as a round’s delegations, and only a mediator as its mediator', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      // The mediator as the only delegation: its protocol would read "signed by every delegation" on the mediator's word alone.
      const alone = await refused(med.post('/rounds', round({ number: 3, startDate: '2022-03-07', delegations: [{ partyId: 'mediator', head: { name: 'Mediator' } }] })));
      expect(alone).toMatchObject({ status: 400, code: 'validation_failed', paths: ['/delegations/0/partyId'] });
      expect(alone.detail).toMatch(/belligerent/);
      expect(await refused(med.post('/rounds', round({ number: 3, startDate: '2022-03-07', delegations: [{ partyId: 'ua', head: { name: 'A' } }, { partyId: 'obs', head: { name: 'B' } }] })))).toMatchObject({ status: 400, paths: ['/delegations/1/partyId'] });
      for (const m of ['ua', 'obs']) expect(await refused(med.post('/rounds', round({ number: 3, startDate: '2022-03-07', mediatorPartyId: m })))).toMatchObject({ status: 400, code: 'validation_failed', paths: ['/mediatorPartyId'] });
      const ok = await med.post('/rounds', round({ number: 3, startDate: '2022-03-07', mediatorPartyId: 'mediator' }));
      expect(ok.statusCode, ok.body).toBe(201);
      // A correction is held to the same rules.
      const r3 = json(ok);
      expect(await refused(med.post(`/rounds/${r3.id}/corrections`, { baseVersion: 1, reason: 'add the mediator', round: round({ number: 3, startDate: '2022-03-07', delegations: [{ partyId: 'mediator', head: { name: 'M' } }] }) }))).toMatchObject({ status: 400, paths: ['/delegations/0/partyId'] });
    });

    it('lets a party read back (and correct) its own position whatever its visibility; the other side does not see it', async () => {
      const ua = api(w.app, w.ua.liaison.token);
      const res = await ua.post('/ledger/positions', position({ text: 'Kept with the mediator.', visibility: 'mediator' }));
      expect(res.statusCode, res.body).toBe(201);
      const p = json(res);
      expect(p).toMatchObject({ partyId: 'ua', visibility: 'mediator', version: 1 });
      expect((await api(w.app, w.ua.viewer.token).get(`/ledger/positions/${p.id}`)).statusCode).toBe(200);
      const fixed = await ua.post(`/ledger/positions/${p.id}/corrections`, { baseVersion: 1, reason: 'worded better', position: position({ text: 'Kept with the mediator, worded better.', visibility: 'mediator' }) });
      expect(fixed.statusCode, fixed.body).toBe(200);
      expect(json(await api(w.app, w.ua.viewer.token).get(`/ledger/entries/${p.id}/history`)).map((h: any) => h.version)).toEqual([1, 2]);
      expect(JSON.stringify(json(await api(w.app, w.ua.viewer.token).get('/ledger/positions')))).toContain('worded better');
      expect((await api(w.app, w.ru.viewer.token).get(`/ledger/positions/${p.id}`)).statusCode).toBe(404);
      expect((await api(w.app, w.ru.viewer.token).get('/ledger/matrix')).body).not.toContain('worded better');
    });

    it('keeps a protocol readable by the delegations that sign it when the mediator narrows it', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const body = { title: 'Protocol', points: [{ itemId: 'corridors', text: 'Corridors agreed.' }], visibility: 'public' };
      const p = json(await med.post(`/rounds/${roundId}/protocols`, body));
      expect(p.text.signatories).toEqual(['ua', 'ru']);
      const v1 = (await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}/text`)).rawPayload;
      expect((await api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(v1, w.ua) })).statusCode).toBe(201);
      const narrowed = await med.post(`/protocols/${p.id}/corrections`, { baseVersion: 1, reason: 'kept with the mediator', protocol: { ...body, visibility: 'mediator' } });
      expect(narrowed.statusCode, narrowed.body).toBe(200);
      for (const party of [w.ua, w.ru]) {
        const viewer = api(w.app, party.viewer.token);
        expect((await viewer.get(`/protocols/${p.id}`)).statusCode).toBe(200);
        expect((await viewer.get(`/protocols/${p.id}/text?version=1`)).rawPayload.equals(v1)).toBe(true);
        expect((await viewer.get(`/protocols/${p.id}/text?version=2`)).statusCode).toBe(200);
        expect(json(await viewer.get(`/ledger/entries/${p.id}/history`))).toHaveLength(2);
        expect(json(await viewer.get(`/protocols/${p.id}/signatures`))).toHaveLength(1);
        expect(json(await viewer.get(`/protocols?round=${roundId}`)).map((x: any) => x.id)).toContain(p.id);
      }
      expect((await api(w.app, w.observer.viewer.token).get(`/protocols/${p.id}`)).statusCode).toBe(404);
      expect((await api(w.app, w.aid.viewer.token).get(`/ledger/entries/${p.id}/history`)).statusCode).toBe(404);
    });

    it('holds positions, statements and protocols to the rest of the ledger', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      // Positions are the belligerents'.
      expect(await refused(med.post('/ledger/positions', position({ partyId: 'aid' })))).toMatchObject({ status: 400, code: 'validation_failed', paths: ['/partyId'] });
      expect(await refused(med.post('/ledger/positions', position({ partyId: 'mediator' })))).toMatchObject({ status: 400, paths: ['/partyId'] });
      // Tied to a round, the party had a delegation there.
      const r5 = json(await med.post('/rounds', round({ number: 5, startDate: '2022-03-14', delegations: [{ partyId: 'ru', head: { name: 'Medinsky' } }] })));
      const absent = await refused(med.post('/ledger/positions', position({ roundId: r5.id, statedOn: '2022-03-14', source: { outlet: 'x', date: '2022-03-14' } })));
      expect(absent).toMatchObject({ status: 400, paths: ['/roundId'] });
      expect(absent.detail).toMatch(/no delegation at round 5/);
      // Dated from 1900 to today (2022-03-20 here, 2022-03-20 in UTC+14 too).
      expect(await refused(med.post('/ledger/positions', position({ statedOn: '2022-03-21', source: { outlet: 'x', date: '2022-03-21' } })))).toMatchObject({ status: 400, paths: ['/statedOn'] });
      expect(await refused(med.post('/ledger/positions', position({ statedOn: '1899-12-31' })))).toMatchObject({ status: 400, paths: ['/statedOn'] });
      expect(await refused(med.post('/statements', statement({ saidOn: '2030-01-01', source: { outlet: 'x', date: '2030-01-01' } })))).toMatchObject({ status: 400, paths: ['/saidOn'] });
      // The same position again is a duplicate; another date or wording is a new statement of it.
      const first = await med.post('/ledger/positions', position({ text: 'Corridors first.', kind: 'conditional', condition: 'a ceasefire' }));
      expect(first.statusCode, first.body).toBe(201);
      expect(await refused(med.post('/ledger/positions', position({ text: 'Corridors first.', kind: 'conditional', condition: 'a ceasefire', visibility: 'parties' })))).toMatchObject({ status: 409, code: 'duplicate' });
      expect((await med.post('/ledger/positions', position({ text: 'Corridors first.', kind: 'conditional', condition: 'a ceasefire', statedOn: '2022-03-04', source: { outlet: 'x', date: '2022-03-04' } }))).statusCode).toBe(201);
      // A correction is not a duplicate of itself.
      expect((await med.post(`/ledger/positions/${json(first).id}/corrections`, { baseVersion: 1, reason: 'source named', position: position({ text: 'Corridors first.', kind: 'conditional', condition: 'a ceasefire', source: { outlet: 'Reuters', date: '2022-03-03' } }) })).statusCode).toBe(200);
      // A protocol's points are on its round's agenda.
      const off = await refused(med.post(`/rounds/${roundId}/protocols`, { title: 'P', points: [{ itemId: 'neutrality', text: 'Neutrality agreed.' }] }));
      expect(off).toMatchObject({ status: 400, code: 'validation_failed', paths: ['/points/0/itemId'] });
      // No signature before the round starts.
      const later = json(await med.post('/rounds', round({ number: 9, startDate: '2022-04-01' })));
      const p = json(await med.post(`/rounds/${later.id}/protocols`, { title: 'Draft', points: [{ itemId: 'corridors', text: 'Draft.' }], visibility: 'public' }));
      const text = (await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}/text`)).rawPayload;
      const early = await refused(api(w.app, w.ua.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(text, w.ua) }));
      expect(early).toMatchObject({ status: 409, code: 'transition_not_allowed' });
      expect(early.detail).toMatch(/starts on 2022-04-01/);
    });

    it('refuses blank text, control characters in single-line fields, links that are not http(s) and coordinates out of range', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const cases: [string, unknown, string, string?][] = [
        ['/ledger/positions', position({ text: '   ' }), '/text', 'required'],
        ['/ledger/positions', position({ kind: 'conditional', condition: ' \t ' }), '/condition', 'required'],
        ['/statements', statement({ original: { lang: 'uk', text: '  ' } }), '/original/text', 'required'],
        ['/statements', statement({ translations: [{ lang: 'en', text: ' ', method: 'human', reviewed: true }] }), '/translations/0/text', 'required'],
        ['/statements', statement({ speaker: { name: ' ', office: 'x' } }), '/speaker/name', 'required'],
        ['/statements', statement({ speaker: { name: 'x', office: '  ' } }), '/speaker/office', 'required'],
        ['/rounds', round({ number: 6, startDate: '2022-03-15', delegations: [{ partyId: 'ua', head: { name: '  ' } }] }), '/delegations/0/head/name', 'required'],
        ['/agenda-items', { id: 'blank', title: '   ' }, '/title', 'required'],
        [`/rounds/ROUND/protocols`, { title: 'P', points: [{ itemId: 'corridors', text: '  ' }] }, '/points/0/text', 'required'],
        ['/statements', statement({ speaker: { name: 'Safe\u001b[2K\r\u001b[31mCEASEFIRE HOLDS', office: 'x' } }), '/speaker/name', 'invalid_format'],
        ['/statements', statement({ place: 'Minsk\nforged line' }), '/place', 'invalid_format'],
        ['/agenda-items', { id: 'ctl', title: 'Item\u009b31m' }, '/title', 'invalid_format'],
        ['/rounds', round({ number: 6, startDate: '2022-03-15', venue: { name: 'Minsk\r' } }), '/venue/name', 'invalid_format'],
        ['/statements', statement({ translations: [{ lang: 'en', text: 'ok\u0007', method: 'human', reviewed: true }] }), '/translations/0/text', 'invalid_format'],
        ['/statements', statement({ source: { outlet: 'x', date: '2022-03-04', url: 'javascript:alert(document.cookie)' } }), '/source/url'],
        ['/ledger/positions', position({ source: { ...SOURCE, url: 'data:text/html,<script>alert(1)</script>' } }), '/source/url'],
        ['/ledger/positions', position({ source: { ...SOURCE, url: 'ftp://example.org/x' } }), '/source/url'],
        ['/rounds', round({ number: 6, startDate: '2022-03-15', venue: { name: 'Nowhere', coordinates: [200, 100] } }), '/venue/coordinates/0'],
        ['/rounds', round({ number: 6, startDate: '2022-03-15', venue: { name: 'Nowhere', coordinates: [20, -91] } }), '/venue/coordinates/1'],
      ];
      for (const [url, body, path, code] of cases) {
        const res = await med.post(url.replace('ROUND', roundId), body);
        expect(res.statusCode, `${url} ${JSON.stringify(body)} → ${res.body}`).toBe(400);
        const p = json(res);
        expect(p.errors.map((e: any) => e.path), res.body).toContain(path);
        if (code) expect(p.errors.find((e: any) => e.path === path).code, res.body).toBe(code);
      }
      // Multi-line text keeps its line breaks and tabs; an https link is a link.
      const ok = await med.post('/statements', statement({ speaker: { name: 'Mykhailo Podolyak', office: 'adviser' }, translations: [{ lang: 'en', text: 'First line.\n\tSecond line.', method: 'human', reviewed: true }], source: { outlet: 'x', date: '2022-03-04', url: 'https://example.org/a?b=c' } }));
      expect(ok.statusCode, ok.body).toBe(201);
      expect(json(ok).translations[0].text).toBe('First line.\n\tSecond line.');
      // Nothing of the refused was stored.
      expect(json(await med.get('/statements')).map((s: any) => s.speaker.name)).toEqual(['Mykhailo Podolyak']);
    });

    it('accepts language tags in any case, stored as BCP 47 writes them, and dates of any four-digit year', async () => {
      const med = api(w.app, w.mediator.liaison.token);
      const res = await med.post('/statements', statement({ speaker: { name: 'Leonid Slutsky', office: 'member of the delegation' }, original: { lang: 'RU', text: 'Слова.' }, translations: [{ lang: 'EN-gb', text: 'Words.', method: 'human', reviewed: false }, { lang: 'ZH-hant-tw', text: '话。', method: 'machine', reviewed: false }] }));
      expect(res.statusCode, res.body).toBe(201);
      expect(json(res).original.lang).toBe('ru');
      expect(json(res).translations.map((t: any) => t.lang)).toEqual(['en-GB', 'zh-Hant-TW']);
      // Two texts in one language, whatever the case, are refused as before.
      expect((await med.post('/statements', statement({ original: { lang: 'EN', text: 'Words.' }, translations: [{ lang: 'en', text: 'x', method: 'human', reviewed: true }] }))).statusCode).toBe(400);
      const item = await med.post('/agenda-items', { id: 'history', title: 'History', visibility: 'public' });
      expect(item.statusCode).toBe(201);
      const bad = await refused(med.post('/rounds', round({ number: 7, startDate: '2022-02-30' })));
      expect(bad.detail).toMatch(/years 0000–9999/);
    });

    it('refuses an empty filter naming the parameter, on every list', async () => {
      const ua = api(w.app, w.ua.viewer.token);
      for (const url of ['/statements?speaker=', '/statements?round=', '/ledger/positions?item=', '/ledger/positions?party=', '/protocols?round=', '/ledger/matrix?item=', '/corridors?party=', '/incidents?corridor=', '/movements?corridorId=']) {
        const res = await ua.get(url);
        expect(res.statusCode, `${url} → ${res.body}`).toBe(400);
        const name = url.split('?')[1]?.replace('=', '');
        expect(json(res).errors.map((e: any) => e.path), url).toContain(`/${name}`);
      }
      expect((await ua.get('/statements?speaker=kuleba')).statusCode).toBe(200);
    });
  });
}
