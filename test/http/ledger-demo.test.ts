import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialise } from '../../src/app/bootstrap.js';
import { defaultDeps } from '../../src/app/deps.js';
import { loadDemo, type DemoResult } from '../../src/demo/scenario.js';
import { buildServer } from '../../src/http/server.js';
import type { Store } from '../../src/store/store.js';
import { api, ENGINES, freshStore, json } from '../helpers.js';

/**
 * The talks are a historical record: the demo shifted to now (`passage demo --now`, `npm start`)
 * moves its corridors, convoy and incident, never the dates of the talks, the statements, their
 * sources or the agreement they reached.
 */
const NOW = Date.parse('2026-11-27T08:00:00Z');

for (const { engine, available } of ENGINES) for (const shifted of [false, true]) {
  describe.skipIf(!available)(`${engine}: the demo's negotiation ledger${shifted ? ', the demo shifted to now' : ''}`, () => {
    let store: Store;
    let app: FastifyInstance;
    let demo: DemoResult;
    const token = (key: string): string => demo.members.find((m) => m.key === key)?.token ?? '';
    beforeAll(async () => {
      store = await freshStore(engine);
      const deps = defaultDeps(store, () => (shifted ? NOW : Date.now()));
      await initialise(deps);
      demo = await loadDemo(deps, { keysDir: mkdtempSync(join(tmpdir(), 'passage-demo-keys-')), ...(shifted ? { now: NOW } : {}) });
      app = await buildServer(deps);
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await store?.close();
    });

    it('holds the rounds of 28 February, 3 March and 7 March 2022 with their delegations', async () => {
      const rounds = json(await api(app, token('observer')).get('/rounds'));
      expect(rounds.map((r: any) => [r.number, r.startDate])).toEqual([
        [1, '2022-02-28'],
        [2, '2022-03-03'],
        [3, '2022-03-07'],
      ]);
      const heads = rounds[1].delegations.map((d: any) => d.head.name);
      expect(heads).toEqual(['Davyd Arakhamia', 'Vladimir Medinsky']);
      expect(JSON.stringify(rounds)).toContain('Office of the President of Ukraine');
      expect(JSON.stringify(rounds)).not.toMatch(/Uzbek|Podoljak|Mekinsky/);
    });

    it('shows Ukraine’s red line on territorial integrity and Russia’s demands on neutrality and “demilitarization” across rounds', async () => {
      const m = json(await api(app, token('ua-liaison')).get('/ledger/matrix'));
      const cell = (item: string, party: string) => m.rows.find((r: any) => r.item.id === item).cells.find((c: any) => c.partyId === party);
      expect(cell('territorial-integrity', 'ua').history.every((p: any) => p.kind === 'red_line')).toBe(true);
      expect(cell('territorial-integrity', 'ua').history.map((p: any) => p.statedOn)).toEqual(['2022-02-28', '2022-03-03', '2022-03-07']);
      expect(cell('neutrality', 'ru').history.map((p: any) => [p.statedOn, p.kind])).toEqual([
        ['2022-02-28', 'demand'],
        ['2022-03-03', 'demand'],
        ['2022-03-07', 'conditional'],
      ]);
      expect(cell('demilitarization', 'ru').history).toHaveLength(3);
      const open = json(await api(app, token('observer')).get('/ledger/timeline')).openPoints;
      expect(open.find((p: any) => p.itemId === 'neutrality')).toMatchObject({ openSince: '2022-02-28', rounds: [1, 2, 3] });
      expect(open.find((p: any) => p.itemId === 'humanitarian-corridors')).toBeUndefined();
    });

    it('has the 3 March protocol signed by both delegations, verifiable, and linked to the agreement the corridors cite', async () => {
      const protocols = json(await api(app, token('observer')).get('/protocols'));
      expect(protocols).toHaveLength(1);
      const p = protocols[0];
      expect(p).toMatchObject({ state: 'signed', agreementId: demo.agreementId, text: { roundNumber: 2, date: '2022-03-03', signatories: ['ua', 'ru'] } });
      const bytes = (await api(app, token('observer')).get(`/protocols/${p.id}/text`)).rawPayload;
      const parties = json(await api(app, token('observer')).get('/parties'));
      for (const s of p.signatures) {
        const jwk = parties.find((x: any) => x.id === s.partyId).keys.find((k: any) => k.kid === s.kid).jwk;
        expect(Buffer.from((await compactVerify(s.jws, await importJWK(jwk, 'EdDSA'))).payload).equals(bytes)).toBe(true);
      }
      // Every demo corridor's current terms cite the agreement the protocol is linked to.
      const rows = await store.db.selectFrom('corridor_versions').select(['corridor_id', 'terms']).execute();
      for (const id of Object.values(demo.corridors)) {
        const cited = rows.filter((r) => r.corridor_id === id).map((r) => JSON.parse(r.terms).agreementId);
        expect(cited.length, id).toBeGreaterThan(0);
        expect(new Set(cited), id).toEqual(new Set([p.agreementId]));
      }
    });

    it('keeps statements with source and translation marking, and shows the corrections of garbled names', async () => {
      const statements = json(await api(app, token('observer')).get('/statements'));
      const names = statements.map((s: any) => s.speaker.name);
      for (const n of ['Mykhailo Podolyak', 'Vladimir Medinsky', 'Leonid Slutsky', 'Dmitry Peskov', 'Dmytro Kuleba']) expect(names).toContain(n);
      for (const s of statements) {
        expect(s.source.outlet.length).toBeGreaterThan(0);
        expect(s.translations.every((t: any) => t.method === 'machine' && t.lang === 'en')).toBe(true);
      }
      const corrected = statements.filter((s: any) => s.version === 2);
      expect(corrected).toHaveLength(2);
      const history = json(await api(app, token('observer')).get(`/ledger/entries/${corrected[0].id}/history`));
      expect(history[0].body.speaker.name).toMatch(/Podoljak|Mekinsky/);
    });

    it('serves public entries without a token and a printable page per public round', async () => {
      const pub = json(await app.inject({ method: 'GET', url: '/public/ledger.json' }));
      expect(pub.rounds).toHaveLength(3);
      expect(JSON.stringify(pub)).not.toContain('mediator only');
      expect(JSON.stringify(pub)).not.toContain('shared with the parties');
      expect(pub.timeline[1].protocols[0]).toMatchObject({ state: 'signed', agreementId: demo.agreementId });
      // Parties and key ids (to verify each JWS), never member ids: who recorded or signed.
      for (const url of ['/public/ledger.json', '/api/v1/public/ledger.json']) {
        const body = (await app.inject({ method: 'GET', url })).body;
        expect(body, url).not.toMatch(/"(createdBy|memberId)"|mem_[a-z0-9]+/);
      }
      const signature = pub.protocols[0].signatures[0];
      expect(Object.keys(signature)).toEqual(expect.arrayContaining(['partyId', 'kid', 'jws']));
      expect(signature).not.toHaveProperty('memberId');
      const page = await app.inject({ method: 'GET', url: `/api/v1/rounds/${pub.rounds[1].id}/print` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Signed by every delegation');
      expect(page.body).toContain('machine translation');
      const all = await app.inject({ method: 'GET', url: '/api/v1/rounds/print' });
      expect((all.body.match(/<section class="round"/g) ?? []).length).toBe(3);
    });

    it('dates the talks, the statements, their sources and the agreement as they happened, while the corridors move with the demo', async () => {
      const statements = json(await api(app, token('observer')).get('/statements'));
      expect(new Set(statements.map((s: any) => s.saidOn))).toEqual(new Set(['2022-03-03']));
      expect(new Set(statements.map((s: any) => s.source.date))).toEqual(new Set(['2022-03-04']));
      const m = json(await api(app, token('ua-liaison')).get('/ledger/matrix'));
      const sources = m.rows.flatMap((r: any) => r.cells.flatMap((c: any) => c.history.map((p: any) => p.source.date)));
      expect(sources.length).toBeGreaterThan(10);
      expect(sources.every((d: string) => d >= '2022-02-28' && d <= '2022-03-07')).toBe(true);
      const agreement = json(await api(app, token('observer')).get(`/agreements/${demo.agreementId}`));
      expect(agreement).toMatchObject({ date: '2022-03-03', nextRound: { date: '2022-03-07' } });
      // What a press reader sees on the public page: the rounds as they happened.
      const page = (await app.inject({ method: 'GET', url: '/public?lang=en' })).body;
      for (const line of ['Round 1 · 28 February 2022', 'Round 2 · 3 March 2022', 'Round 3 · 7 March 2022']) expect(page).toContain(line);
      expect(page).not.toMatch(/Round \d · [^<]*2026/);
      // The corridors do move: Sumy → Poltava is open at the demo's now when shifted, in 2022 when not.
      const status = json(await api(app, token('observer')).get(`/corridors/${demo.corridors['sumy-poltava']}/status?at=${new Date(shifted ? NOW : Date.parse('2022-03-08T15:00:00Z')).toISOString()}`));
      expect(status.open).toBe(true);
    });
  });
}
