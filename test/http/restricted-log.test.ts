/**
 * Every member reads the whole log, but need-to-know records must not leak through it: entries
 * about protected sites, movements, incidents with a distribution and non-public ledger versions
 * carry only a commitment, and only members who may see the record get its opening.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/corridor-terms.js';
import { disableLogProtection } from '../../src/demo/forge-log.js';
import { api, ENGINES, json, makeWorld, reportSkippedEngine, type World } from '../helpers.js';

const SECRET_REASON = 'moved to the basement of 12 Shevchenka street';

for (const { engine, available, why } of ENGINES) {
  if (!available) {
    reportSkippedEngine('restricted log entries', engine, why);
    continue;
  }
  describe(`${engine}: restricted log entries`, () => {
    let w: World;
    let siteId: string;
    let statementId: string;
    const allEntries = async (token: string): Promise<{ index: number; text: string }[]> => {
      const size = Number((await api(w.app, token).get('/log/checkpoint')).headers['x-log-size']);
      const out: { index: number; text: string }[] = [];
      for (let start = 0; start < size; start += 1000) {
        const page = json(await api(w.app, token).get(`/log/entries?start=${start}&end=${Math.min(size, start + 1000)}`));
        for (const e of page.entries) out.push({ index: e.index, text: Buffer.from(e.entry, 'base64').toString('utf8') });
      }
      return out;
    };

    beforeAll(async () => {
      w = await makeWorld(engine);
      // After the words recorded here: nothing in the ledger is dated in the future.
      w.clock.set('2022-03-20T08:00:00Z');
      const site = { kind: 'hospital', name: 'Lokhvytsia district hospital', geometry: { type: 'Point', coordinates: [33.265, 50.36], radiusM: 500 }, contact: 'duty desk', distribution: ['ua'] };
      const created = await api(w.app, w.aid.operator.token).post('/sites', site);
      expect(created.statusCode, created.body).toBe(201);
      siteId = json(created).id;
      const amended = await api(w.app, w.aid.operator.token).post(`/sites/${siteId}/amend`, { baseVersion: 1, site: { ...site, name: 'Lokhvytsia district hospital (basement)' }, reason: SECRET_REASON });
      expect(amended.statusCode, amended.body).toBe(200);
      // A public statement corrected into a mediator-only version, with a reason for the mediator alone.
      const med = api(w.app, w.mediator.liaison.token);
      const statement = { speaker: { name: 'A. Speaker', office: 'adviser' }, saidOn: '2022-03-03', source: { outlet: 'news report', date: '2022-03-04' }, original: { lang: 'uk', text: null }, translations: [{ lang: 'en', text: 'Words.', method: 'machine', reviewed: false }], tags: { itemIds: [] } };
      const s = await med.post('/statements', statement);
      expect(s.statusCode, s.body).toBe(201);
      statementId = json(s).id;
      const c = await med.post(`/statements/${statementId}/corrections`, { baseVersion: 1, reason: 'SECRETREASON for the mediator only', statement: { ...statement, visibility: 'mediator' } });
      expect(c.statusCode, c.body).toBe(200);
    }, 60_000);
    afterAll(async () => w?.close());

    it('shows an outsider neither the site, its operator, its distribution nor a reason', async () => {
      const entries = await allEntries(w.observer.viewer.token);
      const text = entries.map((e) => e.text).join('\n');
      for (const leak of [siteId, 'site.', '"distribution"', SECRET_REASON, 'SECRETREASON', 'Lokhvytsia']) expect(text, leak).not.toContain(leak);
      // The operator did nothing but notify and amend the site: it appears as the actor of no entry.
      expect(entries.filter((e) => JSON.parse(e.text).actor === w.aid.operator.memberId)).toEqual([]);
      const restricted = entries.filter((e) => JSON.parse(e.text).action === 'restricted');
      expect(restricted.length).toBe(3); // site notified and amended, the statement's mediator-only version
      for (const e of restricted) expect(Object.keys(JSON.parse(e.text).payload)).toEqual(['commitment']);
      for (const e of restricted) {
        const opening = await api(w.app, w.observer.viewer.token).get(`/log/openings/${e.index}`);
        expect(opening.statusCode).toBe(404);
      }
      // Nor does asking for the site's or the statement's entries by subject: their rows keep the
      // real subject, but the bytes everyone reads say `restricted`, so only the statement's public
      // first version is listed, and nothing of the site.
      const rows = await w.store.db.selectFrom('log_entries').select(['idx', 'subject']).where('subject', 'in', [`site/${siteId}`, `ledger/${statementId}`]).execute();
      expect(rows.filter((r) => r.subject === `site/${siteId}`)).toHaveLength(2); // the server's own index has them
      expect(rows.filter((r) => r.subject === `ledger/${statementId}`)).toHaveLength(2);
      const bySubject = async (subject: string) => {
        const res = await api(w.app, w.ua.viewer.token).get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${entries.length}`);
        expect(res.statusCode, res.body).toBe(200);
        return json(res);
      };
      expect(await bySubject(`site/${siteId}`)).toEqual({ subject: `site/${siteId}`, size: entries.length, entries: [], next: null });
      const ledger = await bySubject(`ledger/${statementId}`);
      expect(ledger.entries).toHaveLength(1);
      expect(JSON.parse(Buffer.from(ledger.entries[0].entry, 'base64').toString('utf8'))).toMatchObject({ subject: `ledger/${statementId}`, payload: { version: 1 } });
      expect(restricted.map((e) => e.index)).not.toContain(ledger.entries[0].index);
      // Not a restricted entry, or one the asker may not see: the same answer.
      expect(json(await api(w.app, w.observer.viewer.token).get('/log/openings/0')).detail).toBe(json(await api(w.app, w.observer.viewer.token).get(`/log/openings/${restricted[0]!.index}`)).detail.replace(String(restricted[0]!.index), '0'));
    });

    it('gives members who may see the record its opening, which hashes to the commitment in the log', async () => {
      const entries = await allEntries(w.ua.viewer.token);
      const restricted = entries.filter((e) => JSON.parse(e.text).action === 'restricted');
      const opened: { action: string; subject: string; payload: any }[] = [];
      for (const e of restricted) {
        const res = await api(w.app, w.ua.viewer.token).get(`/log/openings/${e.index}`);
        if (res.statusCode === 404) continue; // the mediator-only statement version
        expect(res.statusCode, res.body).toBe(200);
        const { opening, commitment } = json(res);
        // Checked as a party would: SHA-256 of the opening's RFC 8785 JSON is what the entry carries.
        const mine = createHash('sha256').update(canonicalJson(opening)).digest('hex');
        expect(mine).toBe(commitment);
        expect(JSON.parse(e.text).payload.commitment).toBe(mine);
        expect(opening.salt).toMatch(/^[0-9a-f]{64}$/);
        opened.push(opening);
      }
      expect(opened.map((o) => [o.action, o.subject])).toEqual([
        ['site.notified', `site/${siteId}`],
        ['site.amended', `site/${siteId}`],
      ]);
      expect(opened[1]!.payload.reason).toBe(SECRET_REASON);
      const mediator = await allEntries(w.mediator.viewer.token);
      const versionTwo = mediator.filter((e) => JSON.parse(e.text).action === 'restricted').at(-1)!;
      const o = json(await api(w.app, w.mediator.viewer.token).get(`/log/openings/${versionTwo.index}`)).opening;
      expect(o).toMatchObject({ action: 'ledger.statement.corrected', subject: `ledger/${statementId}`, payload: { visibility: 'mediator', reason: 'SECRETREASON for the mediator only' } });
    });

    it('keeps a party’s webhook — its receiver, filter and words — out of what other parties read, and lets only that party change it', async () => {
      const ua = api(w.app, w.ua.liaison.token);
      const made = await ua.post('/webhooks', { url: 'https://hooks.example.org/ua-desk', description: 'UADESKRELAY', types: ['corridor.*'] });
      expect(made.statusCode, made.body).toBe(201);
      const id = json(made).id as string;
      const patch = (token: string, body: unknown) => w.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${id}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      expect((await patch(w.ua.liaison.token, { url: 'https://hooks.example.org/ua-desk-2' })).statusCode).toBe(200);
      // The mediator sees it, and may not point Ukraine's deliveries (signed with Ukraine's secret) elsewhere nor stop them.
      expect((await api(w.app, w.mediator.admin.token).get(`/webhooks/${id}`)).statusCode).toBe(200);
      const redirect = await patch(w.mediator.admin.token, { url: 'https://capture.example.net/h' });
      expect(redirect.statusCode, redirect.body).toBe(403);
      expect((await w.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, headers: { authorization: `Bearer ${w.mediator.liaison.token}` } })).statusCode).toBe(403);
      expect(json(await ua.get(`/webhooks/${id}`)).url).toBe('https://hooks.example.org/ua-desk-2');
      // Russia reads the log: the subscription and the change are there as commitments only.
      const ruText = (await allEntries(w.ru.liaison.token)).map((e) => e.text).join('\n');
      for (const leak of [id, 'ua-desk', 'UADESKRELAY', 'webhook.']) expect(ruText, leak).not.toContain(leak);
      // Ukraine opens them; Russia gets the same 404 as for any index.
      const mine = (await allEntries(w.ua.liaison.token)).slice(-2);
      for (const e of mine) {
        expect(JSON.parse(e.text).action).toBe('restricted');
        const opened = await ua.get(`/log/openings/${e.index}`);
        expect(opened.statusCode, opened.body).toBe(200);
        expect(json(opened).opening.subject).toBe(`webhook/${id}`);
        expect((await api(w.app, w.ru.liaison.token).get(`/log/openings/${e.index}`)).statusCode).toBe(404);
      }
    });
  });
}

for (const { engine, available, why } of ENGINES) {
  if (!available) {
    reportSkippedEngine('openings checked before they are handed out', engine, why);
    continue;
  }
  describe(`${engine}: an opening is checked against its entry before it is handed out`, () => {
    let w: World;
    let index: number;
    let kept: string;
    beforeAll(async () => {
      w = await makeWorld(engine);
      const site = { kind: 'hospital', name: 'Lokhvytsia district hospital', geometry: { type: 'Point', coordinates: [33.265, 50.36], radiusM: 500 }, contact: 'duty desk', distribution: ['ua'] };
      expect((await api(w.app, w.aid.operator.token).post('/sites', site)).statusCode).toBe(201);
      const row = await w.store.db.selectFrom('log_openings').select(['idx', 'opening']).orderBy('idx', 'desc').executeTakeFirstOrThrow();
      index = Number(row.idx);
      kept = row.opening;
      await disableLogProtection(w.store);
    }, 60_000);
    afterAll(async () => w?.close());

    const damaged = (res: { statusCode: number; body: string }, detail: RegExp): void => {
      expect(res.statusCode, res.body).toBe(503);
      expect(json(res as never)).toMatchObject({ code: 'log_damaged', status: 503 });
      expect(json(res as never).detail).toMatch(detail);
    };

    it('an altered opening is refused as a damaged store to whoever may see it, and stays a 404 to others', async () => {
      expect((await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`)).statusCode).toBe(200);
      await w.store.db.updateTable('log_openings').set({ opening: kept.replace('"action":"site.notified"', '"action":"site.withdrawn"') }).where('idx', '=', index).execute();
      try {
        damaged(await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`), new RegExp(`^the log store is damaged: entry ${index}: the opening kept for it hashes to commitment [0-9a-f]{64}, but the entry carries [0-9a-f]{64}: the opening was altered$`));
        expect((await api(w.app, w.observer.viewer.token).get(`/log/openings/${index}`)).statusCode).toBe(404);
        await w.store.db.updateTable('log_openings').set({ opening: '{not json' }).where('idx', '=', index).execute();
        damaged(await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`), /is not an opening/);
      } finally {
        await w.store.db.updateTable('log_openings').set({ opening: kept }).where('idx', '=', index).execute();
      }
    });

    it('a missing opening is a damaged store to whoever may see the record, not a silent 404', async () => {
      await w.store.db.deleteFrom('log_openings').where('idx', '=', index).execute();
      try {
        damaged(await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`), new RegExp(`^the log store is damaged: the opening of restricted entry ${index} is missing from log_openings$`));
        expect((await api(w.app, w.observer.viewer.token).get(`/log/openings/${index}`)).statusCode).toBe(404);
        expect((await api(w.app, w.ua.viewer.token).get('/log/openings/0')).statusCode).toBe(404);
      } finally {
        await w.store.db.insertInto('log_openings').values({ idx: index, opening: kept }).execute();
      }
      expect((await api(w.app, w.ua.viewer.token).get(`/log/openings/${index}`)).statusCode).toBe(200);
    });
  });
}
