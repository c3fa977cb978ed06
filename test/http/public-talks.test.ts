/**
 * The public page's talks: each open point worded by its outcome, in Ukrainian, Russian and
 * English — a pending item is not "not agreed" (it read "Not agreed: Probe item (pending)").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ENGINES, makeWorld, type World } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the public page words each talks outcome`, () => {
    let w: World;
    beforeAll(async () => {
      w = await makeWorld(engine);
      const med = api(w.app, w.mediator.liaison.token);
      for (const id of ['ceasefire', 'neutrality', 'exchange', 'corridors']) expect((await med.post('/agenda-items', { id, title: `Item ${id}`, visibility: 'public' })).statusCode).toBe(201);
      const res = await med.post('/rounds', {
        number: 1,
        startDate: '2022-02-28',
        venue: { name: 'Gomel region' },
        delegations: [{ partyId: 'ua', head: { name: 'A' } }, { partyId: 'ru', head: { name: 'B' } }],
        agenda: [
          { itemId: 'corridors', outcome: 'agreed' },
          { itemId: 'ceasefire', outcome: 'not_agreed' },
          { itemId: 'neutrality', outcome: 'deferred' },
          { itemId: 'exchange', outcome: 'pending' },
        ],
        visibility: 'public',
      });
      expect(res.statusCode, res.body).toBe(201);
    });
    afterAll(async () => w?.close());

    it('gives each outcome its own line and words, in every language', async () => {
      const lines: Record<string, string[]> = {
        en: ['Agreed:</span> Item corridors', 'Not agreed:</span> Item ceasefire</p>', 'Deferred:</span> Item neutrality</p>', 'Still under discussion:</span> Item exchange</p>'],
        uk: ['Погоджено:</span> <span lang="en">Item corridors', 'Не погоджено:</span> <span lang="en">Item ceasefire</span></p>', 'Відкладено:</span> <span lang="en">Item neutrality</span></p>', 'Ще обговорюється:</span> <span lang="en">Item exchange</span></p>'],
        ru: ['Согласовано:</span> <span lang="en">Item corridors', 'Не согласовано:</span> <span lang="en">Item ceasefire</span></p>', 'Отложено:</span> <span lang="en">Item neutrality</span></p>', 'Ещё обсуждается:</span> <span lang="en">Item exchange</span></p>'],
      };
      for (const [lang, expected] of Object.entries(lines)) {
        const page = await w.app.inject({ method: 'GET', url: `/public?lang=${lang}` });
        expect(page.statusCode).toBe(200);
        for (const line of expected) expect(page.body, `${lang}: ${line}`).toContain(line);
        expect(page.body).not.toMatch(/\((pending|deferred|на розгляді|відкладено|на рассмотрении|отложено)\)/);
      }
    });
  });
}
